/**
 * The one way oneroof reads a file it was given (inventory, identity files, known_hosts,
 * ssh_config, packet files, a replayed log): it must be a regular file — a FIFO, a device such
 * as /dev/zero, a directory or a socket is refused at once — and, for the files read whole, at
 * most a size that fits its kind. The file is opened first (non-blocking, so a FIFO cannot hang
 * the open) and checked with fstat on that same descriptor, so what is checked is what is read;
 * a symlink is followed and its target must pass the same checks. `/dev/null`, named as such,
 * reads as an empty file (OpenSSH's way of saying "none"). Reading stops one byte past
 * the cap, so a file that grows while it is read is refused too, never read without end.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { OneroofError, type ErrorKind } from './errors.js';

export interface FileKind {
  /** What the file is, for the message: "inventory file", "identity file". */
  what: string;
  /** The largest file of this kind read whole (bytes); undefined: streamed, no size cap. */
  maxBytes?: number;
  /** The error kind of a refusal (exit 2 by default). */
  kind?: ErrorKind;
  /** A symlink at the path itself is refused, not followed (a file oneroof writes beside it). */
  noFollow?: boolean;
}

/** Non-blocking: opening a FIFO for reading would otherwise wait for a writer. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

const MiB = 1024 * 1024;
export const INVENTORY_FILE: FileKind = { what: 'inventory file', maxBytes: MiB };
export const IDENTITY_FILE: FileKind = { what: 'identity file', maxBytes: 64 * 1024 };
export const KNOWN_HOSTS_FILE: FileKind = { what: 'known_hosts file', maxBytes: 16 * MiB };
export const SSH_CONFIG_FILE: FileKind = { what: 'ssh_config file', maxBytes: MiB };
export const PACKET_FILE: FileKind = { what: 'packet file', maxBytes: 16 * MiB };
export const MANIFEST_FILE_KIND: FileKind = { what: 'manifest', maxBytes: MiB };
/** A packet's packet.yml (src/contract/load.ts): a page or two of YAML. */
export const DESCRIPTOR_FILE_KIND: FileKind = {
  what: 'packet descriptor',
  maxBytes: 256 * 1024,
  kind: 'config',
};
export const RUN_LOG_FILE: FileKind = { what: 'run log' };

function describeType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A socket cannot be opened at all (ENXIO), a symlink under noFollow gives ELOOP: refused as
 * what they are; other errors as they are.
 */
function unopenable(path: string, kind: FileKind, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' && kind.noFollow) return refuse(path, kind, 'a symlink');
  if (code !== 'ENXIO') return error;
  let got = 'a socket or a device with nothing behind it';
  try {
    got = describeType(statSync(path));
  } catch {
    // keep the generic wording
  }
  return refuse(path, kind, got);
}

function expected(kind: FileKind): string {
  return kind.maxBytes === undefined
    ? 'a regular file'
    : `a regular file of at most ${kind.maxBytes} bytes`;
}

function refuse(path: string, kind: FileKind, got: string, tooBig = false): OneroofError {
  return new OneroofError(kind.kind ?? 'usage', `${path}: expected ${expected(kind)}, got ${got}`, {
    hint: tooBig
      ? `a ${kind.what} is at most ${kind.maxBytes} bytes: this is not one`
      : `name the ${kind.what} itself: a regular file, not a pipe, device or directory`,
  });
}

/**
 * Opens `path` for reading and checks it (regular, within the cap). Errors of the open itself
 * (ENOENT, EACCES, …) are thrown as they are, for the caller to word; a refusal is a
 * OneroofError naming the file. The caller closes the descriptor.
 */
export function openChecked(path: string, kind: FileKind): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw unopenable(path, kind, error);
  }
  try {
    const stats = fstatSync(fd);
    check(path, kind, stats);
    return { fd, size: stats.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function check(path: string, kind: FileKind, stats: Stats): void {
  // `/dev/null` is OpenSSH's idiom for "no such file" (UserKnownHostsFile /dev/null, -F
  // /dev/null): read as empty. Every other device is refused.
  if (path === '/dev/null' && stats.isCharacterDevice()) return;
  if (!stats.isFile()) throw refuse(path, kind, describeType(stats));
  if (kind.maxBytes !== undefined && stats.size > kind.maxBytes)
    throw refuse(path, kind, `${stats.size} bytes`, true);
}

/**
 * The whole of a checked file; refused if it holds more than its kind's cap when read. Read
 * synchronously: a regular file (the only kind read) never blocks on its reads, and a packet
 * is two dozen small files, each of which would otherwise cost five trips through libuv's
 * thread pool with the process idle between them (about 70 ms of an apply's start).
 */
function readChecked(path: string, kind: FileKind): Buffer {
  const flags = OPEN_FLAGS | (kind.noFollow ? constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    throw unopenable(path, kind, error);
  }
  try {
    const stats = fstatSync(fd);
    check(path, kind, stats);
    const cap = kind.maxBytes ?? stats.size;
    // One buffer of the size fstat gave, plus the byte that shows the end (or a growth): not a
    // buffer of the cap's size per read, which made reading a packet mostly garbage collection.
    let buffer = Buffer.allocUnsafe(Math.min(cap, stats.size) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        // It grew while read, and is still within the cap: room for more, up to one past it.
        const bigger = Buffer.allocUnsafe(Math.min(cap + 1, Math.max(2 * length, 64 * 1024)));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > cap)
        throw refuse(path, kind, `more than ${cap} bytes (it grew while read)`, true);
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** readChecked, for the callers that await it. */
export function readCheckedAsync(path: string, kind: FileKind): Promise<Buffer> {
  return new Promise((resolve) => resolve(readChecked(path, kind)));
}

/** readCheckedAsync as UTF-8 text. */
export async function readCheckedText(path: string, kind: FileKind): Promise<string> {
  return (await readCheckedAsync(path, kind)).toString('utf8');
}
