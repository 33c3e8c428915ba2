/**
 * `replay --play`: psql's output written again at the pace it arrived (each chunk at its
 * record's time, from the moment the log was opened), `speed` times faster. A hand-made log has
 * no timing: it is written at once. The clock and the writer are parameters (tests). The text
 * goes through safeText (a log's bytes never drive the terminal), unless `raw` asks for the
 * bytes as they were (`--play --raw`).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { SafeTextStream } from '../safe-text.js';
import { StreamText, type OutputChunk } from './chunks.js';

export interface PlayOptions {
  /** 2 = twice as fast; 0.5 = half speed. */
  speed: number;
  /** Caps every pause (seconds, before speed); undefined = faithful. */
  maxWait?: number;
  write(text: string): void | Promise<void>;
  /** When given, the log's bytes go here as they are, escape sequences and all (--raw). */
  raw?: (bytes: Buffer) => void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  /** True once nobody reads any more (stdout closed): playback stops there. */
  stopped?: () => boolean;
}

export interface PlayResult {
  chunks: number;
  bytes: number;
  /** Seconds of recorded time played (before speed). */
  recorded: number;
  timed: boolean;
}

export async function play(
  chunks: Iterable<OutputChunk>,
  options: PlayOptions,
): Promise<PlayResult> {
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  const text = new StreamText();
  const safe = new SafeTextStream();
  let clock = 0;
  let count = 0;
  let bytes = 0;
  let timed = false;
  for (const chunk of chunks) {
    if (options.stopped?.() === true) break;
    if (chunk.t !== undefined) {
      timed = true;
      let wait = Math.max(0, chunk.t - clock);
      if (options.maxWait !== undefined) wait = Math.min(wait, options.maxWait);
      if (wait > 0) await sleep((wait * 1000) / options.speed);
      clock = Math.max(clock, chunk.t);
    }
    count++;
    bytes += chunk.bytes.length;
    if (options.raw !== undefined) {
      // A copy: the chunk's buffer is reused once the next chunk is pulled.
      if (chunk.bytes.length > 0) await options.raw(Buffer.from(chunk.bytes));
      continue;
    }
    const piece = safe.write(text.decode(chunk));
    if (piece !== '') await options.write(piece);
  }
  if (options.raw !== undefined) return { chunks: count, bytes, recorded: clock, timed };
  const rest = safe.write(text.end()) + safe.end();
  if (rest !== '') await options.write(rest);
  return { chunks: count, bytes, recorded: clock, timed };
}
