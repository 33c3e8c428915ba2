/**
 * The edits an attacker (or a careless editor) can make to a run log's files, each applied to
 * a copy in place: the tests prove replay finds every one of them and says where.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { GENESIS, sealLine, splitChained } from '../../src/runlog/chain.js';

/** The file's lines without their LFs (a final LF gives no empty last line). */
export function fileLines(path: string): Buffer[] {
  const bytes = readFileSync(path);
  const lines: Buffer[] = [];
  let from = 0;
  for (let eol = bytes.indexOf(0x0a); eol >= 0; eol = bytes.indexOf(0x0a, from)) {
    lines.push(bytes.subarray(from, eol));
    from = eol + 1;
  }
  if (from < bytes.length) lines.push(bytes.subarray(from));
  return lines;
}

function writeLines(path: string, lines: Buffer[]): void {
  writeFileSync(path, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
}

/** The 1-based line number of the first record named `name` (after `after`). */
export function lineOf(path: string, name: string, after = 0): number {
  const lines = fileLines(path);
  for (let i = after; i < lines.length; i++)
    if (lines[i]!.includes(`"record":"${name}"`)) return i + 1;
  throw new Error(`${path}: no record ${name} after line ${after}`);
}

/** XORs one byte of a line (1-based; a negative column counts from the line's end). */
export function flipByte(path: string, line: number, column: number): void {
  const bytes = readFileSync(path);
  const lines = fileLines(path);
  let start = 0;
  for (let i = 0; i < line - 1; i++) start += lines[i]!.length + 1;
  const length = lines[line - 1]!.length;
  const at = start + (column >= 0 ? column : length + column);
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(path, bytes);
}

/**
 * Changes one hex digit of a line to another hex digit (a flipped bit could turn `f` into `g`,
 * which is no longer a digest at all): the line stays well-formed, only its value differs.
 */
export function alterHexDigit(path: string, line: number, column: number): void {
  const bytes = readFileSync(path);
  const lines = fileLines(path);
  let start = 0;
  for (let i = 0; i < line - 1; i++) start += lines[i]!.length + 1;
  const at = start + (column >= 0 ? column : lines[line - 1]!.length + column);
  const digit = String.fromCharCode(bytes[at]!);
  if (!/^[0-9a-f]$/.test(digit)) throw new Error(`${path}:${line}: byte ${at} is not a hex digit`);
  bytes[at] = (digit === '0' ? '1' : '0').charCodeAt(0);
  writeFileSync(path, bytes);
}

/** Flips one byte of a binary file at an absolute offset. */
export function flipByteAt(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = bytes[offset]! ^ 0x01;
  writeFileSync(path, bytes);
}

export function deleteLine(path: string, line: number): void {
  const lines = fileLines(path);
  lines.splice(line - 1, 1);
  writeLines(path, lines);
}

/** Swaps a line with the one after it. */
export function swapLines(path: string, line: number): void {
  const lines = fileLines(path);
  const [a, b] = [lines[line - 1]!, lines[line]!];
  lines[line - 1] = b;
  lines[line] = a;
  writeLines(path, lines);
}

/** Inserts a line so that it becomes line number `line`. */
export function insertLine(path: string, line: number, text: string | Buffer): void {
  const lines = fileLines(path);
  lines.splice(line - 1, 0, Buffer.isBuffer(text) ? text : Buffer.from(text));
  writeLines(path, lines);
}

/**
 * A forged record that links correctly to the line before it (the chain is public): what a
 * careful forger inserts. `line` is where it lands; its seq is the one that belongs there.
 */
export function forgedLine(path: string, line: number, fields: Record<string, unknown>): Buffer {
  const lines = fileLines(path);
  const previous = line === 1 ? GENESIS : splitChained(lines[line - 2]!)!.chain;
  const body = JSON.stringify({ seq: line - 1, ...fields }).slice(0, -1);
  return sealLine(previous, body).line.subarray(0, -1);
}

export function truncateTo(path: string, length: number): void {
  truncateSync(path, length);
}

/**
 * The whole records file rewritten, each record edited by `edit` (return undefined to drop
 * one), and the chain recomputed from the genesis: intact to anyone without an anchor.
 */
export function rewriteChain(
  path: string,
  edit: (record: Record<string, unknown>) => Record<string, unknown> | undefined,
): void {
  let head = GENESIS;
  const out: Buffer[] = [];
  let seq = 0;
  for (const line of fileLines(path)) {
    const record = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
    delete record.chain;
    const edited = edit(record);
    if (edited === undefined) continue;
    const { seq: _seq, ...rest } = edited;
    const body = JSON.stringify({ seq: seq++, ...rest }).slice(0, -1);
    const sealed = sealLine(head, body);
    head = sealed.head;
    out.push(sealed.line.subarray(0, -1));
  }
  writeLines(path, out);
}
