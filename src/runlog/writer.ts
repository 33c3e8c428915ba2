/**
 * A run's log: two files opened before anything connects.
 *   <kind>_<UTC stamp>.log    psql's combined output, byte for byte as `2>&1 | tee` has it
 *   <kind>_<UTC stamp>.jsonl  the runner's own records (pino, JSON lines, timestamped):
 *                                      what ran where, every parsed event, and for every output
 *                                      chunk its stream, offset and length — so the timing and
 *                                      the stdout/stderr split can be reconstructed from the .log.
 * Both are written synchronously as data arrives, so a crash leaves a valid prefix. Opening
 * fails (and the run stops before any mutation) when the directory is not writable.
 * Secrets never reach here: records are built from chosen fields only, and `redact` removes
 * the usual secret-named fields as a second line of defence.
 */
import { closeSync, constants, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { OneroofError } from '../errors.js';

export type RunKind = 'rollout' | 'preflight' | 'verify' | 'rollback' | 'status' | 'run';

export interface RunLogOptions {
  dir: string;
  kind: RunKind;
  target: string;
  /** Injected clock (tests). */
  now?: () => Date;
  /** Written into the first record; the command line as the user typed it, minus nothing secret. */
  argv?: readonly string[];
}

export interface RunLogPaths {
  output: string;
  records: string;
}

/**
 * rollout_20261125T113000Z — the seed's name (CLI.md). The target is in the first record; a
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
  private readonly recordsFd: number;
  private offset = 0;
  private closed = false;
  private writeError: Error | undefined;

  private constructor(paths: RunLogPaths, outputFd: number, recordsFd: number, now: () => Date) {
    this.paths = paths;
    this.outputFd = outputFd;
    this.recordsFd = recordsFd;
    this.logger = pino(
      {
        base: null,
        messageKey: 'msg',
        redact: { paths: REDACT, censor: '[redacted]' },
        timestamp: () => `,"time":"${now().toISOString()}"`,
        formatters: { level: (label) => ({ level: label }) },
      },
      pino.destination({ dest: recordsFd, sync: true }),
    );
  }

  /** Creates the directory if needed and both files exclusively (never overwrites a log). */
  static open(options: RunLogOptions): RunLog {
    const now = options.now ?? (() => new Date());
    const dir = resolve(options.dir);
    const startedAt = now();
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw notWritable(dir, error);
    }
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
      const log = new RunLog(paths, outputFd, recordsFd, now);
      log.logger.info(
        {
          record: 'start',
          kind: options.kind,
          target: options.target,
          by: whoAmI(),
          pid: process.pid,
          argv: options.argv ?? [],
          output: paths.output,
        },
        `${options.kind} on ${options.target}`,
      );
      return log;
    }
    throw new OneroofError('runtime', `could not find a free log name in ${dir}`);
  }

  /** One chunk of psql's output, appended to the .log and indexed in the records. */
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    try {
      writeAll(this.outputFd, chunk);
    } catch (error) {
      // The far side is already running; keep reading so psql is not killed by a broken pipe,
      // and report the failure at the end.
      this.writeError ??= error as Error;
      return;
    }
    this.logger.info({ record: 'output', stream, offset: this.offset, length: chunk.length });
    this.offset += chunk.length;
  }

  /** A runner record: `record` names its kind; fields are chosen by the caller, never raw env. */
  record(record: string, fields: Record<string, unknown> = {}, msg?: string): void {
    if (this.closed) return;
    this.logger.info({ record, ...fields }, msg);
  }

  /** The first write error (disk full, …) if any happened after opening. */
  get failure(): Error | undefined {
    return this.writeError;
  }

  get bytesWritten(): number {
    return this.offset;
  }

  close(fields: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.logger.info({ record: 'end', bytes: this.offset, ...fields });
    this.closed = true;
    for (const fd of [this.outputFd, this.recordsFd]) {
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
}

function writeAll(fd: number, chunk: Buffer): void {
  let written = 0;
  while (written < chunk.length) written += writeSync(fd, chunk, written);
}

function whoAmI(): { user: string; host: string } {
  let user = process.env.USER ?? '?';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return { user, host: hostname() };
}

function notWritable(path: string, error: unknown): OneroofError {
  const reason = (error as NodeJS.ErrnoException).code ?? String(error);
  return new OneroofError('runtime', `log not writable: ${path} (${reason}); nothing was run`, {
    hint: 'choose another directory with --log-dir or ONEROOF_LOG_DIR',
    cause: error,
  });
}
