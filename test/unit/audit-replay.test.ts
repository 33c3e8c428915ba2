/**
 * What replay rebuilds, without any database: hand-made logs (the psql recordings, and real
 * `ssh … | tee` logs whose streams were interleaved in transit), a oneroof log with the records
 * the commands write, a crashed run, and the pieces the CLI shows (text, --json, HTML, --play,
 * --cast).
 */
import { runMain } from '../helpers/in-process.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { castLines } from '../../src/audit/cast.js';
import type { OutputChunk } from '../../src/audit/chunks.js';
import { outputChunks } from '../../src/audit/chunks.js';
import { escapeHtml } from '../../src/audit/html-parts.js';
import { writeHtml } from '../../src/audit/html.js';
import { play } from '../../src/audit/play.js';
import { replayLog } from '../../src/audit/replay.js';
import { TeeLines, TeeRepair } from '../../src/audit/tee-repair.js';
import { renderText } from '../../src/audit/text.js';
import { LineSplitter } from '../../src/psql/lines.js';
import { createPsqlParser } from '../../src/psql/parse.js';
import { summarizePacket } from '../../src/contract/summary.js';
import { writeFixtureRun } from '../helpers/runlog-fixture.js';
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';
import { deleteLine } from '../helpers/tamper.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const PSQL = join(FIXTURES, 'psql');

async function asTeeLog(psqlCase: string): Promise<string> {
  const file = join(await tempDir('oneroof-tee-'), `rollout_20260603T101500Z.log`);
  writeFileSync(file, readFileSync(join(PSQL, `${psqlCase}.combined`)));
  return file;
}

const cli = (argv: string[]) => runMain(argv);

describe('hand-made logs (psql … 2>&1 | tee)', () => {
  it('a NO-GO: the gate, its failed checks, exit 3 implied, "unsigned"', async () => {
    const report = await replayLog({ path: await asTeeLog('no-go') });
    expect(report.source.kind).toBe('tee');
    expect(report.integrity).toMatchObject({ verdict: 'unsigned', chain: 'none', firstBad: null });
    expect(report.gate).toMatchObject({ verdict: 'NO-GO', noGo: ['gate.ospa', 'gate.apr'] });
    expect(report.gate.checks.filter((c) => c.status === 'FAIL').map((c) => c.check)).toEqual([
      'gate.ospa',
      'gate.apr',
    ]);
    expect(report.outcome).toMatchObject({ outcome: 'NO-GO', exitCode: 3, derived: true });
  });

  it('a failed assertion: the ASSERT with psql’s location, the tier failed, exit 4 implied', async () => {
    const report = await replayLog({ path: await asTeeLog('assert-tier') });
    expect(report.assertions).toEqual([
      expect.objectContaining({
        scope: 'tier03',
        check: 'gap_zero',
        expected: '0',
        got: '17',
        at: '<stdin>:13',
      }),
    ]);
    expect(report.tiers).toEqual([expect.objectContaining({ tier: 3, status: 'failed' })]);
    expect(report.errors).toEqual([]);
    expect(report.outcome).toMatchObject({ outcome: 'assertion-failed', exitCode: 4 });
  });

  it.each(['1', '2', '3'])(
    'a real ssh | tee log whose streams interleaved in transit (%s): every tier still found',
    async (n) => {
      const report = await replayLog({
        path: join(FIXTURES, 'replay', `tee-interleaved-${n}.log`),
      });
      expect(report.tiers.map((t) => [t.tier, t.status, t.at])).toEqual([
        [10, 'ok', 'sql/prod/10_structure.sql:100'],
        [20, 'ok', 'sql/prod/20_responsibility_axis.sql:106'],
        [30, 'ok', 'sql/prod/30_sovereign_ownership.sql:64'],
        [40, 'ok', 'sql/prod/40_containment.sql:74'],
        [50, 'ok', 'sql/prod/50_topic_finalization.sql:81'],
        [60, 'ok', 'sql/prod/60_scanner_baseline.sql:117'],
      ]);
      expect(report.gate.verdict).toBe('GO');
      // server_version's INFO and its PASS are two lines.
      expect(report.gate.checks).toHaveLength(16);
      expect(report.verified).toHaveLength(29);
      expect(report.outcome).toMatchObject({ outcome: 'ok', exitCode: 0 });
      expect(report.outcome.endedScripts).toEqual(['00_preflight', '90_verify', '99_run_all']);
    },
  );

  it('without the repair those same logs lose tier markers (the fixtures prove the hazard)', () => {
    const lost = ['1', '2', '3'].map((n) => {
      const parser = createPsqlParser();
      const events = [
        ...parser.push(
          'combined',
          readFileSync(join(FIXTURES, 'replay', `tee-interleaved-${n}.log`)),
        ),
        ...parser.end(),
      ];
      return events.filter((e) => e.kind === 'tier').length;
    });
    for (const count of lost) expect(count).toBeLessThan(12);
  });
});

