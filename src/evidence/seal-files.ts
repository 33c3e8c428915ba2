/**
 * The files of an evidence set as they are on disk: every entry under the set's folder (lstat,
 * never following a symlink), and the sha256 of a file read through a descriptor opened with
 * O_NOFOLLOW and checked to be a regular file. Shared by sealing and verifying, so both see the
 * same set.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OneroofError } from '../errors.js';

/** Bounds of a walk: an evidence set is a dozen documents and a few logs. */
const MAX_ENTRIES = 20_000;
const MAX_DEPTH = 16;

export interface SetEntry {
  /** Relative to the set, `/`-separated. */
  path: string;
  /** file: a regular file; dir is recursed; anything else is named as what it is. */
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** For a symlink: where it points; for other: what it is. */
  detail?: string;
}

/** Every entry under `root` (directories included), sorted by path. */
export async function walkSet(root: string): Promise<SetEntry[]> {
  const entries: SetEntry[] = [];
  const visit = async (relative: string, depth: number): Promise<void> => {
    const names = (
      await readdir(relative === '' ? root : join(root, relative)).catch(unreadable(root, relative))
    ).sort();
    for (const name of names) {
      const path = relative === '' ? name : `${relative}/${name}`;
      if (entries.length >= MAX_ENTRIES)
        throw new OneroofError(
          'integrity',
          `${root}: more than ${MAX_ENTRIES} entries: not an evidence set`,
        );
      const info = await lstat(join(root, path)).catch(unreadable(root, path));
      if (info.isSymbolicLink())
        entries.push({ path, type: 'symlink', detail: await readlink(join(root, path)) });
      else if (info.isFile()) entries.push({ path, type: 'file' });
      else if (info.isDirectory()) {
        entries.push({ path, type: 'dir' });
        if (depth >= MAX_DEPTH)
          throw new OneroofError(
            'integrity',
            `${root}: ${path} is nested more than ${MAX_DEPTH} folders deep: not an evidence set`,
          );
        await visit(path, depth + 1);
      } else entries.push({ path, type: 'other', detail: kindOf(info) });
    }
  };
  await visit('', 0);
  return entries;
}

/** A folder or entry that vanished or cannot be read while the set is walked: named, not a crash. */
function unreadable(root: string, path: string): (error: NodeJS.ErrnoException) => never {
  return (error) => {
    const what = path === '' ? root : `${root}: ${path}`;
    if (error.code === 'ENOENT')
      throw new OneroofError(
        'integrity',
        `${what} vanished while the set was read: something is changing the folder`,
        { cause: error },
      );
    throw new OneroofError('runtime', `${what}: cannot be read (${error.code ?? error.message})`, {
      cause: error,
    });
  };
}

function kindOf(info: { isFIFO(): boolean; isSocket(): boolean }): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return 'a device';
}

/** The folders on the way to each of `paths` ("a/b/c.md": "a", "a/b"). */
export function foldersOf(paths: Iterable<string>): Set<string> {
  const folders = new Set<string>();
  for (const path of paths) {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  }
  return folders;
}

export interface Digest {
  sha256: string;
  size: number;
}

/**
 * The sha256 and size of `root/path`, streamed: the last component is never followed (a
 * symlink is ELOOP), the descriptor must be a regular file (a FIFO does not block the open).
 * Throws the open's own error (ENOENT…) or a refusal naming what the path is.
 */
export async function digestFile(root: string, path: string): Promise<Digest> {
  const handle = await open(
    join(root, path),
    constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
  );
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error('not a regular file');
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}

/** Why a file could not be digested, for a message: "missing", "a symlink", "EACCES". */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'missing';
  if (code === 'ELOOP') return 'a symlink (not followed)';
  if (code === 'ENOTDIR') return 'missing (a folder on its path is a file)';
  if (code !== undefined) return `cannot be read (${code})`;
  return (error as Error).message;
}
