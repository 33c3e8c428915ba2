/**
 * The run log's hash chain: what the writer writes verifies; each kind of edit to the records or
 * to the .log is found, and located (line, record number, byte range) and named for what it is.
 * (The signature and the on-target anchor, which catch a whole rewrite, are proven on the
 * testbed: test/integration/replay.test.ts.)
 */
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { GENESIS, chainDigest, sealLine, splitChained } from '../../src/runlog/chain.js';
import { readLines } from '../../src/audit/files.js';
import { replayLog } from '../../src/audit/replay.js';
import { verifyChain, type ChainResult, type VerifiedRecord } from '../../src/audit/verify.js';
import type { RunLogSeal } from '../../src/runlog/writer.js';
import { writeFixtureRun } from '../helpers/runlog-fixture.js';
import {
  alterHexDigit,
  deleteLine,
  fileLines,
  flipByte,
  flipByteAt,
  forgedLine,
  insertLine,
  lineOf,
  rewriteChain,
  swapLines,
  truncateTo,
} from '../helpers/tamper.js';
import { tempDir } from '../helpers/tmp.js';

function verify(path: string): { records: VerifiedRecord[]; result: ChainResult } {
  const records: VerifiedRecord[] = [];
  const it = verifyChain(readLines(path));
  for (;;) {
    const step = it.next();
    if (step.done === true) return { records, result: step.value };
    records.push(step.value);
  }
}

let seal: RunLogSeal;
let records: string;
let log: string;

beforeEach(async () => {
  const dir = await tempDir('oneroof-chain-');
  seal = writeFixtureRun({ psqlCase: 'assert-tier', dir }).seal!;
  records = seal.paths.records;
  log = seal.paths.output;
});

describe('the chain as written', () => {
  it('every line is {"seq":N,…,"chain":"<hex>"} linked to the one before; the head is the seal’s', () => {
    const lines = fileLines(records);
    expect(lines.length).toBe(seal.records);
    let head = GENESIS;
    lines.forEach((line, i) => {
      // /4: the wall-clock time on the start and end records only.
      const timed = i === 0 || i === lines.length - 1;
      expect(line.toString()).toMatch(
        new RegExp(`^\\{"seq":${i},"t":\\d+\\.\\d{6},${timed ? '"time":"' : '"record":"'}`),
      );
      const split = splitChained(line)!;
      head = chainDigest(head, split.body);
      expect(split.chain.equals(head)).toBe(true);
    });
    expect(head.toString('hex')).toBe(seal.head);
    const { result } = verify(records);
    expect(result).toMatchObject({ records: seal.records, head: seal.head, endLine: seal.records });
    expect(result.problem).toBeUndefined();
  });

  it('output records carry each chunk’s offset and sha256; the end record the .log’s length', () => {
    const bytes = readFileSync(log);
    const outputs = fileLines(records)
      .map((l) => JSON.parse(l.toString()) as Record<string, unknown>)
      .filter((r) => r.record === 'output');
    expect(outputs.length).toBeGreaterThan(1);
    // Format 3: no event is recorded that the bytes give again (replay parses them), no raw.
    expect(outputs.some((r) => 'events' in r)).toBe(false);
    expect(fileLines(records).some((l) => l.includes('"raw":'))).toBe(false);
    expect(fileLines(records).some((l) => l.includes('ASSERT'))).toBe(false);
    // A record of several pieces: their lengths add up to its own.
    for (const r of outputs.filter((o) => Array.isArray(o.pieces)))
      expect((r.pieces as [number][]).reduce((sum, [n]) => sum + n, 0)).toBe(r.length);
    let offset = 0;
    for (const r of outputs) {
      expect(r.offset).toBe(offset);
      const chunk = bytes.subarray(offset, offset + (r.length as number));
      expect(r.sha256).toBe(sha256(chunk));
      offset += r.length as number;
    }
    expect(offset).toBe(bytes.length);
    expect(seal.log).toEqual({ bytes: bytes.length });
    const end = JSON.parse(fileLines(records).at(-1)!.toString()) as Record<string, unknown>;
    expect(end).toMatchObject({ record: 'end', bytes: bytes.length, log: { bytes: bytes.length } });
  });

  it('sealLine and splitChained are inverse; a line without a chain is not split', () => {
    const { line, head } = sealLine(GENESIS, '{"seq":0,"record":"x"');
    const split = splitChained(line.subarray(0, -1))!;
    expect(split.body.toString()).toBe('{"seq":0,"record":"x"');
    expect(split.chain.equals(head)).toBe(true);
    expect(splitChained(Buffer.from('{"seq":0,"record":"x"}'))).toBeUndefined();
  });
});