describe('TeeRepair', () => {
  const mend = (lines: string[]) => {
    const repair = new TeeRepair();
    return [...lines.flatMap((l) => repair.push(l)), ...repair.end()];
  };

  it('joins a prefix cut by stdout, at every piece boundary', () => {
    expect(mend(['psql:sql/a.sql:DO', '100: NOTICE:  X'])).toEqual([
      'DO',
      'psql:sql/a.sql:100: NOTICE:  X',
    ]);
    expect(mend(['psql:DO', 'sql/a.sql:25: NOTICE:  X'])).toEqual([
      'DO',
      'psql:sql/a.sql:25: NOTICE:  X',
    ]);
    expect(mend(['psql:sql/a.sql:30:DO', ' NOTICE:  X'])).toEqual([
      'DO',
      'psql:sql/a.sql:30: NOTICE:  X',
    ]);
    expect(mend(['psql:sql/a.sql:23: DO', 'NOTICE:  X'])).toEqual([
      'DO',
      'psql:sql/a.sql:23: NOTICE:  X',
    ]);
    expect(mend(['psql:DO', 'sql/a.sql:SET', 'SELECT 1', '7: ERROR:  Y'])).toEqual([
      'DO',
      'SET',
      'SELECT 1',
      'psql:sql/a.sql:7: ERROR:  Y',
    ]);
  });

  it('leaves whole lines and psql’s own messages alone', () => {
    const lines = [
      'psql:sql/a.sql:1: NOTICE:  X',
      'psql: error: connection to server on socket failed',
      'psql:sql/a.sql:3: invalid command \\foo',
      'DO',
      'psql:sql/a.sql:4: error: could not open file',
      'a:b:c',
    ];
    expect(mend(lines)).toEqual(lines);
  });

  it('gives back a prefix that is never continued, as it was', () => {
    expect(mend(['psql:DO', ...Array<string>(60).fill('SET'), 'x'])).toEqual([
      'DO',
      ...Array<string>(50).fill('SET'),
      'psql:',
      ...Array<string>(10).fill('SET'),
      'x',
    ]);
    expect(mend(['psql:sql/a.sql:DO'])).toEqual(['DO', 'psql:sql/a.sql:']);
  });

  it('TeeLines: the same mended text whatever the chunks; clean stretches pass as bytes', () => {
    const log = readFileSync(join(FIXTURES, 'replay', 'tee-interleaved-1.log'));
    const text = (size: number) => {
      const lines = new TeeLines();
      const out: string[] = [];
      for (let at = 0; at < log.length; at += size)
        out.push(...lines.push(log.subarray(at, at + size)).map(String));
      return [...out, ...lines.end()].join('');
    };
    const whole = text(log.length);
    expect(whole).toContain(
      'psql:sql/prod/10_structure.sql:100: NOTICE:  ONEROOF TIER 10 COMMIT structure\n',
    );
    for (const size of [1, 7, 100, 4096]) expect(text(size)).toBe(whole);
    const clean = Buffer.from('a|b\nc|d\n');
    const pieces = new TeeLines().push(clean);
    expect(pieces).toEqual([clean]);
    expect(Buffer.isBuffer(pieces[0])).toBe(true);
  });

  it('a clean log goes through unchanged', () => {
    const lines = new LineSplitter().push(readFileSync(join(PSQL, 'markers.combined')));
    expect(mend(lines)).toEqual(lines);
  });
});

