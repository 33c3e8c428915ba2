/**
 * `replay --play`: psql's output written again at the pace it arrived (each chunk at its
 * record's time, from the moment the log was opened), `speed` times faster. A hand-made log has
 * no timing: it is written at once. The clock and the writer are parameters (tests).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { StreamText, type OutputChunk } from './chunks.js';

export interface PlayOptions {
  /** 2 = twice as fast; 0.5 = half speed. */
  speed: number;
  /** Caps every pause (seconds, before speed); undefined = faithful. */
  maxWait?: number;
  write(text: string): void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
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
  let clock = 0;
  let count = 0;
  let bytes = 0;
  let timed = false;
  for (const chunk of chunks) {
    if (chunk.t !== undefined) {
      timed = true;
      let wait = Math.max(0, chunk.t - clock);
      if (options.maxWait !== undefined) wait = Math.min(wait, options.maxWait);
      if (wait > 0) await sleep((wait * 1000) / options.speed);
      clock = Math.max(clock, chunk.t);
    }
    count++;
    bytes += chunk.bytes.length;
    const piece = text.decode(chunk);
    if (piece !== '') await options.write(piece);
  }
  const rest = text.end();
  if (rest !== '') await options.write(rest);
  return { chunks: count, bytes, recorded: clock, timed };
}
