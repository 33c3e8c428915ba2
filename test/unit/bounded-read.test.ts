/**
 * readCheckedAsync (src/bounded-file.ts) reads a file into one buffer of the size fstat gave, and
 * grows it when the file turns out longer, up to one byte past its kind's cap. A /proc file is a
 * regular file whose fstat size is 0 whatever it holds: the growth path, deterministically.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  IDENTITY_FILE,
  PACKET_FILE,
  RUN_LOG_FILE,
  readCheckedAsync,
} from '../../src/bounded-file.js';
import { tempDir } from '../helpers/tmp.js';

describe('reading a checked file whole', () => {
  it.each([0, 1, 4095, 4096, 70_000, 1_500_000])('a file of %i bytes reads as it is', async (n) => {
    const file = join(await tempDir('oneroof-bounded-read-'), 'f');
    const bytes = Buffer.alloc(n, 'ab\n');
    writeFileSync(file, bytes);
    expect((await readCheckedAsync(file, PACKET_FILE)).equals(bytes)).toBe(true);
  });

  it('a file longer than fstat said (a /proc file, size 0) is read whole within the cap', async () => {
    const read = await readCheckedAsync('/proc/self/cmdline', IDENTITY_FILE);
    expect(read.length).toBeGreaterThan(0);
    expect(read.equals(readFileSync('/proc/self/cmdline'))).toBe(true);
  });

  it('hostile input-bounds: a file that grows past what fstat said, with no cap, is refused', async () => {
    await expect(readCheckedAsync('/proc/self/cmdline', RUN_LOG_FILE)).rejects.toThrow(
      /more than 0 bytes \(it grew while read\)/,
    );
  });
});
