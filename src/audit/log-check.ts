/**
 * The .log's side of a run log's integrity: its bytes, read in order, against the offset, length
 * and sha256 each output record carries (the records' own chain is ./verify.ts). Pure: the bytes
 * come through a ByteSource (src/audit/files.ts opens the file).
 */
import { createHash } from 'node:crypto';
import type { OutputRecord } from '../runlog/output-records.js';
import type { Problem } from './verify.js';

/** Positional reads of the .log (a file descriptor in practice). */
export interface ByteSource {
  readonly size: number;
  read(buffer: Buffer, length: number, position: number): number;
}

/**
 * The .log against the output records, in order: each chunk must sit right after the previous
 * one, be there whole, and hash to the recorded sha256. Memory: one reusable buffer.
 */
export class LogChecker {
  private position = 0;
  private readonly whole = createHash('sha256');
  private readonly buffer: Buffer;

  constructor(
    private readonly source: ByteSource,
    bufferSize = 1 << 20,
  ) {
    this.buffer = Buffer.allocUnsafe(bufferSize);
  }

  get bytesChecked(): number {
    return this.position;
  }

  check(record: OutputRecord, at: { line: number; seq: number }): Problem | undefined {
    const where = { file: 'log' as const, line: at.line, record: at.seq, recordName: 'output' };
    const bytes = { from: record.offset, to: record.offset + record.length };
    if (record.offset !== this.position)
      return {
        ...where,
        file: 'records',
        bytes,
        reason: `output record at offset ${record.offset}, but the records before it end at byte ${this.position}`,
      };
    if (this.source.size < bytes.to)
      return {
        ...where,
        bytes,
        reason: `the .log ends at byte ${this.source.size}, but record #${at.seq} indexes bytes ${bytes.from}–${bytes.to}: the .log was truncated`,
      };
    const chunk = createHash('sha256');
    let done = 0;
    while (done < record.length) {
      const want = Math.min(this.buffer.length, record.length - done);
      const got = this.source.read(this.buffer, want, record.offset + done);
      if (got <= 0)
        return {
          ...where,
          bytes,
          reason: `the .log could not be read at byte ${bytes.from + done}`,
        };
      const piece = this.buffer.subarray(0, got);
      chunk.update(piece);
      this.whole.update(piece);
      done += got;
    }
    this.position = bytes.to;
    if (chunk.digest('hex') !== record.sha256)
      return {
        ...where,
        bytes,
        reason: `the .log's bytes ${bytes.from}–${bytes.to} (${record.stream}) do not match the sha256 record #${at.seq} holds: the output was altered`,
      };
    return undefined;
  }

  /**
   * After the last record. `recorded` is the end record's { bytes } when the log is complete;
   * without it, bytes past the last chunk are a crash's unindexed tail, not an edit. The .log's
   * sha256 is computed on the way, for the report (it is not recorded: the chunks' are).
   */
  finish(recorded: { bytes: number } | undefined): {
    problem?: Problem;
    sha256: string;
    unindexed: number;
  } {
    const sha256 = this.whole.digest('hex');
    const unindexed = this.source.size - this.position;
    if (recorded === undefined) return { sha256, unindexed };
    if (recorded.bytes !== this.position)
      return {
        sha256,
        unindexed,
        problem: {
          file: 'records',
          reason: `the end record says the .log has ${recorded.bytes} bytes, the output records add up to ${this.position}`,
        },
      };
    if (unindexed > 0)
      return {
        sha256,
        unindexed,
        problem: {
          file: 'log',
          bytes: { from: this.position, to: this.source.size },
          reason: `${unindexed} bytes after byte ${this.position} of the .log were never recorded: appended`,
        },
      };
    return { sha256, unindexed };
  }
}
