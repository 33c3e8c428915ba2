/**
 * The records file of a run log as pino's destination: every line pino serialises becomes one
 * hash-chained record (seq, t, chain; src/runlog/chain.ts), written with one synchronous append,
 * and after a failed write nothing more (the file stays a valid prefix).
 */
import { writeSync } from 'node:fs';
import { GENESIS, sealLine } from './chain.js';

const INFO = '{"level":"info",';

/**
 * pino's destination: each line pino serialises becomes one chained record, written with one
 * synchronous append. `{"level":"info",…}` + LF → `{"seq":N,"t":S,…,"chain":"…"}` + LF (a level
 * other than info is kept).
 */
export class ChainedRecords {
  head: Buffer = GENESIS;
  count = 0;
  private failed = false;
  private readonly elapsed: () => number;
  /** The `t` of the next record instead of now (a held output record: its first chunk's). */
  private stamp: number | undefined;

  constructor(
    readonly fd: number,
    private readonly onError: (error: Error) => void,
    elapsed?: () => number,
  ) {
    const opened = process.hrtime.bigint();
    this.elapsed = elapsed ?? (() => Number(process.hrtime.bigint() - opened) / 1e9);
  }

  /** Seconds since the log was opened. */
  now(): number {
    return this.elapsed();
  }

  /** The next record is stamped `t` (earlier than now, never before the record before it). */
  stampNext(t: number): void {
    this.stamp = t;
  }

  write(line: string): void {
    const stamp = this.stamp;
    this.stamp = undefined;
    if (this.failed) return;
    const end = line.endsWith('}\n') ? line.length - 2 : line.lastIndexOf('}');
    // Every record the writer makes is `info`: only another level is kept (pino writes it first).
    const from = line.startsWith(INFO) ? INFO.length : 1;
    const inner = line.slice(from, end);
    const t = stamp ?? this.elapsed();
    const body = `{"seq":${this.count},"t":${t.toFixed(6)}${inner === '' ? '' : ','}${inner}`;
    const sealed = sealLine(this.head, body);
    try {
      writeAll(this.fd, sealed.line);
    } catch (error) {
      // A torn write may leave a partial last line: replay reads it as the end of a prefix.
      this.failed = true;
      this.onError(error as Error);
      return;
    }
    this.head = sealed.head;
    this.count++;
  }
}

export function writeAll(fd: number, chunk: Buffer): void {
  let written = 0;
  while (written < chunk.length) written += writeSync(fd, chunk, written);
}
