/**
 * Run-record formats 3 and 4 (src/runlog/chain.ts): the records hold no psql event the .log's
 * bytes give again, and replay re-parses those bytes; /4 is /3 written smaller (wall-clock time
 * on the start and end records only, an output record's stream and first piece's time not said
 * twice). Three real applies of the shipped packet on the testbed replica are kept: one written
 * by the last version that wrote /2, one by the first that wrote /3, one by the first that wrote
 * /4 (test/fixtures/runlog-v2/, runlog-v3/, runlog-v4/). The /2 log replays exactly as that
 * version replayed it; the /3 and /4 logs replay to the same gate, checks, tiers and events;
 * every kind of edit to a /3 or /4 log's bytes or records is TAMPERED and located; and a run cut
 * mid-stream replays what its records index, and says what they do not.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../src/audit/replay.js';
import { replayBody, replayDocument } from '../../src/json/replay.js';
import type { ReplayReport } from '../../src/audit/report.js';
import { createPsqlParser } from '../../src/psql/parse.js';
import { forRecords } from '../../src/psql/events.js';
import { RunLog } from '../../src/runlog/writer.js';
import { verifyChain } from '../../src/audit/verify.js';
import { fixedClock } from '../helpers/runlog-fixture.js';
import { deleteLine, fileLines, flipByteAt, rewriteChain, truncateTo } from '../helpers/tamper.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** A copy of a kept log (never the fixture itself: tests edit their copy). */
async function copyOf(format: 'v2' | 'v3' | 'v4'): Promise<{ log: string; records: string }> {
  const from = join(FIXTURES, `runlog-${format}`);
  const name = readdirSync(from)
    .find((f) => f.endsWith('.jsonl'))!
    .replace(/\.jsonl$/, '');
  const dir = await tempDir(`oneroof-${format}-`);
  for (const ext of ['log', 'jsonl'])
    copyFileSync(join(from, `${name}.${ext}`), join(dir, `${name}.${ext}`));
  return { log: join(dir, `${name}.log`), records: join(dir, `${name}.jsonl`) };
}

/** What an operator reads of a run, whichever format holds it. */
function essence(report: ReplayReport) {
  return {
    gate: report.gate,
    verified: report.verified,
    assertions: report.assertions,
    errors: report.errors,
    tiers: report.tiers.map((t) => [t.tier, t.name, t.status, t.at, t.note]),
    events: report.counts.events,
    output: [report.output.bytes, report.output.stdout, report.output.stderr],
    outcome: [report.outcome.outcome, report.outcome.exitCode],
    files: report.run.files,
  };
}

