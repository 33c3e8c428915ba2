/**
 * A large stream travels gzip-compressed when it compresses well: every byte on the wire costs
 * ssh's encryption on both ends and the copies of sshd and docker exec, and staging
 * (src/remote/stage.ts) runs psql only once the whole stream has arrived, so the transfer is
 * time psql cannot overlap. The far side decodes as the bytes arrive and checks the length and
 * sha256 of the decoded bytes, the very bytes psql reads (and the ones the run log's `stream`
 * record names).
 *
 * Compression pays only on bytes that compress well: deflate's search costs about as much CPU
 * per byte as the bytes it saves cost ssh, sshd and docker exec (the stream bench: rows of hex
 * digits, which come out at about 55 %, ran slower compressed than as they are). So the stream
 * is compressed only when a sample of its first MiB comes out below WORTH of its size.
 */
import { createGzip, deflateRawSync } from 'node:zlib';
import { Readable } from 'node:stream';
import type { StagedEncoding } from '../remote/stage.js';

/** Streams shorter than this travel as they are (the packet, plans, probes: a few KiB). */
const COMPRESS_FROM = 1 << 20;
/** How much of the stream's start is tried. */
export const SAMPLE_BYTES = 1 << 20;
/** Compressed output above this share of the input is not worth the search (see above). */
const WORTH = 0.3;

/** How a stream of `length` bytes travels, judged on a sample of its start. */
export function encodingFor(length: number, sample: Buffer): StagedEncoding {
  if (length < COMPRESS_FROM || sample.length === 0) return 'identity';
  const tried = sample.subarray(0, SAMPLE_BYTES);
  return deflateRawSync(tried, { level: 1 }).length < tried.length * WORTH ? 'gzip' : 'identity';
}

/** The bytes to send for a prepared stream: as they are, or compressed as its encoding says. */
export function onTheWire(prepared: {
  bytes: Buffer | (() => Readable);
  encoding: StagedEncoding;
}): Buffer | Readable {
  const { bytes } = prepared;
  if (prepared.encoding === 'identity') return typeof bytes === 'function' ? bytes() : bytes;
  return gzipStream(typeof bytes === 'function' ? bytes() : Readable.from([bytes]));
}

/** `source` gzip-compressed (level 1); a reader that leaves early ends the reading of it. */
function gzipStream(source: Readable): Readable {
  const gzip = createGzip({ level: 1, chunkSize: 64 * 1024 });
  void (async () => {
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (!gzip.write(chunk)) await drainOrClose(gzip);
        if (gzip.destroyed) return;
      }
      gzip.end();
    } catch (error) {
      gzip.destroy(error as Error);
    }
  })();
  return gzip;
}

/** Resolves on 'drain', or once the stream is gone (its reader left: nothing more is wanted). */
function drainOrClose(stream: Readable & NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done);
      resolve();
    };
    stream.on('drain', done).on('close', done);
  });
}
