/**
 * The group's pool (src/commands/run/fleet.ts): never more members at once than the bound, the
 * bound reached, every member run once, the results in the group's order, a member that throws
 * one failed result. Counted, not timed: each member holds its slot across a few awaits.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY, runFleet, runSerial } from '../../src/commands/run/fleet.js';
import { summarizeGroup, summaryLine } from '../../src/model/group-summary.js';
import { OneroofError } from '../../src/errors.js';
import type { ReleaseResult } from '../../src/engine/release.js';
import type { Target } from '../../src/inventory/load.js';
import { captureUi } from '../helpers/capture-ui.js';
import { GroupView } from '../../src/commands/live/group-view.js';

const ignore = (): void => undefined;

const group = (n: number): Target[] =>
  Array.from({ length: n }, (_, i) => ({ name: `t${i + 1}` }) as Target);

/** A member that holds its slot for a few turns of the event loop and counts who is inside. */
function counted() {
  const seen = { active: 0, peak: 0, runs: [] as string[] };
  const one = async (target: Target): Promise<ReleaseResult> => {
    seen.active++;
    seen.peak = Math.max(seen.peak, seen.active);
    seen.runs.push(target.name);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    seen.active--;
    return { target: target.name, exitCode: 0, message: 'ok' } as ReleaseResult;
  };
  return { seen, one };
}

describe('the fleet pool', () => {
  it.each([
    [1, 5],
    [3, 10],
    [DEFAULT_CONCURRENCY, 16],
    [8, 3],
    [64, 16],
  ])(
    '--concurrency %i over %i targets: never more at once, the bound reached',
    async (limit, n) => {
      const { seen, one } = counted();
      const results = await runFleet(ignore, 'preflight', group(n), limit, one);
      expect(seen.peak).toBe(Math.min(limit, n));
      expect(seen.active).toBe(0);
      expect([...seen.runs].sort()).toEqual(
        group(n)
          .map((t) => t.name)
          .sort(),
      );
      expect(results.map((r) => r.target)).toEqual(group(n).map((t) => t.name));
    },
  );

  it('a member that throws is one failed result; the others still run', async () => {
    const { ui, out } = captureUi(false);
    const { seen, one } = counted();
    const view = new GroupView(ui, { command: 'status', verbose: false }, group(6));
    const ended = (t: Target, r: ReleaseResult) => view.ended(t, r);
    const results = await runFleet(ended, 'status', group(6), 2, (target) =>
      target.name === 't3'
        ? Promise.reject(new OneroofError('config', 'no such alias'))
        : one(target),
    );
    expect(seen.runs).toHaveLength(5);
    expect(results[2]).toMatchObject({ target: 't3', outcome: 'error', exitCode: 2 });
    expect(results.filter((r) => r.exitCode === 0)).toHaveLength(5);
    expect(out.stderr).toContain('t3: no such alias\n');
  });

  it.each([0, -1, 1.5, Number.NaN])('a bound of %s is refused, not an empty run', async (limit) => {
    await expect(runFleet(ignore, 'status', group(2), limit, counted().one)).rejects.toThrow(
      /expected a concurrency of 1 or more/,
    );
  });
});

describe('--serial: a mutating group, batch by batch, stopping at the first failure', () => {
  const failingAt =
    (bad: string, seen: string[]) =>
    async (target: Target): Promise<ReleaseResult> => {
      seen.push(target.name);
      await new Promise((resolve) => setImmediate(resolve));
      return {
        target: target.name,
        exitCode: target.name === bad ? 4 : 0,
        outcome: target.name === bad ? 'assertion-failed' : 'applied',
        message: '',
      } as ReleaseResult;
    };

  it.each([
    [1, 't2', ['t1', 't2'], ['t3', 't4', 't5']],
    [2, 't3', ['t1', 't2', 't3', 't4'], ['t5']],
    [2, 't5', ['t1', 't2', 't3', 't4', 't5'], []],
    [5, 't1', ['t1', 't2', 't3', 't4', 't5'], []],
  ])('serial %i, %s fails: ran %j, not started %j', async (batch, bad, ran, notStarted) => {
    const seen: string[] = [];
    const run = await runSerial(ignore, 'apply', group(5), batch, failingAt(bad, seen));
    expect(run.results.map((r) => r.target)).toEqual(ran);
    expect([...seen].sort()).toEqual(ran);
    expect(run.notStarted.map((t) => t.name)).toEqual(notStarted);
  });

  it('no failure: every member, in order', async () => {
    const run = await runSerial(ignore, 'rollback', group(4), 1, failingAt('none', []));
    expect(run.results.map((r) => r.target)).toEqual(['t1', 't2', 't3', 't4']);
    expect(run.notStarted).toEqual([]);
  });

  it('the recap counts exit codes and the unreachable outcome, and the not started', () => {
    const summary = summarizeGroup(
      [
        { target: 'a', exitCode: 0, outcome: 'GO' },
        { target: 'b', exitCode: 3, outcome: 'NO-GO' },
        { target: 'c', exitCode: 1, outcome: 'unreachable' },
        { target: 'd', exitCode: 6, outcome: 'locked' },
        { target: 'e', exitCode: 1, outcome: 'error' },
        { target: 'f', exitCode: 4, outcome: 'assertion-failed' },
      ],
      ['g'],
    );
    expect(summary).toMatchObject({
      targets: 7,
      ok: 1,
      noGo: 1,
      unreachable: 1,
      locked: 1,
      failed: 2,
      notStarted: 1,
    });
    expect(summary.members.map((m) => m.status)).toEqual([
      'ok',
      'NO-GO',
      'unreachable',
      'locked',
      'failed',
      'failed',
      'not-started',
    ]);
    expect(summaryLine('preflight', summary)).toBe(
      'GO 1, NO-GO 1, unreachable 1, locked 1, failed 2, not started 1',
    );
    expect(summaryLine('status', { ...summary, notStarted: 0 })).toBe(
      'ok 1, NO-GO 1, unreachable 1, locked 1, failed 2',
    );
  });
});