describe('run-record formats 2 and 3', () => {
  it('a oneroof-runlog/2 apply replays exactly as the version that wrote it replayed it', async () => {
    const { log } = await copyOf('v2');
    // The --json document, as `oneroof replay --json` prints it (src/commands/replay.ts).
    const doc = replayDocument.parse({
      schema: 'oneroof/replay/1',
      ...replayBody(await replayLog({ path: log })),
    });
    const { replay, source: _source, ...rest } = doc;
    const expected = JSON.parse(
      readFileSync(join(FIXTURES, 'runlog-v2', 'expected-replay.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(JSON.parse(JSON.stringify({ ...rest, replay: { format: replay.format } }))).toEqual(
      expected,
    );
  });

  it('a oneroof-runlog/3 apply replays to what the /2 apply said: gate, checks, tiers, events', async () => {
    const v2 = await replayLog({ path: (await copyOf('v2')).log });
    const v3 = await replayLog({ path: (await copyOf('v3')).log });
    expect(v3.integrity).toMatchObject({ chain: 'intact', complete: true, verdict: 'unsigned' });
    expect(essence(v3)).toEqual(essence(v2));
    expect(v3.gate.checks).toHaveLength(17);
    expect(v3.tiers.map((t) => t.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('a oneroof-runlog/3 apply holds no event and no packet text, and its records are ≤ 2× its .log', async () => {
    const { log, records } = await copyOf('v3');
    const text = readFileSync(records, 'utf8');
    expect(text).toContain('"format":"oneroof-runlog/3"');
    expect(text).not.toContain('"events":');
    expect(text).not.toContain('"record":"event"');
    expect(text).not.toContain('ONEROOF PREFLIGHT PASS database');
    expect(readFileSync(records).length).toBeLessThanOrEqual(2 * readFileSync(log).length);
  });
});

describe('run-record format 4', () => {
  it('a oneroof-runlog/4 apply replays to what the /2 and /3 applies said', async () => {
    const v2 = await replayLog({ path: (await copyOf('v2')).log });
    const v4 = await replayLog({ path: (await copyOf('v4')).log });
    expect(v4.integrity).toMatchObject({ chain: 'intact', complete: true, verdict: 'unsigned' });
    // The packet's files are the same; the runner's own entry file has changed since /2 (the
    // state guard of the confirmation), and with it its digest.
    const { files: files4, ...rest4 } = essence(v4);
    const { files: files2, ...rest2 } = essence(v2);
    expect(rest4).toEqual(rest2);
    expect(files4.map((f) => f.path)).toEqual(files2.map((f) => f.path));
    expect(files4.slice(1)).toEqual(files2.slice(1));
    expect(v4.gate.checks).toHaveLength(17);
  });

  it('its records are smaller than /3’s for the same .log, and within 2× of it', async () => {
    const v3 = await copyOf('v3');
    const v4 = await copyOf('v4');
    const size = (path: string) => readFileSync(path).length;
    expect(readFileSync(v4.records, 'utf8')).toContain('"format":"oneroof-runlog/4"');
    expect(size(v4.log)).toBe(size(v3.log));
    expect(size(v4.records)).toBeLessThan(size(v3.records));
    expect(size(v4.records)).toBeLessThanOrEqual(2 * size(v4.log));
  });

  it('says each thing once: time on the start and end records, a piece’s stream and time once', async () => {
    const { records } = await copyOf('v4');
    const rs = fileLines(records).map((l) => JSON.parse(l.toString()) as Record<string, unknown>);
    expect(rs.filter((r) => 'time' in r).map((r) => r.record)).toEqual(['start', 'end']);
    const pieced = rs.filter((r) => Array.isArray(r.pieces));
    expect(pieced.length).toBeGreaterThan(0);
    for (const r of pieced) {
      expect(r).not.toHaveProperty('stream');
      const pieces = r.pieces as unknown[][];
      expect(pieces[0]).toHaveLength(2);
      // A time is written only where it changes.
      let before = r.t as number;
      for (const p of pieces.slice(1))
        if (p.length === 3) {
          expect(p[2]).not.toBe(before);
          before = p[2] as number;
        }
    }
  });

  it('a record without a time of its own reads as the start’s time plus its t', async () => {
    const { records } = await copyOf('v4');
    const lines = fileLines(records).map((bytes, i) => ({
      bytes,
      number: i + 1,
      terminated: true,
    }));
    const read = [...verifyChain(lines)];
    const start = read[0]!.json;
    const base = Date.parse(start.time as string) - (start.t as number) * 1000;
    for (const r of read.slice(1, -1)) {
      const want = new Date(base + Math.round((r.json.t as number) * 1000)).getTime();
      expect(Math.abs(Date.parse(r.json.time as string) - want)).toBeLessThanOrEqual(1);
    }
    const report = await replayLog({ path: records.replace(/\.jsonl$/, '.log') });
    expect(report.run.confirmation?.at).toBe(
      read.find((r) => r.name === 'confirmation')!.json.time,
    );
  });
});

describe('hostile run-log: a /4 record’s clock', () => {
  it.each([
    ['a t beyond any date', 1e300],
    ['a negative t', -1e17],
    ['a t that is not a number', 'soon'],
  ])('hostile run-log: %s reads with no time, not a crash', async (_name, t) => {
    const files = await copyOf('v4');
    rewriteChain(files.records, (r) => (r.record === 'confirmation' ? { ...r, t } : r));
    const lines = fileLines(files.records).map((bytes, i) => ({
      bytes,
      number: i + 1,
      terminated: true,
    }));
    const confirmation = [...verifyChain(lines)].find((r) => r.name === 'confirmation')!;
    expect(confirmation.json).not.toHaveProperty('time');
    const report = await replayLog({ path: files.log });
    expect(report.integrity.chain).toBe('intact');
    expect(report.run.confirmation?.at ?? null).toBeNull();
  });
});

/** Swaps two equal-length ranges of a file's bytes. */
function swapRanges(path: string, a: number, b: number, length: number): void {
  const bytes = readFileSync(path);
  const first = Buffer.from(bytes.subarray(a, a + length));
  bytes.copy(bytes, a, b, b + length);
  first.copy(bytes, b);
  writeFileSync(path, bytes);
}

function editLog(path: string, edit: (bytes: Buffer) => Buffer): void {
  writeFileSync(path, edit(readFileSync(path)));
}

const HOSTILE: [string, (files: { log: string; records: string }) => void, RegExp][] = [
  [
    'a flipped .log byte is located to its output record and byte range',
    ({ log }) => flipByteAt(log, 1500),
    /^TAMPERED: log line \d+, record #\d+ \(output\), \.log bytes \d+–\d+: .*do not match the sha256/,
  ],
  [
    'the .log cut short names the bytes its records index',
    ({ log }) => truncateTo(log, 4000),
    /the \.log ends at byte 4000, but record #\d+ indexes bytes \d+–\d+: the \.log was truncated/,
  ],
  [
    'two ranges of .log bytes swapped (reordered) are found',
    ({ log }) => swapRanges(log, 100, 5000, 40),
    /^TAMPERED: log .*do not match the sha256/,
  ],
  [
    'a .log byte deleted is found',
    ({ log }) => editLog(log, (b) => Buffer.concat([b.subarray(0, 3000), b.subarray(3001)])),
    /^TAMPERED: log .*(do not match the sha256|truncated)/,
  ],
  [
    'a byte appended to the .log is named appended',
    ({ log }) => editLog(log, (b) => Buffer.concat([b, Buffer.from('x')])),
    /1 bytes after byte \d+ of the \.log were never recorded: appended/,
  ],
  [
    'a records line edited is named altered',
    ({ records }) => {
      const lines = fileLines(records).map((l) => l.toString());
      const at = lines.findIndex((l) => l.includes('"record":"output"'));
      lines[at] = lines[at]!.replace('"length":', '"length": ');
      writeFileSync(records, `${lines.join('\n')}\n`);
    },
    /record #\d+ .*was altered/,
  ],
  [
    'a records line removed is named missing',
    ({ records }) => deleteLine(records, 8),
    /record #7 is missing before line 8 .*deleted/,
  ],
  [
    'an output record removed with the chain recomputed leaves its .log bytes unindexed',
    ({ records }) => {
      let dropped = false;
      rewriteChain(records, (r) => {
        if (!dropped && r.record === 'output' && (r.offset as number) > 0) {
          dropped = true;
          return undefined;
        }
        return r;
      });
    },
    /output record at offset \d+, but the records before it end at byte \d+/,
  ],
  [
    'an output record’s pieces moved between streams with the chain recomputed do not add up',
    ({ records }) =>
      rewriteChain(records, (r) =>
        Array.isArray(r.pieces) ? { ...r, pieces: [[1, 'o', 0], ...(r.pieces as unknown[])] } : r,
      ),
    /its pieces add up to \d+ bytes, but it covers \d+/,
  ],
];

const HOSTILE4: typeof HOSTILE = [
  [
    'an output record stripped of its stream and its pieces (chain recomputed) is refused',
    ({ records }) =>
      rewriteChain(records, (r) => {
        if (r.record !== 'output') return r;
        const { stream: _s, pieces: _p, ...rest } = r;
        return rest;
      }),
    /an output record the \.log cannot be checked against: .*names no stream/,
  ],
  [
    'a piece with a time that is not a number (chain recomputed) is refused',
    ({ records }) =>
      rewriteChain(records, (r) =>
        Array.isArray(r.pieces)
          ? { ...r, pieces: (r.pieces as unknown[][]).map(([l, s]) => [l, s, 'soon']) }
          : r,
      ),
    /an output record the \.log cannot be checked against/,
  ],
];

describe('hostile run-log: every edit to a format 3 or 4 log is TAMPERED, and located', () => {
  it.each([
    ...HOSTILE.map(([name, edit, reason]) => [`/3: ${name}`, edit, reason, 'v3'] as const),
    ...[...HOSTILE, ...HOSTILE4].map(
      ([name, edit, reason]) => [`/4: ${name}`, edit, reason, 'v4'] as const,
    ),
  ])('hostile run-log: %s', async (_name, edit, reason, format) => {
    const files = await copyOf(format);
    edit(files);
    const report = await replayLog({ path: files.log });
    expect(report.integrity.verdict).toBe('tampered');
    expect(report.integrity.summary).toMatch(reason);
  });
});

/**
 * A run as the runner writes it (src/runner/run.ts) from a recorded psql run, whose link is cut
 * after `cut` bytes of its stderr: the streams stop mid-line, the runner closes the log as lost.
 */
async function cutRun(cut: number, close: boolean) {
  const psql = join(FIXTURES, 'psql');
  const stderr = readFileSync(join(psql, 'assert-tier.stderr'));
  const log = RunLog.open({
    dir: await tempDir('oneroof-cut-'),
    kind: 'rollout',
    target: 'replica',
    ...fixedClock(),
  });
  log.record('stream', { step: 'main', source: 'stdin', length: 1, sha256: 'ab'.repeat(32) });
  const parser = createPsqlParser();
  for (let at = 0; at < cut; at += 32) {
    const chunk = stderr.subarray(at, Math.min(at + 32, cut));
    const { events, urgent } = forRecords(parser.push('stderr', chunk));
    log.output('stderr', chunk, { step: 'main', events, flush: urgent });
  }
  if (close) {
    log.record('step-end', { step: 'main', outcome: 'lost', end: { kind: 'lost', reason: 'cut' } });
    log.close({ outcome: 'lost' });
  }
  return { path: log.paths.output, stderr };
}

describe('fault connection-cut: a format 3 log cut mid-stream replays honestly', () => {
  it.each([40, 97, 150])(
    'fault connection-cut: after %i bytes of stderr, closed as lost: every byte indexed and re-parsed, nothing more',
    async (cut) => {
      const run = await cutRun(cut, true);
      const report = await replayLog({ path: run.path });
      expect(report.integrity).toMatchObject({ chain: 'intact', complete: true });
      expect(report.integrity.log.unindexed).toBe(0);
      expect(report.output.bytes).toBe(cut);
      // The events replay finds are those the bytes up to the cut give, and only those.
      const parser = createPsqlParser();
      const expected = [
        ...parser.push('stderr', run.stderr.subarray(0, cut)),
        ...parser.end(),
      ].filter((e) => e.kind !== 'output').length;
      expect(report.counts.events).toBe(expected);
      expect(report.outcome.outcome).toBe('lost');
    },
  );

  it('fault connection-cut: the runner gone before it closed the log: the held bytes are named unindexed, not parsed', async () => {
    // 110 bytes: the tier's BEGIN line whole, its message not yet ended (no event: held).
    const run = await cutRun(110, false);
    const report = await replayLog({ path: run.path });
    expect(report.integrity).toMatchObject({ chain: 'intact', complete: false });
    const unindexed = report.integrity.log.unindexed;
    expect(unindexed).toBe(110);
    expect(report.output.bytes).toBe(0);
    expect(report.counts.events).toBe(0);
    expect(report.notes).toContain(
      `${unindexed} bytes at the end of the .log have no output record: written as the runner stopped`,
    );
  });
});
