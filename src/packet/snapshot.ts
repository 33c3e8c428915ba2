/**
 * The packet as the manifest check read it: each file's bytes, kept from the read that hashed
 * them, and a PacketReader (src/packet/bundle.ts) that hands the bundler exactly those bytes. A
 * run reads and hashes its packet once, and what it streams is what was checked: a file changed
 * on disk after the check cannot slip into the stream. A path the check did not read (none, in
 * a packet that passed it: every file under the root is in the manifest) is read from the disk,
 * as without a snapshot. Symlinks are still resolved on the disk (the bundler's escape checks).
 */
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { fsPacketReader, type PacketReader } from './bundle.js';

export async function snapshotReader(
  root: string,
  files: ReadonlyMap<string, Buffer>,
): Promise<PacketReader> {
  // Keyed by the real path: the bundler asks for a file by its path with symlinks resolved.
  const realRoot = await realpath(root);
  const byReal = new Map([...files].map(([path, bytes]) => [join(realRoot, path), bytes]));
  return {
    readFile: (p) => byReal.get(p) ?? fsPacketReader.readFile(p),
    realpath: (p) => fsPacketReader.realpath(p),
  };
}
