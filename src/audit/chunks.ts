/**
 * psql's output as it arrived, for the outputs that show it (--play, --html, --cast): the
 * .log's bytes chunk by chunk, each with its stream and its time when the records say them.
 * A second pass over files that replayLog has already verified; flat memory.
 */
import { StringDecoder } from 'node:string_decoder';
import { FileBytes, readChunks, readLines } from './files.js';
import type { ReplayReport } from './report.js';
import { piecesOf } from '../runlog/compact.js';
import { outputRecordSchema } from '../runlog/output-records.js';

export interface OutputChunk {
  stream: 'stdout' | 'stderr' | 'combined';
  /** Seconds since the log was opened; undefined in a hand-made log. */
  t: number | undefined;
  /** Valid until the next chunk is pulled. */
  bytes: Buffer;
  /** Byte offset in the .log. */
  offset: number;
}

const MAX_PIECE = 1 << 20;

export function* outputChunks(source: ReplayReport['source']): Generator<OutputChunk> {
  if (source.records === null) {
    let offset = 0;
    for (const bytes of readChunks(source.log)) {
      yield { stream: 'combined', t: undefined, bytes, offset };
      offset += bytes.length;
    }
    return;
  }
  const log = new FileBytes(source.log);
  try {
    let buffer = Buffer.allocUnsafe(1 << 16);
    for (const line of readLines(source.records)) {
      // Only output records matter here; the cheap test avoids parsing every event.
      if (!line.terminated || line.bytes.indexOf('"record":"output"') < 0) continue;
      const json = JSON.parse(line.bytes.toString('utf8')) as { record?: unknown; t?: unknown };
      const parsed = outputRecordSchema.safeParse(json);
      if (json.record !== 'output' || !parsed.success) continue;
      let offset = parsed.data.offset;
      const pieces = piecesOf(parsed.data, typeof json.t === 'number' ? json.t : undefined);
      for (const { length, stream, t } of pieces) {
        // A record may index a long chunk: read it in pieces of at most 1 MiB (flat memory).
        for (let done = 0; done < length;) {
          const want = Math.min(length - done, MAX_PIECE);
          if (buffer.length < want) buffer = Buffer.allocUnsafe(want);
          const got = log.read(buffer, want, offset + done);
          if (got === 0) break;
          yield { stream, t, bytes: buffer.subarray(0, got), offset: offset + done };
          done += got;
        }
        offset += length;
      }
    }
  } finally {
    log.close();
  }
}

/** Text per stream, decoded across chunk boundaries (a UTF-8 sequence may be split). */
export class StreamText {
  private readonly decoders = new Map<string, StringDecoder>();

  decode(chunk: OutputChunk): string {
    let decoder = this.decoders.get(chunk.stream);
    if (decoder === undefined) {
      decoder = new StringDecoder('utf8');
      this.decoders.set(chunk.stream, decoder);
    }
    return decoder.write(chunk.bytes);
  }

  end(): string {
    let rest = '';
    for (const decoder of this.decoders.values()) rest += decoder.end();
    return rest;
  }
}
