/**
 * Format 3's compact spellings of two record fields, written here and read back by the records'
 * schemas (./records.ts) into the shapes the rest of oneroof uses:
 *   - a stream record's `files`: {"<path>": "<sha256>", …} (in order) for [{path, sha256}, …];
 *   - an output record's `map`: [line, runs, markers, statements] for each excerpt object
 *     (src/packet/source-map.ts, MapExcerpt).
 */
import type { MapExcerpt } from '../packet/source-map-parts.js';

export type ExcerptTuple = [
  number,
  NonNullable<MapExcerpt['runs']>,
  NonNullable<MapExcerpt['markers']>,
  NonNullable<MapExcerpt['statements']>,
];

function filesObject(files: readonly { path: string; sha256: string }[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f.path, f.sha256]));
}

export function filesList(files: Record<string, string>): { path: string; sha256: string }[] {
  return Object.entries(files).map(([path, sha256]) => ({ path, sha256 }));
}

export function excerptTuple(e: MapExcerpt): ExcerptTuple {
  return [e.line, e.runs ?? [], e.markers ?? [], e.statements ?? []];
}

export function excerptObject([line, runs, markers, statements]: ExcerptTuple): MapExcerpt {
  return {
    line,
    ...(runs.length === 0 ? {} : { runs }),
    ...(markers.length === 0 ? {} : { markers }),
    ...(statements.length === 0 ? {} : { statements }),
  };
}

/** A stream record's `files` list as format 3 writes it (unchanged when a path repeats). */
export function compactFiles(fields: object): { files?: Record<string, string> } {
  const files = (fields as { files?: unknown }).files;
  if (!Array.isArray(files)) return {};
  const list = files as { path: string; sha256: string }[];
  // A path twice (never in a bundle) keeps the list: an object would lose one.
  if (new Set(list.map((f) => f.path)).size !== list.length) return {};
  return { files: filesObject(list) };
}

/** An output record's piece: [length, `o` stdout or `e` stderr, t (/4: absent when unchanged)]. */
export type OutputPiece = [number, 'o' | 'e'] | [number, 'o' | 'e', number];

/** A piece's stream as written (`o`, `e`) and as read. */
export function streamCode(stream: 'stdout' | 'stderr'): 'o' | 'e' {
  return stream === 'stdout' ? 'o' : 'e';
}
export function streamOfCode(code: 'o' | 'e'): 'stdout' | 'stderr' {
  return code === 'o' ? 'stdout' : 'stderr';
}

/**
 * An output record's pieces (one, its own, when it lists none): stream, length, time (a piece
 * without one has the time of the piece before it; the first, the record's `t`: /4).
 */
export function piecesOf(
  record: { stream: 'stdout' | 'stderr'; length: number; pieces?: OutputPiece[] },
  t: number | undefined,
): { stream: 'stdout' | 'stderr'; length: number; t: number | undefined }[] {
  if (record.pieces === undefined) return [{ stream: record.stream, length: record.length, t }];
  let before = t;
  return record.pieces.map(([length, stream, at]) => {
    before = at ?? before;
    return { stream: streamOfCode(stream), length, t: before };
  });
}
