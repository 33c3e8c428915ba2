/** Docker's attach stream framing, split with backpressure and nothing lost. */
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DockerStreamDemuxer, demuxedText } from '../../src/docker/demux.js';

function frame(kind: number, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function sink(): { stream: PassThrough; bytes: () => Buffer } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, bytes: () => Buffer.concat(chunks) };
}

describe('DockerStreamDemuxer', () => {
  it('splits frames cut at every possible byte boundary', async () => {
    const wire = Buffer.concat([
      frame(1, 'out1'),
      frame(2, 'err1'),
      frame(1, Buffer.from([0, 1, 2, 255])),
      frame(2, ''),
      frame(1, 'out2'),
    ]);
    for (let cut = 1; cut < wire.length; cut++) {
      const out = sink();
      const err = sink();
      await pipeline(
        Readable.from([wire.subarray(0, cut), wire.subarray(cut)]),
        new DockerStreamDemuxer(out.stream, err.stream),
      );
      expect(out.bytes()).toEqual(
        Buffer.concat([Buffer.from('out1'), Buffer.from([0, 1, 2, 255]), Buffer.from('out2')]),
      );
      expect(err.bytes().toString()).toBe('err1');
    }
  });

  it('waits for a slow reader (backpressure) instead of buffering', async () => {
    const wire = frame(1, Buffer.alloc(1024 * 1024, 7));
    let maxBuffered = 0;
    let written = 0;
    const slow: Writable = new Writable({
      highWaterMark: 1024,
      write: (chunk: Buffer, _e, cb) => {
        maxBuffered = Math.max(maxBuffered, slow.writableLength);
        written += chunk.length;
        setTimeout(cb, 1);
      },
    });
    const chunks = [];
    for (let i = 0; i < wire.length; i += 16 * 1024) chunks.push(wire.subarray(i, i + 16 * 1024));
    await pipeline(Readable.from(chunks), new DockerStreamDemuxer(slow, sink().stream));
    expect(written).toBe(1024 * 1024);
    expect(maxBuffered).toBeLessThanOrEqual(16 * 1024);
  });

  it('fails on a truncated frame or an unknown stream type', async () => {
    const out = sink();
    const err = sink();
    await expect(
      pipeline(
        Readable.from([frame(1, 'abcdef').subarray(0, 10)]),
        new DockerStreamDemuxer(out.stream, err.stream),
      ),
    ).rejects.toThrow(/inside a frame/);
    await expect(
      pipeline(Readable.from([frame(7, 'x')]), new DockerStreamDemuxer(out.stream, err.stream)),
    ).rejects.toThrow(/unknown stream type 7/);
  });
});

describe('demuxedText (a container log buffer)', () => {
  it('interleaves stdout and stderr in the order the frames came', async () => {
    const logs = Buffer.concat([frame(1, 'one\n'), frame(2, 'two\n'), frame(1, 'three\n')]);
    expect(await demuxedText(logs)).toBe('one\ntwo\nthree\n');
  });

  it('keeps what arrived of a last frame cut short', async () => {
    const whole = frame(2, 'FATAL: gone\n');
    const logs = Buffer.concat([frame(1, 'ready\n'), whole.subarray(0, whole.length - 3)]);
    expect(await demuxedText(logs)).toBe('ready\nFATAL: go');
  });
});
