/**
 * `--metrics FILE`: node_exporter's textfile-collector convention — the text is written to a
 * temporary name in FILE's own directory (not `*.prom`, so the collector never reads half a
 * file), fsynced, renamed over FILE, and the directory fsynced: a scrape sees the old file
 * or the new one, never a torn one.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OneroofError } from '../../errors.js';
import { quoteInput } from '../../safe-text.js';
import { exposition } from './exposition.js';
import { families, type MeteredRun } from './families.js';
import { previousSuccesses } from './previous.js';

/**
 * Checked before anything runs (a usage error writes no file): the name ends in `.prom` (the
 * collector reads nothing else) and its directory exists; FILE itself, if there, is a file.
 */
export function metricsPath(file: string, cwd: string): string {
  const path = resolve(cwd, file);
  const refuse = (why: string, hint: string) =>
    new OneroofError('usage', `--metrics ${quoteInput(file)}: ${why}; nothing was run`, { hint });
  if (!basename(path).endsWith('.prom') || basename(path) === '.prom')
    throw refuse(
      'expected a file name ending in .prom',
      "node_exporter's textfile collector reads only *.prom",
    );
  let dir;
  try {
    dir = statSync(dirname(path));
  } catch {
    throw refuse(
      `no directory ${dirname(path)}`,
      'name a file in the textfile collector directory',
    );
  }
  if (!dir.isDirectory())
    throw refuse(`${dirname(path)} is not a directory`, 'name a file in a directory');
  try {
    if (!lstatSync(path).isFile())
      throw refuse('it exists and is not a regular file', 'name a file');
  } catch (error) {
    if (error instanceof OneroofError) throw error;
  }
  return path;
}

/** Writes the file for these runs; the previous file's last-success times carry over. */
export async function writeMetrics(
  path: string,
  runs: readonly MeteredRun[],
  waitSeconds: number,
  now: Date,
): Promise<{ warning?: string }> {
  const { successes, warning } = await previousSuccesses(path);
  const text = exposition(
    families({ runs, now: Math.floor(now.getTime() / 1000), waitSeconds, previous: successes }),
  );
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new OneroofError(
      'runtime',
      `metrics not written: ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  }
  syncDir(dirname(path));
  return warning === undefined ? {} : { warning };
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the rename is done; a directory that cannot be fsynced (some filesystems) loses nothing now
  }
}
