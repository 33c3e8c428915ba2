/**
 * An in-memory packet for the bundler's tests: paths relative to MEMORY_ROOT; symlinks map a
 * path to its target. A path that is not there is ENOENT, as on disk.
 */
import path from 'node:path';
import type { PacketReader } from '../../src/packet/bundle.js';

export const MEMORY_ROOT = '/p/sql';
const ROOT = MEMORY_ROOT;

export function memoryReader(
  files: Record<string, string | Buffer>,
  symlinks: Record<string, string> = {},
): PacketReader {
  const abs = (p: string) => path.resolve(ROOT, p);
  const content = new Map(Object.entries(files).map(([p, c]) => [abs(p), Buffer.from(c)]));
  const links = new Map(Object.entries(symlinks).map(([p, t]) => [abs(p), path.resolve(ROOT, t)]));
  const enoent = (p: string) => Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return {
    readFile(p) {
      const c = content.get(p);
      if (c === undefined) throw enoent(p);
      return c;
    },
    realpath(p) {
      let target = p;
      for (let hops = 0; links.has(target) && hops < 10; hops++) target = links.get(target)!;
      if (target === ROOT || content.has(target)) return target;
      throw enoent(p);
    },
  };
}
