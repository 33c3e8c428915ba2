/**
 * The hash chain of a run's records file (`<kind>_<stamp>.jsonl`), formats `oneroof-runlog/1`,
 * `/2` and `/3` (the same chain; /2 and /3 record events more compactly: ./records.ts).
 *
 * Every line is one JSON object that starts with `{"seq":N,` (N = 0, 1, 2, … = line − 1) and
 * ends with `,"chain":"<64 hex>"}`. The chain digest of line i covers the previous line's
 * digest and every byte of line i before `,"chain":"`:
 *
 *     h(0) = sha256("oneroof-runlog/1\n")                  (the genesis, no line)
 *     h(i) = sha256(h(i-1) ‖ body(i))                      (raw 32-byte digests)
 *
 * It is defined on bytes, not on parsed JSON, so any change to a line (a flipped byte, a key
 * re-ordered by an editor, a field added) changes its digest; a deleted, inserted or moved line
 * breaks the link of the line after it; `seq` says which record is missing or out of place.
 * The chain alone proves nothing against someone who rewrites the whole file and recomputes it:
 * its head is also anchored outside the log (the ssh signature, the on-target anchor; docs/log-format.md).
 */
import { createHash } from 'node:crypto';

/**
 * The format this version writes (the start record's `format`). /4 is /3 written smaller: only
 * the start and end records carry the wall-clock `time` (every other record's is the start's
 * plus its monotonic `t`: src/audit/verify.ts derives it), and an output record with pieces
 * names its stream only in them, each piece's time left out when it is the one before it (the
 * first piece's: the record's `t`). /3 holds no parsed event that
 * the .log's bytes give again: its output records index runs of chunks (and the source map's
 * excerpts for the lines psql reported), and replay re-parses the bytes. /2 held each parsed
 * event once, without its raw lines, in the output record of its chunk; /1 every event in a
 * record of its own, with its raw lines. The chain rule is the same for all four.
 */
export const RUNLOG_FORMAT = 'oneroof-runlog/4';
/** Every format replay reads. */
export const RUNLOG_FORMATS = [
  'oneroof-runlog/1',
  'oneroof-runlog/2',
  'oneroof-runlog/3',
  RUNLOG_FORMAT,
] as const;
/** The chain's genesis, the same for every format (the rule has not changed since /1). */
export const GENESIS: Buffer = createHash('sha256').update('oneroof-runlog/1\n').digest();

const CHAIN_KEY = Buffer.from(',"chain":"');
/** `,"chain":"` + 64 hex + `"}` */
const SUFFIX_LENGTH = CHAIN_KEY.length + 64 + 2;
const HEX = /^[0-9a-f]{64}$/;

export function chainDigest(previous: Buffer, body: Buffer): Buffer {
  return createHash('sha256').update(previous).update(body).digest();
}

/**
 * One record line: `body` (the JSON object without its closing brace, starting `{"seq":N,`)
 * sealed with its chain digest. Returns the line (with its LF) and the new head.
 */
export function sealLine(previous: Buffer, body: string): { line: Buffer; head: Buffer } {
  const bytes = Buffer.from(body, 'utf8');
  const head = chainDigest(previous, bytes);
  const line = Buffer.concat([
    bytes,
    CHAIN_KEY,
    Buffer.from(`${head.toString('hex')}"}\n`, 'latin1'),
  ]);
  return { line, head };
}

/** A line (without its LF) cut into its body and stated digest; undefined when not chained. */
export function splitChained(line: Buffer): { body: Buffer; chain: Buffer } | undefined {
  if (line.length < SUFFIX_LENGTH + 1) return undefined;
  const at = line.length - SUFFIX_LENGTH;
  if (!line.subarray(at, at + CHAIN_KEY.length).equals(CHAIN_KEY)) return undefined;
  if (line[line.length - 2] !== 0x22 || line[line.length - 1] !== 0x7d) return undefined;
  const hex = line.subarray(at + CHAIN_KEY.length, line.length - 2).toString('latin1');
  if (!HEX.test(hex)) return undefined;
  return { body: line.subarray(0, at), chain: Buffer.from(hex, 'hex') };
}