describe('a oneroof log with the commands’ records', () => {
  it('rebuilds release, lock, state, steps, the runner’s tier list and tolerates what it does not know', async () => {
    const dir = await tempDir('oneroof-replay-');
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir,
      before: [
        [
          'release',
          {
            command: 'apply',
            apr: 'APR-2026-0142',
            dryRun: false,
            manifest: { sha256: 'ef'.repeat(32) },
            target: 'replica',
            future: { x: 1 },
          },
        ],
        ['lock', { acquired: true }],
        ['state', { at: 'entry', vector: '1|0|210|0|0|0' }],
        ['quantum-entanglement', { spooky: true }],
      ],
      after: [['state', { at: 'exit', vector: '1|210|0|0|5|0' }]],
      end: {
        exitCode: 0,
        tiers: [
          { tier: 1, name: 'structure', status: 'ok', durationMs: 1500 },
          { tier: 70, name: 'later', status: 'pending', durationMs: null },
        ],
      },
    });
    const report = await replayLog({ path: seal!.paths.output });
    expect(report.integrity.verdict).toBe('unsigned');
    expect(report.run).toMatchObject({
      command: 'apply',
      apr: 'APR-2026-0142',
      dryRun: false,
      manifest: 'ef'.repeat(32),
      target: 'replica',
      peer: {
        transport: 'ssh2',
        host: '127.0.0.1',
        port: 2222,
        user: 'op',
        hostKeyFingerprint: 'SHA256:abc',
      },
    });
    // oneroof never writes a `lock` record (the lock is the packet's LOCKED marker): counted only.
    expect(report.lock).toBeNull();
    expect(report.notes).toContain(
      '1 record(s) named "lock": not known to this replay (chained and checked, not shown)',
    );
    expect(report.state.entry).toEqual({ raw: '1|0|210|0|0|0', values: [1, 0, 210, 0, 0, 0] });
    expect(report.state.exit?.values).toEqual([1, 210, 0, 0, 5, 0]);
    // A log without the packet's names in its start record: the raw values, no legend.
    expect(report.run.packet).toBeNull();
    expect(report.tiers.at(-1)).toEqual({ tier: 70, name: 'later', status: 'pending' });
    expect(report.tiers.find((t) => t.tier === 1)?.durationMs).toBe(1500);
    expect(report.notes).toContain(
      '1 record(s) named "quantum-entanglement": not known to this replay (chained and checked, not shown)',
    );
    expect(report.outcome).toMatchObject({ exitCode: 0, derived: false });
  });

  it('--target on a crashed run: no anchor is what the log says, not tampering; a complete log without one is', async () => {
    const dir = await tempDir('oneroof-replay-');
    const missing = {
      target: 'replica',
      lookup: () =>
        Promise.resolve({ file: '/data/oneroof/anchors', entries: [], missingFile: false }),
    };
    const crashed = writeFixtureRun({ psqlCase: 'assert-tier', dir, crash: true });
    const cut = await replayLog({ path: crashed.log.paths.output, anchor: missing });
    crashed.log.close();
    expect(cut.integrity.verdict).toBe('unsigned');
    expect(cut.integrity.anchor).toMatchObject({ status: 'missing' });
    expect(cut.integrity.anchor.detail).toMatch(
      /none was written: the log ends without an end record$/,
    );
    const whole = writeFixtureRun({
      psqlCase: 'assert-tier',
      dir: await tempDir('oneroof-replay-'),
    });
    const complete = await replayLog({ path: whole.log.paths.output, anchor: missing });
    expect(complete.integrity.verdict).toBe('tampered');
  });

  it('a crashed run: no end record, the tier that was open, the time of the last record', async () => {
    const dir = await tempDir('oneroof-replay-');
    const { log } = writeFixtureRun({ psqlCase: 'assert-tier', dir, crash: true });
    const report = await replayLog({ path: log.paths.output });
    log.close();
    expect(report.integrity).toMatchObject({ verdict: 'unsigned', complete: false });
    expect(report.outcome.outcome).toBe('incomplete');
    expect(report.outcome.summary).toMatch(
      /^the log ends without an end record: the runner stopped \(killed, crashed, or the machine went down\) during step main, with tier 3 sovereign_ownership_seed begun and its end not in the log: unknown \(the server committed it or rolled it back; `oneroof replay --target T` or `oneroof status` asks the target's ledger\); the last record is from 20\d\d-/,
    );
  });
});

