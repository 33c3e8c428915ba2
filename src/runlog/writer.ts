/**
 * A run's log: two files opened before anything connects.
 *   <kind>_<UTC stamp>.log    psql's combined output, byte for byte as `2>&1 | tee` has it
 *   <kind>_<UTC stamp>.jsonl  the runner's own records (pino, JSON lines), hash-chained
 *                             (./chain.ts, format oneroof-runlog/4): what ran where, and for
 *                             every range of output chunks its offset, length, sha256, pieces
 *                             (length, stream, time) and source-map excerpts — the events are
 *                             re-parsed from the .log's bytes (stored once); any change to them
 *                             is located.
 * Every record carries `seq` (its line number − 1), `t` (seconds since the log was opened,
 * monotonic) and `chain`, and the start and end records the wall-clock `time` (/4: replay
 * derives the others'); everything a caller logs goes through the chain (`log.logger` too).
 * Both files are written synchronously, one write per record (an output record is held: see
 * output()), so a crash leaves a valid prefix; after a write error nothing more is written.
 * `close()` returns the seal (final head, record count, .log length) that src/audit/ signs and
 * anchors. Opening fails (the run stops before any mutation) when the directory is not
 * writable. Secrets never reach here: records are built from chosen fields only, and `redact`
 * removes the usual secret-named fields as a second line of defence.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync } from 'node:fs';
import { whoAmI } from '../local/who.js';
import { basename, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { RUNLOG_FORMAT } from './chain.js';
import { ChainedRecords, writeAll } from './chained-records.js';
import { notWritable, openLogFiles, type RunLogPaths } from './log-files.js';
import type { KnownRecordName, RecordFields } from './records.js';
import { compactFiles } from './compact.js';

import type { MapExcerpt } from '../packet/source-map-parts.js';
import {
  heldOutput,
  heldT,
  holdChunk,
  BEGIN_HOLD_MS,
  milestone,
  MAX_HELD,
  outputFields,
  type HeldOutput,
} from './held-output.js';
export { type RunKind, type RunLogPaths } from './log-files.js';
import type { EndFields, RunLogOptions, RunLogSeal } from './run-log-types.js';
export type { EndFields, RunLogOptions, RunLogSeal } from './run-log-types.js';

const REDACT = [
  'passphrase',
  'password',
  '*.passphrase',
  '*.password',
  'env.PGPASSWORD',
  '*.PGPASSWORD',
];

export class RunLog {
  readonly paths: RunLogPaths;
  readonly logger: Logger;
  private readonly outputFd: number;
  private readonly records: ChainedRecords;
  private readonly run: string;
  private readonly startedAt: string;
  private readonly target: string;
  private offset = 0;
  /** The output record being held (see output()). */
  private pending: HeldOutput | undefined;
  private readonly maxHeld: number;
  /** The timer that writes a held BEGIN (held-output.ts: milestone). */
  private soon: NodeJS.Timeout | undefined;
  private closed = false;
  private sealed: RunLogSeal | undefined;
  private writeError: Error | undefined;
  private listener: ((error: Error) => void) | undefined;

  private constructor(
    paths: RunLogPaths,
    outputFd: number,
    recordsFd: number,
    private readonly now: () => Date,
    target: string,
    seams: Pick<RunLogOptions, 'elapsed' | 'runId' | 'maxHeld'>,
  ) {
    this.maxHeld = seams.maxHeld ?? MAX_HELD;
    this.paths = paths;
    this.outputFd = outputFd;
    this.target = target;
    this.run = seams.runId ?? randomUUID();
    this.startedAt = now().toISOString();
    this.records = new ChainedRecords(recordsFd, (error) => this.fail(error), seams.elapsed);
    this.logger = pino(
      {
        base: null,
        messageKey: 'msg',
        redact: { paths: REDACT, censor: '[redacted]' },
        // The wall-clock time is a field of the start and end records only (write(): /4).
        timestamp: false,
        formatters: { level: (label) => ({ level: label }) },
      },
      this.records,
    );
  }

  /** Opens both files (openLogFiles: never over an old log) and writes the start record. */
  static open(options: RunLogOptions): RunLog {
    const now = options.now ?? (() => new Date());
    const dir = resolve(options.dir);
    const startedAt = now();
    const { paths, outputFd, recordsFd } = openLogFiles(dir, options.kind, startedAt);
    const log = new RunLog(paths, outputFd, recordsFd, now, options.target, options);
    // The start record must be on disk before anything connects; only then may a later
    // failure be reported to the run (which cancels what it started).
    log.write(
      'start',
      {
        format: RUNLOG_FORMAT,
        run: log.run,
        kind: options.kind,
        target: options.target,
        by: whoAmI(),
        pid: process.pid,
        argv: [...(options.argv ?? [])],
        output: paths.output,
        ...(options.packet ? { packet: options.packet } : {}),
      },
      `${options.kind} on ${options.target}`,
    );
    if (log.writeError) {
      closeSync(outputFd);
      closeSync(recordsFd);
      throw notWritable(paths.records, log.writeError);
    }
    log.listener = options.onFailure;
    return log;
  }

  /**
   * One chunk of psql's output, appended to the .log at once. Its record waits, so that
   * consecutive chunks share one output record (one digest, one chain link; a piece per run of
   * one stream, cut after a chunk that carried an event: `flush`); it is written before any
   * other record, when the step changes, when the chunk carried a milestone event (a tier's
   * end, the verdict, an error; a BEGIN within BEGIN_HOLD_MS: milestone), past MAX_HELD bytes,
   * and at close. The events themselves
   * are not recorded: replay parses these bytes again (format 3); `map` holds the source map's
   * excerpts the parser asked for on this chunk. A crash loses only the held record: replay
   * reports its bytes as the .log's unindexed tail.
   */
  output(
    stream: 'stdout' | 'stderr',
    chunk: Buffer,
    parsed: {
      step?: string;
      events?: readonly object[];
      flush?: boolean;
      map?: readonly MapExcerpt[];
    } = {},
  ): void {
    if (this.closed || this.writeError || chunk.length === 0) return;
    try {
      writeAll(this.outputFd, chunk);
    } catch (error) {
      // The far side is already running; keep reading so psql is not killed by a broken
      // pipe, and report the failure (the run cancels its open tier). Nothing more is
      // written: the files stay a prefix.
      this.fail(error as Error);
      return;
    }
    if (this.pending !== undefined && this.pending.step !== parsed.step) this.flush();
    this.pending ??= heldOutput(parsed.step, this.offset);
    holdChunk(this.pending, stream, chunk, () => this.records.now());
    if (parsed.map !== undefined) this.pending.map.push(...parsed.map);
    this.offset += chunk.length;
    if (parsed.flush === true) this.pending.cut = true;
    const when = (parsed.events ?? []).map(milestone);
    if (when.includes('now') || this.pending.length >= this.maxHeld) this.flush();
    else if (when.includes('soon'))
      this.soon ??= setTimeout(() => this.flush(), BEGIN_HOLD_MS).unref();
  }

  /**
   * Events parsed with no chunk in the .log (output not teed): one event record each, with
   * their step.
   */
  events(step: string | undefined, events: readonly object[]): void {
    if (this.closed) return;
    for (const event of events)
      this.write('event', { ...(step === undefined ? {} : { step }), event });
  }

  /** Writes the held output record, if any. */
  private flush(): void {
    clearTimeout(this.soon);
    this.soon = undefined;
    const held = this.pending;
    if (held === undefined || this.closed) return;
    this.pending = undefined;
    this.records.stampNext(heldT(held));
    this.write('output', outputFields(held));
  }

  /**
   * A runner record of one kind of the catalogue (src/runlog/records.ts), its fields typed by
   * the kind's schema; chosen by the caller, never raw env.
   */
  record<K extends Exclude<KnownRecordName, 'start' | 'output' | 'end'>>(
    record: K,
    fields: RecordFields<K>,
    msg?: string,
  ): void {
    if (this.closed) return;
    this.write(record, fields, msg);
  }

  private write<K extends KnownRecordName>(record: K, fields: RecordFields<K>, msg?: string): void {
    if (record !== 'output') this.flush();
    const line: object = {
      ...(record === 'start' || record === 'end' ? { time: this.now().toISOString() } : {}),
      record,
      ...fields,
      ...(record === 'stream' ? compactFiles(fields) : {}),
    };
    this.logger.info(line, msg);
  }

  /** fsync: a file whose bytes cannot be made durable failed as a write would. */
  private settle(fd: number): boolean {
    try {
      fsyncSync(fd);
      return true;
    } catch (error) {
      this.fail(error as Error);
      return false;
    }
  }

  private fail(error: Error): void {
    if (this.writeError) return;
    this.writeError = error;
    this.listener?.(error);
  }

  /** The first write error (disk full, …) if any happened after opening. */
  get failure(): Error | undefined {
    return this.writeError;
  }

  get bytesWritten(): number {
    return this.offset;
  }

  /** Hex chain digest of the last record written so far. */
  get head(): string {
    return this.records.head.toString('hex');
  }

  /** Records written so far. */
  get recordCount(): number {
    return this.records.count;
  }

  /**
   * Writes the end record (with the .log's length), flushes and closes both files, and returns
   * the seal. The .log is made durable first: a .log that cannot be (an I/O error) leaves the
   * records without an end, which claims no exit code, as the run's result will not either.
   * Idempotent: a second call returns the same seal.
   */
  close(fields: EndFields = {}): RunLogSeal {
    if (this.sealed) return this.sealed;
    this.flush();
    const log = { bytes: this.offset };
    if (this.settle(this.outputFd)) this.write('end', { bytes: this.offset, log, ...fields });
    this.closed = true;
    this.settle(this.records.fd);
    for (const fd of [this.outputFd, this.records.fd]) {
      try {
        closeSync(fd);
      } catch (error) {
        this.fail(error as Error);
      }
    }
    this.sealed = {
      run: this.run,
      name: basename(this.paths.records, '.jsonl'),
      target: this.target,
      startedAt: this.startedAt,
      paths: this.paths,
      records: this.records.count,
      head: this.head,
      log,
      ...(this.writeError ? { failure: this.writeError.message } : {}),
    };
    return this.sealed;
  }
}
