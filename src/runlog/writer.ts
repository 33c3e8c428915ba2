/**
 * A run's log: two files opened before anything connects.
 *   <kind>_<UTC stamp>.log    psql's combined output, byte for byte as `2>&1 | tee` has it
 *   <kind>_<UTC stamp>.jsonl  the runner's own records (pino, JSON lines, timestamped), hash-
 *                                      chained (src/audit/chain.ts, format oneroof-runlog/1):
 *                                      what ran where, every parsed event, and for every output
 *                                      chunk its stream, offset, length and sha256 — so the
 *                                      timing and the stdout/stderr split can be reconstructed
 *                                      from the .log, and any change to it is found and located.
 * Every record carries `seq` (its line number − 1), `t` (seconds since the log was opened, from
 * a monotonic clock) and `chain`. Everything a caller logs goes through the chain, including
 * lines written with `log.logger` directly. Both files are written synchronously as data
 * arrives, one write per record, so a crash leaves a valid prefix; after a write error nothing
 * more is written (a clean prefix, never a gap). `close()` returns the seal — the final chain
 * head, the record count and the .log's length — which src/audit/ signs and anchors.
 * Opening fails (and the run stops before any mutation) when the directory is not writable.
 * Secrets never reach here: records are built from chosen fields only, and `redact` removes
 * the usual secret-named fields as a second line of defence.
 */
