/**
 * Integrity of a run log, in one streaming pass: the records' hash chain (verifyChain, here) and
 * the .log's bytes against the digests its output records carry (LogChecker, ./log-check.ts,
 * exported from here too). Both stop at the
 * first problem and say where it is — line, record number, byte range — and what it looks like
 * (altered, deleted, swapped, inserted, appended, truncated). Pure: the lines and the bytes
 * come from the caller (src/audit/files.ts reads them from disk).
 */
import { GENESIS, RUNLOG_FORMATS, chainDigest, splitChained } from '../runlog/chain.js';

const FORMATS: readonly unknown[] = RUNLOG_FORMATS;
const NAMED = RUNLOG_FORMATS.join(' or ');

export interface RawLine {
  /** The line's bytes, without its LF. */
  bytes: Buffer;
  /** 1-based. */
  number: number;
  /** False for a last line without LF (the writer stopped mid-record, or a cut). */
  terminated: boolean;
}

export interface Problem {
  file: 'records' | 'log' | 'signature' | 'anchor';
  line?: number;
  /** The record's `seq` (its number; line = seq + 1 in an intact file). */
  record?: number;
  recordName?: string;
  bytes?: { from: number; to: number };
  reason: string;
}

export interface VerifiedRecord {
  line: number;
  seq: number;
  name: string;
  json: Record<string, unknown>;
}

export interface ChainResult {
  records: number;
  /** Hex digest of the last intact record. */
  head: string;
  /** The line number of the end record, if there is one. */
  endLine?: number;
  /** The last line has no LF: the records stop mid-record (crash or truncation). */
  cutLine?: number;
  problem?: Problem;
}

interface Parsed {
  raw: RawLine;
  split: { body: Buffer; chain: Buffer } | undefined;
  json: Record<string, unknown> | undefined;
  seq: number | undefined;
  name: string | undefined;
}

