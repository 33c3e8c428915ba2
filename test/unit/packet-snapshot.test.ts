/**
 * A run streams the packet as its manifest check read it (src/packet/snapshot.ts): the check
 * reads and hashes each file once, the bundle is built from those bytes, so a file changed on
 * the disk after the check is not what is streamed. On a copy of the shipped packet.
 */
import { cp, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { checkPacket } from '../../src/engine/packet-check.js';
import { bundlePacket } from '../../src/packet/bundle.js';
import { tempDir } from '../helpers/tmp.js';

async function packetCopy(): Promise<string> {
  const root = join(await tempDir('oneroof-snapshot-'), 'sql');
  await cp(join(PACKAGE_ROOT, 'sql'), root, { recursive: true });
  return root;
}

describe('the packet read once', () => {
  it('the bundle of a checked packet is the bundle of the disk, byte for byte', async () => {
    const root = await packetCopy();
    const { reader } = await checkPacket(root);
    const fromCheck = await bundlePacket({ root, entry: 'prod/99_run_all.sql', reader });
    const fromDisk = await bundlePacket({ root, entry: 'prod/99_run_all.sql' });
    expect(fromCheck.bytes.equals(fromDisk.bytes)).toBe(true);
    expect(fromCheck.files).toEqual(fromDisk.files);
    expect(fromCheck.files.length).toBeGreaterThan(5);
  });

  it('hostile packet-swap: a file changed after the check is streamed as it was checked', async () => {
    const root = await packetCopy();
    const { reader } = await checkPacket(root);
    const tier = join(root, 'prod', '20_responsibility_axis.sql');
    const checked = await readFile(tier);
    await writeFile(tier, 'DROP SCHEMA public CASCADE;\n');
    const bundle = await bundlePacket({ root, entry: 'prod/99_run_all.sql', reader });
    expect(bundle.text).not.toContain('DROP SCHEMA public CASCADE');
    // Its lines as checked (an include line is expanded in place, so not those).
    for (const line of checked
      .toString('utf8')
      .split('\n')
      .filter((l) => !l.startsWith('\\')))
      expect(bundle.text).toContain(line);
    // The file is in the stream: bundled from the disk, the swapped text would be.
    expect((await bundlePacket({ root, entry: 'prod/99_run_all.sql' })).text).toContain(
      'DROP SCHEMA public CASCADE',
    );
    // The disk as it is now would not pass the check at all.
    await expect(checkPacket(root)).rejects.toThrow(/mismatch\s+prod\/20_responsibility_axis\.sql/);
  });
});
