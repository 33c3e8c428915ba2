/**
 * Where a run log goes: the directory made and checked (a real directory only we or root can
 * change, never a followed symlink) and the run's two files created exclusively under a fresh
 * name, so a log is never overwritten; and the error that says the log cannot be written.
 */
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
} from 'node:fs';
import { join } from 'node:path';
import { OneroofError } from '../errors.js';
import { runLogBase, type RunKind } from './log-name.js';

export type { RunKind } from './log-name.js';

export interface RunLogPaths {
  output: string;
  records: string;
}

/** The directory made if needed, and both files created exclusively (never overwrites a log). */
export function openLogFiles(
  dir: string,
  kind: RunKind,
  startedAt: Date,
): { paths: RunLogPaths; outputFd: number; recordsFd: number } {
  refuseUnsafeDir(dir, 'before');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw notWritable(dir, error);
  }
  refuseUnsafeDir(dir, 'after');
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = runLogBase(kind, startedAt, attempt);
    const paths = { output: join(dir, `${base}.log`), records: join(dir, `${base}.jsonl`) };
    let outputFd: number;
    try {
      outputFd = createExclusive(paths.output);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw notWritable(paths.output, error);
    }
    let recordsFd: number;
    try {
      recordsFd = createExclusive(paths.records);
    } catch (error) {
      closeSync(outputFd);
      throw notWritable(paths.records, error);
    }
    return { paths, outputFd, recordsFd };
  }
  throw new OneroofError('runtime', `could not find a free log name in ${dir}`);
}

/** A new file for appending, refused (EEXIST) when the name is taken. */
function createExclusive(path: string): number {
  return openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND,
    0o640,
  );
}

/**
 * The log directory itself must be a real directory that only we (or root) can change: a
 * `logs -> /etc` symlink is refused, naming where it points, rather than followed, and so is a
 * directory that others may write in (they could plant or swap the files of a run) or that
 * another user owns. Symlinks higher up the path are the system's layout and are followed.
 * To log into a symlinked place, name the place itself (--log-dir "$(readlink -f logs)").
 */
export function refuseUnsafeDir(
  dir: string,
  when: 'before' | 'after',
  consequence = 'nothing was run',
): void {
  let stats;
  try {
    stats = lstatSync(dir);
  } catch (error) {
    if (when === 'before' && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw notWritable(dir, error);
  }
  const refuse = (why: string, hint: string) =>
    new OneroofError('config', `log directory ${dir}: ${why}; ${consequence}`, { hint });
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

export function notWritable(path: string, error: unknown): OneroofError {
  const reason = (error as NodeJS.ErrnoException).code ?? String(error);
  return new OneroofError('runtime', `log not writable: ${path} (${reason}); nothing was run`, {
    hint: 'choose another directory with --log-dir or ONEROOF_LOG_DIR',
    cause: error,
  });
}
