/**
 * A large stream on the wire (src/runner/compress.ts): gzip that decodes to exactly the bytes
 * given, whatever mix of compressible and incompressible runs they hold (the level switches
 * between them), and a reader that leaves early ends the reading of the source.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodingFor, onTheWire } from '../../src/runner/compress.js';

/** Deterministic bytes that do not compress: sha256 in counter mode. */
function noise(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i * 32 < length; i++)
    createHash('sha256')
      .update(`${seed}:${i}`)
      .digest()
      .copy(out, i * 32);
  return out;
}

function chunksOf(bytes: Buffer, size = 64 * 1024): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

async function readAll(stream: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(stream)) return stream;
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('the stream on the wire', () => {
  it('travels as it is when small (a packet, a plan), gzip when large (a data file)', () => {
    expect(encodingFor(64 * 1024)).toBe('identity');
    expect(encodingFor(64 << 20)).toBe('gzip');
  });

  it('sends small streams byte for byte', async () => {
    const bytes = Buffer.from('SELECT 1;\n');
    expect(await readAll(onTheWire({ bytes, encoding: 'identity' }))).toEqual(bytes);
  });

  it.each([
    ['rows, then noise, then rows again', ['rows', 'noise', 'rows']],
    ['noise, then rows', ['noise', 'rows']],
  ])('decodes to exactly the bytes given: %s', async (_name, runs) => {
    const row = Buffer.from('42\tfin_invoice_entries_42\t' + 'x'.repeat(990) + '\n');
    const parts = runs.map((run, i) =>
      run === 'rows' ? Buffer.concat(Array(9 * 1024).fill(row)) : noise(9 << 20, String(i)),
    );
    const bytes = Buffer.concat(parts);
    const wire = await readAll(
      onTheWire({ bytes: () => Readable.from(chunksOf(bytes)), encoding: 'gzip' }),
    );
    expect(gunzipSync(wire).equals(bytes)).toBe(true);
    // The noise went stored (a copy), the rows compressed: the wire is about the noise's size.
    const noiseBytes = parts.filter((_, i) => runs[i] === 'noise').length * (9 << 20);
    expect(wire.length).toBeLessThan(noiseBytes * 1.01 + (4 << 20));
  });

  it('a reader that leaves early ends the reading of the source', async () => {
    const source = Readable.from(chunksOf(noise(8 << 20, 'early')));
    const wire = onTheWire({ bytes: () => source, encoding: 'gzip' }) as Readable;
    for await (const _chunk of wire as AsyncIterable<Buffer>) break;
    // (Destroyed as a for-await left early destroys a stream: with an AbortError, which is expected.)
    if (!source.destroyed) await new Promise((resolve) => source.once('close', resolve));
    expect(source.destroyed).toBe(true);
  });
});
