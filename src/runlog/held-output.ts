/**
 * The output record the writer (./writer.ts) holds while chunks keep coming (format 4): one
 * record for a contiguous range of the .log — one digest, one chain link — cut into pieces
 * where the stream changes or an event was parsed (each piece keeps when its first chunk
 * arrived), with the source map's excerpts for the lines psql reported in it.
 */
import { createHash, type Hash } from 'node:crypto';
import { mergeByLine } from '../packet/map-excerpts.js';
import type { MapExcerpt } from '../packet/source-map-parts.js';
import type { RecordFields } from './records.js';
import { excerptTuple, streamCode, type OutputPiece } from './compact.js';

/** A held output record is written once it covers this many bytes. */
export const MAX_HELD = 1 << 20;

interface Piece {
  stream: 'stdout' | 'stderr';
  length: number;
  t: number;
}

export interface HeldOutput {
  step: string | undefined;
  offset: number;
  length: number;
  hash: Hash;
  pieces: Piece[];
  map: MapExcerpt[];
  /** The last chunk carried an event: the next one starts a piece (its own time). */
  cut: boolean;
}

export function heldOutput(step: string | undefined, offset: number): HeldOutput {
  return { step, offset, length: 0, hash: createHash('sha256'), pieces: [], map: [], cut: false };
}

/** Adds a chunk's length to the held record: to its last piece, or as a new one. */
export function holdChunk(
  held: HeldOutput,
  stream: 'stdout' | 'stderr',
  chunk: Buffer,
  now: () => number,
): void {
  const last = held.pieces[held.pieces.length - 1];
  if (last === undefined || last.stream !== stream || held.cut)
    held.pieces.push({ stream, length: chunk.length, t: now() });
  else last.length += chunk.length;
  held.cut = false;
  held.hash.update(chunk);
  held.length += chunk.length;
}

/** The record's `t`: when its first piece's first chunk arrived. */
export function heldT(held: HeldOutput): number {
  return held.pieces[0]!.t;
}

/** The fields of the output record for what was held. */
export function outputFields(held: HeldOutput): RecordFields<'output'> {
  return {
    offset: held.offset,
    length: held.length,
    sha256: held.hash.digest('hex'),
    // The main step's is the default (src/audit/reparse.ts).
    ...(held.step === undefined || held.step === 'main' ? {} : { step: held.step }),
    // One run of chunks: its stream; more: the pieces, which name their streams (/4).
    ...(held.pieces.length < 2
      ? { stream: held.pieces[0]!.stream }
      : { pieces: piecesField(held.pieces) }),
    ...(held.map.length === 0 ? {} : { map: mergeByLine(held.map).map(excerptTuple) }),
  };
}

/**
 * [length, `o`|`e`, t] per piece; t is left out when it is the one before it (the first
 * piece's is the record's `t`), as six decimals: replay reads it back the same (/4).
 */
function piecesField(pieces: readonly Piece[]): OutputPiece[] {
  let before = pieces[0]!.t.toFixed(6);
  return pieces.map((p) => {
    const s = streamCode(p.stream);
    const t = p.t.toFixed(6);
    const same = t === before;
    before = t;
    return same ? [p.length, s] : [p.length, s, Number(t)];
  });
}

const ERRORS: readonly unknown[] = ['ERROR', 'FATAL', 'PANIC'];

/** A tier's (or rollback's) BEGIN is indexed within this long, unless a record is written sooner. */
export const BEGIN_HOLD_MS = 100;

/**
 * When an event makes the held record be written: `now` for what the run turns on (a tier's or
 * rollback's COMMIT or SKIP, the gate's verdict, an error), so that a runner killed right after
 * showing it leaves it indexed; `soon` for a BEGIN (within BEGIN_HOLD_MS: a short tier then
 * takes one record, not two); else not (a crash leaves those chunks as the unindexed tail).
 */
export function milestone(event: object): 'now' | 'soon' | undefined {
  const { kind, severity, phase } = event as {
    kind?: unknown;
    severity?: unknown;
    phase?: unknown;
  };
  if (kind === 'tier' || kind === 'rollback') return phase === 'BEGIN' ? 'soon' : 'now';
  if (kind === 'verdict' || kind === 'psql-error') return 'now';
  return kind === 'message' && ERRORS.includes(severity) ? 'now' : undefined;
}