describe('the CLI', () => {
  it('--json: exactly one JSON document on stdout, nothing on stderr', async () => {
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir: await tempDir('oneroof-replay-'),
    });
    const r = await cli(['replay', seal!.paths.output, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as { integrity: { verdict: string } };
    expect(doc.integrity.verdict).toBe('unsigned');
  });

  it('an edited log: exit 5, the first bad record named on stderr', async () => {
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir: await tempDir('oneroof-replay-'),
    });
    deleteLine(seal!.paths.records, 4);
    const r = await cli(['replay', seal!.paths.records]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      `oneroof: error: ${seal!.name}.jsonl: the log was edited — records line 4, record #3: record #3 is missing before line 4 (which holds #4): deleted`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors: exit 2, nothing read', async () => {
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir: await tempDir('oneroof-replay-'),
    });
    expect((await cli(['replay', seal!.paths.output, '--speed', '2'])).code).toBe(2);
    expect((await cli(['replay', seal!.paths.output, '--play', '--speed', '-1'])).stderr).toMatch(
      /--speed: expected a positive number, got "-1"/,
    );
    expect((await cli(['replay', seal!.paths.output, '--json', '--html', 'x.html'])).code).toBe(2);
    const missing = await cli(['replay', '/nonexistent/rollout.log']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^oneroof: error: cannot read \/nonexistent\/rollout\.log \(ENOENT\)/,
    );
  });
});