describe('every edit is found and located', () => {
  const problemOf = async (path = log) => {
    const report = await replayLog({ path });
    expect(report.integrity.verdict).toBe('tampered');
    return report.integrity.firstBad!;
  };

  it('a flipped byte in a record: that line, that record, "altered"', async () => {
    const line = lineOf(records, 'output', 5);
    flipByte(records, line, 60);
    expect(await problemOf()).toMatchObject({
      file: 'records',
      line,
      record: line - 1,
      reason: expect.stringMatching(
        /was altered: its contents no longer match its digest/,
      ) as string,
    });
  });

  it('a flipped byte in a chain digest: "its chain digest was altered"', async () => {
    alterHexDigit(records, 4, -5);
    expect(await problemOf()).toMatchObject({
      line: 4,
      record: 3,
      reason: expect.stringMatching(/chain digest was altered/) as string,
    });
  });

  it('a flipped byte in the seq field', async () => {
    flipByte(records, 6, '{"seq":'.length);
    expect(await problemOf()).toMatchObject({
      line: 6,
      record: 5,
      reason: expect.stringMatching(/altered/) as string,
    });
  });

  it('a deleted line: the record number that is missing, and where', async () => {
    deleteLine(records, 7);
    expect(await problemOf()).toMatchObject({
      line: 7,
      record: 6,
      reason: 'record #6 is missing before line 7 (which holds #7): deleted',
    });
  });

  it('two lines swapped', async () => {
    swapLines(records, 5);
    expect(await problemOf()).toMatchObject({
      line: 5,
      record: 4,
      reason: expect.stringMatching(
        /^lines 5 and 6 swapped: record #5 \(\w+\) comes before record #4/,
      ) as string,
    });
  });

  it('an inserted line of junk', async () => {
    insertLine(records, 5, '{"seq":4,"record":"event","note":"added later"}');
    expect(await problemOf()).toMatchObject({
      line: 5,
      reason: expect.stringMatching(/no chain digest/) as string,
    });
  });

  it('an inserted record with a digest that links to the line before it (a careful forger)', async () => {
    insertLine(records, 5, forgedLine(records, 5, { t: 1, record: 'event', event: { kind: 'x' } }));
    expect(await problemOf()).toMatchObject({
      line: 5,
      reason: 'inserted: line 6 links straight to line 4, so line 5 was never part of the chain',
    });
  });

  it('a record appended after the end record, even with a correct link', async () => {
    const n = fileLines(records).length;
    insertLine(records, n + 1, forgedLine(records, n + 1, { record: 'note', text: 'all fine' }));
    expect(await problemOf()).toMatchObject({
      line: n + 1,
      record: n,
      reason: `a record after the end record (line ${n}): appended after the run was closed`,
    });
  });

  it('the records cut at a line boundary: intact prefix, no end record (a crash looks the same: the signature tells)', async () => {
    const lines = fileLines(records);
    const kept = lines.length - 2;
    const keep = lines.slice(0, kept).reduce((n, l) => n + l.length + 1, 0);
    truncateTo(records, keep);
    const report = await replayLog({ path: log });
    expect(report.integrity).toMatchObject({
      verdict: 'unsigned',
      complete: false,
      records: kept,
    });
    expect(report.outcome.outcome).toBe('incomplete');
    expect(report.outcome.summary).toMatch(/^the log ends without an end record/);
  });

  it('the records cut mid-line: the cut line is named, the prefix is intact', () => {
    truncateTo(records, statSync(records).size - 30);
    const { result } = verify(records);
    expect(result.cutLine).toBe(seal.records);
    expect(result.records).toBe(seal.records - 1);
    expect(result.problem).toBeUndefined();
  });

  it('a flipped byte in the .log: the byte range, the output record, "altered"', async () => {
    const { from, to, seq } = outputCovering(100);
    flipByteAt(log, 100);
    expect(await problemOf()).toMatchObject({
      file: 'log',
      bytes: { from, to },
      record: seq,
      recordName: 'output',
      reason: `the .log's bytes ${from}–${to} (stderr) do not match the sha256 record #${seq} holds: the output was altered`,
    });
  });

  it('the .log truncated', async () => {
    const { from, to } = outputCovering(150);
    truncateTo(log, 150);
    expect(await problemOf()).toMatchObject({
      file: 'log',
      bytes: { from, to },
      reason: expect.stringMatching(
        /the \.log ends at byte 150, .* the \.log was truncated/,
      ) as string,
    });
  });

  it('bytes appended to the .log', async () => {
    writeFileSync(log, Buffer.concat([readFileSync(log), Buffer.from('COMMIT\n')]));
    expect(await problemOf()).toMatchObject({
      file: 'log',
      reason: `7 bytes after byte ${seal.log.bytes} of the .log were never recorded: appended`,
    });
  });

  it('the records file deleted: the .log still carries oneroof’s sentinel', async () => {
    const dir = await tempDir('oneroof-chain-');
    const ok = writeFixtureRun({ psqlCase: 'packet-run', dir }).seal!;
    rmSync(ok.paths.records);
    expect(await problemOf(ok.paths.output)).toMatchObject({
      reason: expect.stringMatching(
        /oneroof wrote it, but its records file .* is missing: deleted/,
      ) as string,
    });
  });

  it('a whole rewrite with the chain recomputed passes the chain: only an anchor can catch it', async () => {
    // The assertion's words made into a plain notice in the .log, each digest recomputed.
    const bytes = readFileSync(log);
    const at = bytes.indexOf('ERROR:  ASSERT');
    bytes.write('NOTICE: xSSERT', at);
    writeFileSync(log, bytes);
    rewriteChain(records, (r) =>
      r.record === 'output'
        ? {
            ...r,
            sha256: sha256(
              bytes.subarray(r.offset as number, (r.offset as number) + (r.length as number)),
            ),
          }
        : r,
    );
    const report = await replayLog({ path: log });
    expect(report.integrity.chain).toBe('intact');
    expect(report.integrity.verdict).toBe('unsigned');
    expect(report.assertions).toEqual([]);
  });

  it('a line longer than any record is refused, naming it', async () => {
    const copy = join(await tempDir('oneroof-chain-'), 'x.jsonl');
    copyFileSync(records, copy);
    writeFileSync(copy, Buffer.alloc(17 * 1024 * 1024, 0x61), { flag: 'a' });
    expect(() => [...readLines(copy)]).toThrow(/:\d+: a line longer than 16777216 bytes/);
  });
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The output record that indexes the .log's byte `at`: its range and its number. */
function outputCovering(at: number): { from: number; to: number; seq: number } {
  for (const line of fileLines(records)) {
    const r = JSON.parse(line.toString()) as Record<string, number | string>;
    if (r.record !== 'output') continue;
    const from = r.offset as number;
    const to = from + (r.length as number);
    if (from <= at && at < to) return { from, to, seq: r.seq as number };
  }
  throw new Error(`no output record covers byte ${at}`);
}
