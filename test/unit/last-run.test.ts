/**
 * status's verdict on a run whose client went away: the log on this machine against what the
 * server says now (ledger, sessions alive). Logs written as the runner writes them, no database.
 */
import { describe, expect, it } from 'vitest';
import { findLastMutatingLog, lastUnfinishedRun } from '../../src/engine/last-run.js';
import type { AliveSession, LedgerRow } from '../../src/engine/probes.js';
import { writeFixtureRun } from '../helpers/runlog-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const release: [string, Record<string, unknown>] = [
  'release',
  { command: 'apply', target: 'replica', apr: 'APR-2026-0142', dryRun: false },
];
const row = (tier: number, applied: boolean): LedgerRow => ({
  tier,
  name: `tier${tier}`,
  applied,
  attempt: '1',
  fileSha256: '',
  aprCode: 'APR-2026-0142',
  appliedAt: '',
});
const orphan: AliveSession = {
  pid: 42,
  applicationName: 'oneroof apply op@laptop pid 7',
  state: 'active',
  backendStart: '',
  xactStart: '',
  holdsRunLock: true,
  lockMode: 'ExclusiveLock',
};

describe('the last unfinished run', () => {
  it('a crashed apply whose open tier is not in the ledger: rolled back by the server', async () => {
    const dir = await tempDir();
    writeFixtureRun({ psqlCase: 'assert-tier', dir, before: [release], crash: true });
    const last = await lastUnfinishedRun(dir, 'replica', [row(3, false)], []);
    expect(last).toMatchObject({ ended: 'incomplete', server: 'finished', rolledBack: [3] });
    expect(last!.message).toMatch(
      /ended without an end record; on the server tier 3 was rolled back/,
    );
  });

  it('the same run with its session still holding the run lock: still running', async () => {
    const dir = await tempDir();
    writeFixtureRun({ psqlCase: 'assert-tier', dir, before: [release], crash: true });
    const last = await lastUnfinishedRun(dir, 'replica', [], [orphan]);
    expect(last).toMatchObject({ server: 'running' });
    expect(last!.message).toMatch(/still running on the server/);
  });

  it('a run that ended normally, or another target’s, is not reported', async () => {
    const dir = await tempDir();
    writeFixtureRun({ psqlCase: 'assert-tier', dir, before: [release] });
    expect(await lastUnfinishedRun(dir, 'replica', [], [])).toBeUndefined();
    expect(findLastMutatingLog(dir, 'contabo')).toBeUndefined();
    expect(findLastMutatingLog(`${dir}/missing`, 'replica')).toBeUndefined();
  });
});