function parse(raw: RawLine): Parsed {
  const split = splitChained(raw.bytes);
  let json: Record<string, unknown> | undefined;
  if (split) {
    try {
      const value: unknown = JSON.parse(`${split.body.toString('utf8')}}`);
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        json = value as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  const seq = typeof json?.seq === 'number' ? json.seq : undefined;
  const name = typeof json?.record === 'string' ? json.record : undefined;
  return { raw, split, json, seq, name };
}

function links(previous: Buffer | undefined, line: Parsed | undefined): boolean {
  if (previous === undefined || line?.split === undefined) return false;
  return chainDigest(previous, line.split.body).equals(line.split.chain);
}

/**
 * Verifies the chain line by line, yielding each intact record; returns how it ended. Looks
 * one line ahead, to tell an altered line from a deleted, swapped or inserted one.
 */
export function* verifyChain(lines: Iterable<RawLine>): Generator<VerifiedRecord, ChainResult> {
  const iterator = lines[Symbol.iterator]();
  const pull = (): RawLine | undefined => {
    const next = iterator.next();
    return next.done === true ? undefined : next.value;
  };
  let previous = GENESIS;
  let beforePrevious: Buffer | undefined;
  let expected = 0;
  let clock: { ms: number; t: number } | undefined;
  let endLine: number | undefined;
  const result = (extra: Partial<ChainResult> = {}): ChainResult => ({
    records: expected,
    head: previous.toString('hex'),
    ...(endLine === undefined ? {} : { endLine }),
    ...extra,
  });

  let current = pull();
  if (current === undefined)
    return result({ problem: { file: 'records', line: 1, reason: 'the records file is empty' } });
  while (current !== undefined) {
    const lookahead = pull();
    if (!current.terminated) return result({ cutLine: current.number });
    const cur = parse(current);
    const next = lookahead === undefined ? undefined : parse(lookahead);
    const at = { file: 'records' as const, line: current.number };
    if (endLine !== undefined)
      return result({
        problem: {
          ...at,
          ...(cur.seq === undefined ? {} : { record: cur.seq }),
          ...(cur.name === undefined ? {} : { recordName: cur.name }),
          reason: `a record after the end record (line ${endLine}): appended after the run was closed`,
        },
      });
    if (cur.split === undefined) {
      const reason =
        current.number === 1
          ? `not a ${NAMED} records file: the first line has no chain digest`
          : 'no chain digest: the line was altered or inserted';
      return result({ problem: { ...at, record: expected, reason } });
    }
    const digest = chainDigest(previous, cur.split.body);
    if (!digest.equals(cur.split.chain) || cur.seq !== expected || cur.json === undefined)
      return result({
        problem: diagnose(cur, next, { previous, beforePrevious, expected, digest }),
      });
    if (expected === 0 && (cur.name !== 'start' || !FORMATS.includes(cur.json.format)))
      return result({
        problem: {
          ...at,
          record: 0,
          reason: `the first record must be a start record of format ${NAMED}`,
        },
      });
    if (expected === 0) clock = clockOf(cur.json);
    yield {
      line: current.number,
      seq: expected,
      name: cur.name ?? '?',
      json: timed(cur.json, clock),
    };
    beforePrevious = previous;
    previous = cur.split.chain;
    expected++;
    if (cur.name === 'end') endLine = current.number;
    current = lookahead;
  }
  return result();
}

/** The largest time a Date holds (ECMA-262: ±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

/** The start record's wall-clock `time` and monotonic `t`: the clock of the records after it. */
function clockOf(json: Record<string, unknown>): { ms: number; t: number } | undefined {
  const ms = typeof json.time === 'string' ? Date.parse(json.time) : NaN;
  return Number.isFinite(ms) && typeof json.t === 'number' ? { ms, t: json.t } : undefined;
}

/**
 * A record as its readers take it: one without a `time` of its own (/4 writes it on the start
 * and end records only) has the start's plus its `t`, to the millisecond, as /3 wrote it.
 */
function timed(
  json: Record<string, unknown>,
  clock: { ms: number; t: number } | undefined,
): Record<string, unknown> {
  if (json.time !== undefined || clock === undefined || typeof json.t !== 'number') return json;
  const ms = clock.ms + Math.round((json.t - clock.t) * 1000);
  // A hostile `t` (huge, NaN) gives no time rather than an invalid date.
  return Math.abs(ms) <= MAX_DATE_MS ? { ...json, time: new Date(ms).toISOString() } : json;
}

function diagnose(
  cur: Parsed,
  next: Parsed | undefined,
  chain: { previous: Buffer; beforePrevious: Buffer | undefined; expected: number; digest: Buffer },
): Problem {
  const { previous, beforePrevious, expected, digest } = chain;
  const line = cur.raw.number;
  const named = (seq: number, name: string | undefined) =>
    `record #${seq}${name === undefined ? '' : ` (${name})`}`;
  const base = { file: 'records' as const, line };
  // Two neighbours exchanged: this line holds the next record, the next line the expected one.
  if (cur.seq === expected + 1 && next?.seq === expected && links(previous, next))
    return {
      ...base,
      record: expected,
      reason: `lines ${line} and ${line + 1} swapped: ${named(expected + 1, cur.name)} comes before ${named(expected, next.name)}`,
    };
  // The next line links straight to the previous one: this line was never in the chain.
  if (links(previous, next))
    return {
      ...base,
      reason: `inserted: line ${line + 1} links straight to line ${line - 1}, so line ${line} was never part of the chain`,
    };
  // This line links to the one before the previous: the previous line was inserted.
  if (links(beforePrevious, cur))
    return {
      ...base,
      line: line - 1,
      reason: `inserted: line ${line} links straight to line ${line - 2}, so line ${line - 1} was never part of the chain`,
    };
  // The next record confirms this line's stated digest: the contents changed in place.
  if (next !== undefined && next.seq === expected + 1 && links(cur.split?.chain, next))
    return {
      ...base,
      record: expected,
      ...(cur.name === undefined ? {} : { recordName: cur.name }),
      reason: `${named(expected, cur.name)} was altered: its contents no longer match its digest, which the next record confirms`,
    };
  // The contents are what the next record was chained to: only the digest field changed.
  if (next !== undefined && links(digest, next))
    return {
      ...base,
      record: expected,
      reason: `${named(expected, cur.name)}: its chain digest was altered (the contents are intact)`,
    };
  if (cur.seq !== undefined && cur.seq > expected) {
    const missing =
      cur.seq - 1 > expected
        ? `records #${expected}–#${cur.seq - 1} are`
        : `record #${expected} is`;
    return {
      ...base,
      record: expected,
      reason: `${missing} missing before line ${line} (which holds #${cur.seq}): deleted`,
    };
  }
  if (cur.seq !== undefined && cur.seq < expected)
    return {
      ...base,
      record: expected,
      reason: `${named(cur.seq, cur.name)} again at line ${line}, where #${expected} belongs: a line was copied or moved`,
    };
  return {
    ...base,
    record: expected,
    ...(cur.name === undefined ? {} : { recordName: cur.name }),
    reason: `${named(expected, cur.name)} was altered: its contents do not match its digest`,
  };
}