import type { PacketSummary } from '../contract/summary.js';
import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  writeSync,
} from 'node:fs';
import { whoAmI } from '../local/who.js';
import { basename, join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { GENESIS, RUNLOG_FORMAT, sealLine } from './chain.js';
import { OneroofError } from '../errors.js';
import type { KnownRecordName, RecordFields } from './records.js';

export type RunKind = 'rollout' | 'preflight' | 'verify' | 'rollback' | 'status' | 'reader' | 'run';

export interface RunLogOptions {
  dir: string;
  kind: RunKind;
  target: string;
  /** Injected clock (tests): the wall time of the file name, `startedAt` and every record's `time`. */
  now?: () => Date;
  /** Injected monotonic clock (tests): seconds since the log was opened, each record's `t`. */
  elapsed?: () => number;
  /** Injected run id (tests): the start record's `run`, the seal's and the anchor's. */
  runId?: string;
  /** Written into the first record; the command line as the user typed it, minus nothing secret. */
  argv?: readonly string[];
  /** Called once, at the first write error after opening (the run must stop: see release.ts). */
  onFailure?: (error: Error) => void;
  /** The packet's names, for replay without the packet (src/contract/summary.ts). */
  packet?: PacketSummary;
}

/** What the caller says of the run in its end record (the writer adds the .log's length). */
export type EndFields = Omit<RecordFields<'end'>, 'bytes' | 'log'>;

export interface RunLogPaths {
  output: string;
  records: string;
}

/** What close() returns: everything needed to sign the log and anchor it outside itself. */
export interface RunLogSeal {
  /** The random id of this run (the start record's `run`). */
  run: string;
  /** The file name without extension: `rollout_20261125T113005Z`. */
  name: string;
  target: string;
  startedAt: string;
  paths: RunLogPaths;
  /** How many records (lines) the records file holds, the end record included. */
  records: number;
  /** Hex chain digest of the last record: it commits to every record and every output byte. */
  head: string;
  /** The .log's length (its bytes are committed chunk by chunk, each output record's sha256). */
  log: { bytes: number };
  /** Set when a write failed: the files hold a valid prefix only. */
  failure?: string;
}

/**
 * rollout_20261125T113000Z — the seed's name. The target is in the first record; a
 * second run in the same second (a fleet, a retry) gets -2, -3, …: a log is never overwritten.
 */
export function runLogBase(kind: RunKind, at: Date, attempt = 0): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${kind}_${stamp}${attempt === 0 ? '' : `-${attempt + 1}`}`;
}

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
  private closed = false;
  private sealed: RunLogSeal | undefined;
  private writeError: Error | undefined;
  private listener: ((error: Error) => void) | undefined;

  private constructor(
    paths: RunLogPaths,
    outputFd: number,
    recordsFd: number,
    now: () => Date,
    target: string,
    seams: Pick<RunLogOptions, 'elapsed' | 'runId'>,
  ) {
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
        timestamp: () => `,"time":"${now().toISOString()}"`,
        formatters: { level: (label) => ({ level: label }) },
      },
      this.records,
    );
  }

  /** Creates the directory if needed and both files exclusively (never overwrites a log). */
  static open(options: RunLogOptions): RunLog {
    const now = options.now ?? (() => new Date());
    const dir = resolve(options.dir);
    const startedAt = now();
    refuseUnsafeDir(dir, 'before');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw notWritable(dir, error);
    }
    refuseUnsafeDir(dir, 'after');
    for (let attempt = 0; attempt < 100; attempt++) {
      const base = runLogBase(options.kind, startedAt, attempt);
      const paths = { output: join(dir, `${base}.log`), records: join(dir, `${base}.jsonl`) };
      let outputFd: number;
      try {
        outputFd = openSync(
          paths.output,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND,
          0o640,
        );
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw notWritable(paths.output, error);
      }
      let recordsFd: number;
      try {
        recordsFd = openSync(
          paths.records,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND,
          0o640,
        );
      } catch (error) {
        closeSync(outputFd);
        throw notWritable(paths.records, error);
      }
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
    throw new OneroofError('runtime', `could not find a free log name in ${dir}`);
  }

  /** One chunk of psql's output, appended to the .log and indexed (and digested) in the records. */
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.closed || chunk.length === 0 || this.writeError) return;
    try {
      writeAll(this.outputFd, chunk);
    } catch (error) {
      // The far side is already running; keep reading so psql is not killed by a broken pipe,
      // and report the failure (the run cancels its open tier). Nothing more is written: the
      // files stay a prefix.
      this.fail(error as Error);
      return;
    }
    this.write('output', {
      stream,
      offset: this.offset,
      length: chunk.length,
      sha256: createHash('sha256').update(chunk).digest('hex'),
    });
    this.offset += chunk.length;
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
    const line: object = { record, ...fields };
    this.logger.info(line, msg);
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
   * the seal. Idempotent: a second call returns the same seal.
   */
  close(fields: EndFields = {}): RunLogSeal {
    if (this.sealed) return this.sealed;
    const log = { bytes: this.offset };
    this.write('end', { bytes: this.offset, log, ...fields });
    this.closed = true;
    for (const fd of [this.outputFd, this.records.fd]) {
      try {
        fsyncSync(fd);
      } catch (error) {
        this.fail(error as Error);
      } finally {
        closeSync(fd);
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

/**
 * pino's destination: each line pino serialises becomes one chained record, written with one
 * synchronous append. `{"level":…}` + LF → `{"seq":N,"t":S,"level":…,"chain":"…"}` + LF.
 */
class ChainedRecords {
  head: Buffer = GENESIS;
  count = 0;
  private failed = false;
  private readonly elapsed: () => number;

  constructor(
    readonly fd: number,
    private readonly onError: (error: Error) => void,
    elapsed?: () => number,
  ) {
    const opened = process.hrtime.bigint();
    this.elapsed = elapsed ?? (() => Number(process.hrtime.bigint() - opened) / 1e9);
  }

  write(line: string): void {
    if (this.failed) return;
    const end = line.endsWith('}\n') ? line.length - 2 : line.lastIndexOf('}');
    const inner = line.slice(1, end);
    const t = this.elapsed();
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

function writeAll(fd: number, chunk: Buffer): void {
  let written = 0;
  while (written < chunk.length) written += writeSync(fd, chunk, written);
}

/**
 * The log directory itself must be a real directory that only we (or root) can change: a
 * `logs -> /etc` symlink is refused, naming where it points, rather than followed, and so is a
 * directory that others may write in (they could plant or swap the files of a run) or that
 * another user owns. Symlinks higher up the path are the system's layout and are followed.
 * To log into a symlinked place, name the place itself (--log-dir "$(readlink -f logs)").
 */
function refuseUnsafeDir(dir: string, when: 'before' | 'after'): void {
  let stats;
  try {
    stats = lstatSync(dir);
  } catch (error) {
    if (when === 'before' && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw notWritable(dir, error);
  }
  const refuse = (why: string, hint: string) =>
    new OneroofError('config', `log directory ${dir}: ${why}; nothing was run`, { hint });
  if (stats.isSymbolicLink()) {
    let to = '?';
    try {
      to = readlinkSync(dir);
    } catch {
      // named without its target
    }
    throw refuse(
      `a symlink (to ${to}), not followed`,
      `name the directory itself: --log-dir ${realOrSame(dir)}`,
    );
  }
  if (!stats.isDirectory()) return; // mkdir / the open below says what it is
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0)
    throw refuse(
      `owned by another user (uid ${stats.uid})`,
      'use a directory of your own with --log-dir or ONEROOF_LOG_DIR',
    );
  if ((stats.mode & 0o002) !== 0)
    throw refuse(
      `writable by every user (mode ${(stats.mode & 0o7777).toString(8)})`,
      "others could plant or replace a run's files there: chmod o-w it, or choose another --log-dir",
    );
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function notWritable(path: string, error: unknown): OneroofError {
  const reason = (error as NodeJS.ErrnoException).code ?? String(error);
  return new OneroofError('runtime', `log not writable: ${path} (${reason}); nothing was run`, {
    hint: 'choose another directory with --log-dir or ONEROOF_LOG_DIR',
    cause: error,
  });
}