describe('what replay shows', () => {
  it('text: the banner first (verdict and outcome), then integrity, then the run', async () => {
    const { seal } = writeFixtureRun({
      psqlCase: 'assert-tier',
      dir: await tempDir('oneroof-replay-'),
    });
    const text = renderText(await replayLog({ path: seal!.paths.output }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('UNSIGNED · sql-error (exit 4)');
    expect(lines[2]).toMatch(/^integrity {2}UNSIGNED: \d+ records chained intact/);
    expect(text).toMatch(/^assertions ASSERT tier03\.gap_zero: expected 0, got 17/m);
    expect(text).toMatch(/^outcome {4}sql-error \(exit 4, implied\): ASSERT tier03\.gap_zero/m);
  });

  it('HTML: everything escaped, no script, no network, the verdict and the tiers as data', async () => {
    const dir = await tempDir('oneroof-replay-');
    const { seal } = writeFixtureRun({ psqlCase: 'assert-tier', dir });
    const report = await replayLog({ path: seal!.paths.output });
    report.errors.push({ kind: 'error', text: '<script>alert(1)</script>', at: 'x.sql:1' });
    const file = join(dir, 'page.html');
    writeHtml({ file, report, chunks: outputChunks(report.source) });
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toMatch(/<script|src=|href=|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).toContain('data-verdict="unsigned"');
    expect(html).toMatch(/<g class="bar" data-tier="3" data-outcome="failed">/);
    // The output, byte for byte: only stderr's spans added, and escaped.
    const pre = /<pre id="output">([\s\S]*)<\/pre>/.exec(html)![1]!;
    const unescaped = pre
      .replace(/<span class="e">|<\/span>/g, '')
      .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(unescaped).toBe(readFileSync(seal!.paths.output, 'utf8'));
    expect(escapeHtml(`<a href='x'>&"`)).toBe('&#60;a href=&#39;x&#39;&#62;&#38;&#34;');
  });

  it('HTML: above the limit, the head and the tail, and which bytes were left out', async () => {
    const dir = await tempDir('oneroof-replay-');
    const { seal } = writeFixtureRun({ psqlCase: 'markers', dir, chunk: 16 });
    const report = await replayLog({ path: seal!.paths.output });
    const file = join(dir, 'page.html');
    writeHtml({ file, report, chunks: outputChunks(report.source), limit: 100 });
    const html = readFileSync(file, 'utf8');
    expect(html).toContain(
      `… ${report.output.bytes - 100} bytes (50–${report.output.bytes - 50} of the .log) not shown here`,
    );
  });

  it('--play: each chunk at its time, divided by speed, pauses capped by maxWait', async () => {
    const chunks: OutputChunk[] = [0.5, 1.5, 1.5, 4.5].map((t, i) => ({
      stream: i % 2 ? 'stderr' : 'stdout',
      t,
      bytes: Buffer.from(`line ${i}\n`),
      offset: i * 7,
    }));
    const waits: number[] = [];
    let out = '';
    const sleep = (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    };
    const result = await play(chunks, { speed: 2, write: (t) => void (out += t), sleep });
    expect(waits).toEqual([250, 500, 1500]);
    expect(out).toBe('line 0\nline 1\nline 2\nline 3\n');
    expect(result).toEqual({ chunks: 4, bytes: 28, recorded: 4.5, timed: true });
    waits.length = 0;
    await play(chunks, { speed: 1, maxWait: 1, write: () => undefined, sleep });
    expect(waits).toEqual([500, 1000, 1000]);
  });

  it('--play keeps a UTF-8 character split across two chunks whole', async () => {
    const bytes = Buffer.from('→é\n');
    let out = '';
    await play(
      [
        { stream: 'stdout', t: 0, bytes: bytes.subarray(0, 2), offset: 0 },
        { stream: 'stdout', t: 0, bytes: bytes.subarray(2), offset: 2 },
      ],
      { speed: 1, write: (t) => void (out += t) },
    );
    expect(out).toBe('→é\n');
  });

  it('--cast: a header, then [t, "o"|"m", text], CRLF as a terminal shows it', async () => {
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir: await tempDir('oneroof-replay-'),
    });
    const report = await replayLog({ path: seal!.paths.output });
    const [header, ...events] = [...castLines(report, outputChunks(report.source))].map(
      (l) => JSON.parse(l) as unknown,
    );
    expect(header).toMatchObject({ version: 2, width: 160, height: 48 });
    const text = (events as [number, string, string][])
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join('');
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text.replace(/\r\n/g, '\n')).toBe(readFileSync(seal!.paths.output, 'utf8'));
  });
});

describe('replay names what the packet names, from the log alone', () => {
  it('the start record’s packet: the state legend in text and HTML, the APR from the gate variable', async () => {
    const dir = await tempDir('oneroof-replay-packet-');
    const packet = {
      ...summarizePacket(SHIPPED_PACKET),
      state: summarizePacket(SHIPPED_PACKET).state.map((c, i) =>
        i === 0 ? { ...c, name: 'approvals' } : c,
      ),
    };
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir,
      packet,
      before: [
        ['state', { at: 'entry', vector: '1|0|210|0|0|0' }],
        ['state', { at: 'exit', vector: '1|210|0|0|5|0' }],
      ],
    });
    const report = await replayLog({ path: seal!.paths.output });
    expect(report.run.packet?.state[0]?.name).toBe('approvals');
    expect(report.run.apr).toBe('APR-2026-0142');
    const legend = 'approvals|ownership|gap|conflict|gov_emit|idle';
    expect(renderText(report)).toContain(`1|0|210|0|0|0 → 1|210|0|0|5|0  ${legend}`);
    const html = join(dir, 'report.html');
    writeHtml({ file: html, report, chunks: outputChunks(report.source) });
    expect(readFileSync(html, 'utf8')).toContain(`<span class="note">${legend}</span>`);
  });
});
