/**
 * Both record formats replay: a log written by the previous version (oneroof-runlog/1, kept in
 * test/fixtures/runlog-v1/) and one written now (/2: each event once, without its raw lines,
 * in the output record of the chunks it was parsed from) give the same reconstruction.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../src/audit/replay.js';
import { RUNLOG_FORMAT } from '../../src/runlog/chain.js';
import { fileLines, flipByteAt } from '../helpers/tamper.js';
import { writeFixtureRun } from '../helpers/runlog-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const V1 = join(import.meta.dirname, '..', 'fixtures', 'runlog-v1');
const NAME = 'preflight_20261201T174243Z';

async function v1Copy(): Promise<{ log: string; records: string }> {
  const dir = await tempDir('oneroof-v1-');
  for (const ext of ['log', 'jsonl'])
    copyFileSync(join(V1, `${NAME}.${ext}`), join(dir, `${NAME}.${ext}`));
  return { log: join(dir, `${NAME}.log`), records: join(dir, `${NAME}.jsonl`) };
}

describe('run log formats', () => {
  it('a oneroof-runlog/1 log (events in records of their own, with raw lines) still replays', async () => {
    const { log } = await v1Copy();
    const report = await replayLog({ path: log });
    expect(report.integrity).toMatchObject({
      verdict: 'unsigned',
      chain: 'intact',
      complete: true,
    });
    expect(report.gate.verdict).toBe('GO');
    expect(report.gate.checks).toHaveLength(17);
    expect(report.counts).toMatchObject({ events: 52, records: 93, errors: 0 });
    expect(report.outcome).toMatchObject({ outcome: 'GO', exitCode: 0 });
  });

  it('a oneroof-runlog/1 log edited is still caught, record and byte range named', async () => {
    const { log, records } = await v1Copy();
    flipByteAt(log, 500);
    const report = await replayLog({ path: log });
    expect(report.integrity.verdict).toBe('tampered');
    expect(report.integrity.firstBad).toMatchObject({ file: 'log', recordName: 'output' });
    expect(fileLines(records).length).toBe(93);
  });

  it(`${RUNLOG_FORMAT} holds each event once, without raw lines, and replays to the same events`, async () => {
    const dir = await tempDir('oneroof-v2-');
    const seal = writeFixtureRun({ psqlCase: 'assert-tier', dir, chunk: 16 }).seal!;
    const lines = fileLines(seal.paths.records).map((l) => l.toString());
    expect(JSON.parse(lines[0]!)).toMatchObject({ record: 'start', format: RUNLOG_FORMAT });
    expect(lines.some((l) => l.includes('"raw":'))).toBe(false);
    expect(lines.some((l) => l.includes('"record":"event"'))).toBe(false);
    // Coalesced: fewer output records than 16-byte chunks.
    const outputs = lines.filter((l) => l.includes('"record":"output"')).length;
    expect(outputs).toBeLessThan(seal.log.bytes / 16);
    const report = await replayLog({ path: seal.paths.output });
    expect(report.integrity).toMatchObject({ chain: 'intact', complete: true });
    const again = writeFixtureRun({
      psqlCase: 'assert-tier',
      dir: await tempDir('oneroof-v2-'),
      chunk: 4096,
    });
    const whole = await replayLog({ path: again.seal!.paths.output });
    // Cut into 16-byte or 4 KiB chunks, the same events are recorded and replayed.
    expect(report.counts.events).toBe(whole.counts.events);
    // (Times differ: the fixture's clock ticks per reading, and the chunks differ.)
    const tiers = (r: typeof report) => r.tiers.map((t) => [t.tier, t.name, t.status, t.at]);
    expect(tiers(report)).toEqual(tiers(whole));
    expect(report.tiers.length).toBeGreaterThan(0);
    const texts = (r: typeof report) => r.assertions.map((a) => [a.kind, a.text, a.at]);
    expect(texts(report)).toEqual(texts(whole));
    expect(report.assertions.length).toBeGreaterThan(0);
    expect(report.outcome.exitCode).toBe(whole.outcome.exitCode);
    expect(report.outcome.outcome).toBe(whole.outcome.outcome);
  });
});
