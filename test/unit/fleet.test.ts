/**
 * The group's pool (src/commands/run/fleet.ts): never more members at once than the bound, the
 * bound reached, every member run once, the results in the group's order, a member that throws
 * one failed result. Counted, not timed: each member holds its slot across a few awaits.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY, runFleet } from '../../src/commands/run/fleet.js';
import { OneroofError } from '../../src/errors.js';
import type { ReleaseResult } from '../../src/engine/release.js';
import type { Target } from '../../src/inventory/load.js';
import { captureUi } from '../helpers/capture-ui.js';

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
      const { ui } = captureUi(false);
      const { seen, one } = counted();
      const results = await runFleet(ui, 'preflight', group(n), limit, one);
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
    const results = await runFleet(ui, 'status', group(6), 2, (target) =>
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
    const { ui } = captureUi(false);
    await expect(runFleet(ui, 'status', group(2), limit, counted().one)).rejects.toThrow(
      /expected a concurrency of 1 or more/,
    );
  });
});
