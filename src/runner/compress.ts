/**
 * A large stream travels gzip-compressed: every byte on the wire costs ssh's encryption on both
 * ends and the copies of sshd and docker exec, and staging (src/remote/stage.ts) runs psql only
 * once the whole stream has arrived, so the transfer is time psql cannot overlap. The far side
 * decodes as the bytes arrive and checks the length and sha256 of the decoded bytes, the very
 * bytes psql reads (and the ones the run log's `stream` record names).
 *
 * Compression pays only on bytes that compress well: deflate's search costs about as much CPU
 * per byte as the bytes it saves cost ssh, sshd and docker exec (measured with the stream
 * bench: rows of hex digits, which come out at about 55 %, ran slower compressed than as they
 * are). So after each SAMPLE bytes of input, a stream that came out to more than WORTH of its
 * size goes on stored (level 0, no search: about a copy); one that compresses again goes back
 * to level 1.
 */
import { constants, createGzip, type Gzip, type ZlibParams } from 'node:zlib';
import { Readable } from 'node:stream';
import type { StagedEncoding } from '../remote/stage.js';

/** Streams shorter than this travel as they are (the packet, plans, probes: a few KiB). */
const COMPRESS_FROM = 1 << 20;
const SAMPLE = 4 << 20;
/** Compressed output above this share of the input is not worth the search (see above). */
const WORTH = 0.3;

/** How a stream of `length` bytes travels. */
export function encodingFor(length: number): StagedEncoding {
  return length >= COMPRESS_FROM ? 'gzip' : 'identity';
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

/** `source` gzip-compressed, level 1 or stored as it turns out to compress (see the header). */
function gzipStream(source: Readable): Readable {
  // Node's gzip streams have params() (as deflate's do); its types give it to Deflate only.
  const gzip = createGzip({ level: 1, chunkSize: 64 * 1024 }) as Gzip & ZlibParams;
  let out = 0;
  void (async () => {
    let level = 1;
    let read = 0;
    let sampledIn = 0;
    let sampledOut = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (!gzip.write(chunk)) await drainOrClose(gzip);
        if (gzip.destroyed) return;
        if (read - sampledIn < SAMPLE) continue;
        const next = out - sampledOut > (read - sampledIn) * WORTH ? 0 : 1;
        sampledIn = read;
        sampledOut = out;
        if (next === level) continue;
        level = next;
        await new Promise<void>((resolve) =>
          gzip.params(level, constants.Z_DEFAULT_STRATEGY, resolve),
        );
      }
      gzip.end();
    } catch (error) {
      gzip.destroy(error as Error);
    }
  })();
  // Counted as it is read (a 'data' listener would start the flow before the reader is there).
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of gzip as AsyncIterable<Buffer>) {
      out += chunk.length;
      yield chunk;
    }
  }
  return Readable.from(counted(), { objectMode: false });
}

/** Resolves on 'drain', or once the stream is gone (its reader left: nothing more is wanted). */
function drainOrClose(stream: Gzip): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done);
      resolve();
    };
    stream.on('drain', done).on('close', done);
  });
}
