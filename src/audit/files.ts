/**
 * The file side of replay: which files make up a run log, and reading them in flat memory —
 * lines of the records file through one reusable buffer, the .log by positional reads.
 */
import { closeSync, existsSync, fstatSync, readSync } from 'node:fs';
import { RUN_LOG_FILE, openChecked } from '../bounded-file.js';
import { OneroofError } from '../errors.js';
import type { ByteSource } from './log-check.js';
import type { RawLine } from './verify.js';

export interface RunLogFiles {
  /** psql's output (`<kind>_<stamp>.log`), or a hand-made `tee` log. */
  log: string;
  /** The chained records beside it, when there are any. */
  records: string | undefined;
  /** `<records>.sig`, the operator's ssh signature of the records file, when there is one. */
  signature: string | undefined;
}

/** A line longer than this is not a record the writer made (its longest event is far less). */
const MAX_LINE = 16 * 1024 * 1024;

/**
 * A line of a hand-made (`tee`) log longer than this is refused: psql's lines are a row, a
 * message or a statement, and a line is held whole while it is parsed, so without a cap one
 * line of gigabytes would be held in memory.
 */
const MAX_TEE_LINE = 16 * 1024 * 1024;

/** Opens a run log file: regular files only (a FIFO, a device, a directory is refused). */
function openLog(path: string): number {
  return openChecked(path, RUN_LOG_FILE).fd;
}

/**
 * LOGFILE may name the .log or the .jsonl; the other files are found beside it by name. A
 * missing or unreadable LOGFILE is the user's mistake: it is named, with the reason.
 */
export function locateRunLog(path: string): RunLogFiles {
  const readable = (file: string) => {
    try {
      closeSync(openLog(file));
    } catch (error) {
      if (error instanceof OneroofError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new OneroofError('usage', `cannot read ${file} (${code})`, {
        hint: 'name a run log: logs/<kind>_<stamp>.log, or a log made with psql … | tee',
        cause: error,
      });
    }
  };
  readable(path);
  let log = path;
  let records: string | undefined;
  if (path.endsWith('.jsonl')) {
    records = path;
    log = `${path.slice(0, -'.jsonl'.length)}.log`;
    readable(log);
  } else {
    const beside = `${path.replace(/\.log$/, '')}.jsonl`;
    if (beside !== path && existsSync(beside)) {
      readable(beside);
      records = beside;
    }
  }
  const signature =
    records !== undefined && existsSync(`${records}.sig`) ? `${records}.sig` : undefined;
  return { log, records, signature };
}

/** The lines of a file, each without its LF; a line longer than MAX_LINE is refused. */
export function* readLines(path: string, bufferSize = 1 << 20): Generator<RawLine> {
  const fd = openLog(path);
  try {
    const buffer = Buffer.allocUnsafe(bufferSize);
    let pending: Buffer[] = [];
    let pendingLength = 0;
    let number = 0;
    for (;;) {
      const got = readSync(fd, buffer, 0, buffer.length, null);
      if (got === 0) break;
      let from = 0;
      for (
        let eol = buffer.indexOf(0x0a, 0);
        eol >= 0 && eol < got;
        eol = buffer.indexOf(0x0a, from)
      ) {
        const piece = buffer.subarray(from, eol);
        if (pendingLength + piece.length > MAX_LINE) throw tooLong(path, number + 1);
        const bytes =
          pending.length === 0 ? Buffer.from(piece) : Buffer.concat([...pending, piece]);
        pending = [];
        pendingLength = 0;
        yield { bytes, number: ++number, terminated: true };
        from = eol + 1;
      }
      if (from < got) {
        pending.push(Buffer.from(buffer.subarray(from, got)));
        pendingLength += got - from;
        if (pendingLength > MAX_LINE) throw tooLong(path, number + 1);
      }
    }
    if (pending.length > 0)
      yield { bytes: Buffer.concat(pending), number: ++number, terminated: false };
  } finally {
    closeSync(fd);
  }
}

function tooLong(path: string, line: number): OneroofError {
  return new OneroofError(
    'integrity',
    `${path}:${line}: a line longer than ${MAX_LINE} bytes: not a run log record`,
  );
}

/**
 * Counts the bytes of the current line across chunks and refuses a hand-made log's line
 * longer than MAX_TEE_LINE (exit 5: not psql's output), before the parser holds it.
 */
export class LineLengthGuard {
  private line = 1;
  private length = 0;

  constructor(private readonly path: string) {}

  check(chunk: Buffer): void {
    let from = 0;
    for (let eol = chunk.indexOf(0x0a); eol >= 0; eol = chunk.indexOf(0x0a, from)) {
      this.add(eol - from);
      this.line++;
      this.length = 0;
      from = eol + 1;
    }
    this.add(chunk.length - from);
  }

  private add(bytes: number): void {
    this.length += bytes;
    if (this.length > MAX_TEE_LINE)
      throw new OneroofError(
        'integrity',
        `${this.path}:${this.line}: a line longer than ${MAX_TEE_LINE} bytes: not psql's output`,
        { hint: 'a log made with psql … | tee holds lines of rows and messages, not megabytes' },
      );
  }
}

/** Positional reads of a file; close() when done. */
export class FileBytes implements ByteSource {
  readonly size: number;
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openLog(path);
    this.size = fstatSync(this.fd).size;
  }

  read(buffer: Buffer, length: number, position: number): number {
    return readSync(this.fd, buffer, 0, length, position);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A file's bytes in chunks of up to `size`, in order (the .log of a hand-made run). */
export function* readChunks(path: string, size = 1 << 20): Generator<Buffer> {
  const fd = openLog(path);
  try {
    const buffer = Buffer.allocUnsafe(size);
    for (;;) {
      const got = readSync(fd, buffer, 0, size, null);
      if (got === 0) return;
      yield buffer.subarray(0, got);
    }
  } finally {
    closeSync(fd);
  }
}
