/**
 * A large stream on the wire (src/runner/compress.ts): gzip that decodes to exactly the bytes
 * given, whatever mix of compressible and incompressible runs they hold, only for streams whose
 * start compresses well, and a reader that leaves early ends the reading of the source.
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
  const row = Buffer.from('42\tfin_invoice_entries_42\t' + 'x'.repeat(990) + '\n');
  const rows = (n: number) => Buffer.concat(Array<Buffer>(n).fill(row));

  it('travels as it is when small (a packet, a plan) or when its start does not compress well', () => {
    expect(encodingFor(64 * 1024, rows(64))).toBe('identity');
    expect(encodingFor(64 << 20, rows(1024))).toBe('gzip');
    // Hex digits come out at about 55 %: not worth deflate's search (see compress.ts).
    const hex = Buffer.from(noise(1 << 19, 'hex').toString('hex'));
    expect(encodingFor(64 << 20, hex)).toBe('identity');
    expect(encodingFor(64 << 20, Buffer.alloc(0))).toBe('identity');
  });

  it('sends small streams byte for byte', async () => {
    const bytes = Buffer.from('SELECT 1;\n');
    expect(await readAll(onTheWire({ bytes, encoding: 'identity' }))).toEqual(bytes);
  });

  it('decodes to exactly the bytes given, compressible or not', async () => {
    const bytes = Buffer.concat([rows(4096), noise(3 << 20, 'mix'), rows(2048)]);
    const wire = await readAll(
      onTheWire({ bytes: () => Readable.from(chunksOf(bytes)), encoding: 'gzip' }),
    );
    expect(gunzipSync(wire).equals(bytes)).toBe(true);
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
