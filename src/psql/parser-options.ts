/** What the psql output parser (./parse.ts) is given, and what it offers. */
import type { SourceLookup } from '../packet/source-map.js';
import type { PsqlEvent, PsqlStream } from './events.js';
import type { MarkerClaims } from './markers.js';

export interface PsqlParserOptions {
  /** Maps psql's input lines (of `input`) back to packet files and lines. */
  map?: SourceLookup;
  /** The psql input name the map describes: `<stdin>` (psql -f -), or the staged file's path. */
  input?: string;
  /** Which packet files own which claims (PREFLIGHT, GO, VERIFY PASS); unknown: any file. */
  claims?: MarkerClaims;
  /**
   * Replay's fast path: stdout (or combined) lines that can only be query output — no message
   * open, and a first byte that starts no tag, marker, sentinel, severity, `psql:` or
   * continuation (not A–Z, `p` or TAB) — are counted here, not decoded into output events.
   */
  onOutputLines?: (count: number) => void;
}

/** A line starting with this byte may be more than query output (see onOutputLines). */
export function mayMean(first: number): boolean {
  return (first >= 0x41 && first <= 0x5a) || first === 0x70 || first === 0x09;
}

export interface PsqlParser {
  /**
   * `combined` is for a log where both streams were merged (`psql … 2>&1 | tee log`): each line
   * is attributed by its shape (see combinedLine).
   */
  push(stream: PsqlStream | 'combined', chunk: Buffer | string): PsqlEvent[];
  /** The streams ended: flushes partial last lines and the open message. */
  end(): PsqlEvent[];
}
