import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/audit/files.js';
import { verifyChain } from '../../src/audit/verify.js';
import { OneroofError } from '../../src/errors.js';
import { RunLog } from '../../src/runlog/writer.js';
import { runLogBase } from '../../src/runlog/log-name.js';
import { fixedClock, writeFixtureRun } from '../helpers/runlog-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const AT = new Date('2026-11-25T11:30:05.123Z');

function records(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('run log', () => {
  it('is named like the seed: kind and UTC stamp', () => {
    expect(runLogBase('rollout', AT)).toBe('rollout_20261125T113005Z');
    expect(runLogBase('preflight', AT, 1)).toBe('preflight_20261125T113005Z-2');
  });

  it('takes an injected clock and run id: the same run writes the same records, wherever and whenever', async () => {
    const [a, b] = [await tempDir('oneroof-log-'), await tempDir('oneroof-log-')];
    const first = writeFixtureRun({ psqlCase: 'assert-tier', dir: a }).seal!;
    const second = writeFixtureRun({ psqlCase: 'assert-tier', dir: b }).seal!;
    // Only the directory differs (the start record names the .log), and with it every chain digest.
    const text = (path: string, dir: string) =>
      readFileSync(path, 'utf8')
        .replaceAll(dir, '<DIR>')
        .replace(/"chain":"[0-9a-f]{64}"/g, '"chain":"…"');
    expect(text(second.paths.records, b)).toBe(text(first.paths.records, a));
    expect(second.run).toBe('00000000-0000-4000-8000-000000000001');
    expect(second.startedAt).toBe('2026-11-25T11:30:05.001Z');
    const rs = records(second.paths.records);
    // /4: the wall-clock time on the start and end records only (replay derives the others').
    expect(rs.slice(0, 3).map((r) => [r.t, r.time])).toEqual([
      [0, '2026-11-25T11:30:05.002Z'],
      [0.001, undefined],
      [0.002, undefined],
    ]);
    expect(rs[rs.length - 1]).toMatchObject({ record: 'end', time: expect.any(String) as string });
    const clock = fixedClock('2026-01-02T03:04:05.000Z', 'run-x');
    const log = RunLog.open({ dir: a, kind: 'verify', target: 'replica', ...clock });
    expect(log.close({ outcome: 'ok' })).toMatchObject({
      run: 'run-x',
      name: 'verify_20260102T030405Z',
    });
  });

  it('keeps psql output byte for byte, indexed with stream, offset and time', async () => {
    const dir = join(await tempDir('oneroof-log-'), 'nested', 'logs');
    const log = RunLog.open({ dir, kind: 'rollout', target: 'replica', now: () => AT });
    const a = Buffer.from('BEGIN\n');
    const b = Buffer.from([0xff, 0x00, 0x0a, 0xe6, 0xbc]); // not UTF-8: kept as is
    log.output('stdout', a);
    log.output('stderr', b);
    log.record('connected', { peer: { transport: 'ssh2', host: 'h' } });
    log.close({ outcome: 'ok' });
    expect(readFileSync(log.paths.output)).toEqual(Buffer.concat([a, b]));
    const rs = records(log.paths.records);
    // One record for both chunks (format 3), a piece per stream with its time; /4: the stream
    // only in the pieces, the first piece's time the record's t, wall-clock time on start and
    // end only.
    expect(rs.map((r) => r.record)).toEqual(['start', 'output', 'connected', 'end']);
    expect(rs[1]).toMatchObject({
      offset: 0,
      length: 11,
      sha256: createHash('sha256').update(a).update(b).digest('hex'),
    });
    expect(rs[1]).not.toHaveProperty('stream');
    expect(rs[1]).not.toHaveProperty('time');
    const pieces = rs[1]!.pieces as unknown[][];
    expect(pieces[0]).toEqual([6, 'o']);
    expect(pieces[1]!.slice(0, 2)).toEqual([5, 'e']);
    expect(pieces[1]!.length === 2 || (pieces[1]![2] as number) >= (rs[1]!.t as number)).toBe(true);
    expect(rs.filter((r) => 'time' in r).map((r) => [r.record, r.time])).toEqual([
      ['start', AT.toISOString()],
      ['end', AT.toISOString()],
    ]);
    expect(rs[3]).toMatchObject({ record: 'end', bytes: 11, log: { bytes: 11 }, outcome: 'ok' });
  });

  it('chains every record: seq, a monotonic t, and the chain digest; close() returns the seal', async () => {
    const dir = await tempDir('oneroof-log-');
    const log = RunLog.open({ dir, kind: 'rollout', target: 'replica', now: () => AT });
    log.record('connected', { peer: { transport: 'ssh2', host: 'h' } });
    log.logger.info({ record: 'direct' }, 'written through the logger itself');
    log.output('stdout', Buffer.from('x\n'));
    // The output record is held until its run of chunks ends (here: at close).
    const head = log.head;
    const seal = log.close({ outcome: 'ok' });
    expect(log.close()).toBe(seal);
    const rs = records(log.paths.records);
    expect(rs.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(rs[0]).toMatchObject({ record: 'start', format: 'oneroof-runlog/4', run: seal.run });
    const ts = rs.map((r) => r.t as number);
    expect([...ts].sort((x, y) => x - y)).toEqual(ts);
    expect(rs[2]!.chain).toBe(head);
    expect(rs[3]).toMatchObject({ record: 'output', offset: 0, length: 2 });
    expect(seal).toMatchObject({
      name: 'rollout_20261125T113005Z',
      target: 'replica',
      records: 5,
      head: rs[4]!.chain,
      log: { bytes: 2 },
      paths: log.paths,
    });
    expect(seal.run).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a crash leaves a valid prefix: what is on disk mid-run verifies, without an end record', async () => {
    const dir = await tempDir('oneroof-log-');
    const log = RunLog.open({ dir, kind: 'rollout', target: 'replica' });
    log.output('stdout', Buffer.from('BEGIN\n'));
    log.record('event', { event: { kind: 'tag' } });
    const chain = verifyChain(readLines(log.paths.records));
    let step = chain.next();
    let n = 0;
    while (step.done !== true) {
      n++;
      step = chain.next();
    }
    expect(n).toBe(3);
    expect(step.value).toMatchObject({ records: 3, head: log.head });
    expect(step.value.problem).toBeUndefined();
    expect(step.value.endLine).toBeUndefined();
    log.close();
  });

  it('never overwrites: a second run in the same second gets its own files', async () => {
    const dir = await tempDir('oneroof-log-');
    const first = RunLog.open({ dir, kind: 'rollout', target: 'replica', now: () => AT });
    const second = RunLog.open({ dir, kind: 'rollout', target: 'replica', now: () => AT });
    expect(second.paths.output).not.toBe(first.paths.output);
    expect(second.paths.output).toMatch(/rollout_20261125T113005Z-2\.log$/);
    first.close();
    second.close();
  });

  it('refuses to start when the directory cannot be written, naming it', async () => {
    const parent = await tempDir('oneroof-log-');
    const blocker = join(parent, 'file');
    writeFileSync(blocker, '');
    const error = (() => {
      try {
        RunLog.open({ dir: join(blocker, 'logs'), kind: 'rollout', target: 'replica' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(OneroofError);
    expect((error as OneroofError).kind).toBe('runtime');
    expect((error as OneroofError).message).toContain(join(blocker, 'logs'));
    expect((error as OneroofError).message).toContain('nothing was run');
    if (process.getuid?.() !== 0) {
      const ro = await tempDir('oneroof-log-');
      chmodSync(ro, 0o500);
      expect(() => RunLog.open({ dir: ro, kind: 'rollout', target: 'r' })).toThrow(
        /log not writable/,
      );
    }
  });

  it('redacts secret-named fields even if a caller passes them', async () => {
    const dir = await tempDir('oneroof-log-');
    const log = RunLog.open({ dir, kind: 'run', target: 'replica' });
    // A kind outside the catalogue, through the logger itself: redaction is pino's last line.
    log.logger.info({ record: 'auth', passphrase: 'hunter2', key: { password: 'swordfish' } });
    log.close();
    const text = readFileSync(log.paths.records, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('swordfish');
    expect(text).toContain('[redacted]');
    expect(existsSync(log.paths.output)).toBe(true);
  });
});
