/**
 * A group of targets: the read-only commands run on every member, a bounded number at once;
 * a member that fails to run is one failed result, never the end of the others. The group's
 * exit code is the worst of its members' (src/model/group-exit.ts).
 */
import type { Ui } from '../io.js';
import { EXIT, OneroofError } from '../../errors.js';
import type { Target } from '../../inventory/load.js';
import type { ReleaseCommand, ReleaseResult } from '../../engine/release.js';

/** Runs `one` on every target, `limit` at a time; the results in the targets' order. */
export async function runFleet(
  ui: Ui,
  command: ReleaseCommand,
  targets: readonly Target[],
  limit: number,
  one: (target: Target) => Promise<ReleaseResult>,
): Promise<ReleaseResult[]> {
  const results: ReleaseResult[] = new Array<ReleaseResult>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      try {
        results[index] = await one(target);
      } catch (error) {
        results[index] = failed(command, target, error);
      }
      ui.info(`${target.name}: ${results[index].message}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, targets.length) }, worker));
  return results;
}

function failed(command: ReleaseCommand, target: Target, error: unknown): ReleaseResult {
  const exitCode = error instanceof OneroofError ? error.exitCode : EXIT.runtime;
  return {
    command,
    target: target.name,
    exitCode,
    outcome: 'error',
    message: error instanceof Error ? error.message : String(error),
    dryRun: false,
    manifestSha256: '',
    state: {},
    preflight: [],
    noGo: [],
    tiers: [],
    verified: [],
    assertions: [],
    errors: [],
    probes: {},
    durationMs: 0,
  };
}
