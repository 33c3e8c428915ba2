/**
 * A group of targets: the read-only commands run on every member, a bounded number at once;
 * a member that fails to run is one failed result, never the end of the others. The group's
 * exit code is the worst of its members' (src/model/group-exit.ts).
 *
 * The bound: each member costs a connection, an sshd session, a docker exec and a psql
 * backend on its server, and here a share of this one process's CPU (bundling, parsing, the
 * log's hashing). Four at once keeps a 2-core operator box busy without queueing every
 * member behind the same cores; on a bigger box, --concurrency up to 64.
 */
import type { Ui } from '../io.js';
import { EXIT, OneroofError } from '../../errors.js';
import type { Target } from '../../inventory/load.js';
import type { ReleaseCommand, ReleaseResult } from '../../engine/release.js';

/** How many members of a group run at once unless --concurrency says otherwise. */
export const DEFAULT_CONCURRENCY = 4;

/** Runs `one` on every target, at most `limit` at a time; the results in the targets' order. */
export async function runFleet(
  ui: Ui,
  command: ReleaseCommand,
  targets: readonly Target[],
  limit: number,
  one: (target: Target) => Promise<ReleaseResult>,
): Promise<ReleaseResult[]> {
  // No worker would leave every result a hole: a bad bound is a bug, not an empty run.
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`runFleet: expected a concurrency of 1 or more, got ${limit}`);
  const results: ReleaseResult[] = new Array<ReleaseResult>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      try {
        results[index] = await one(target);
      } catch (error) {
        results[index] = failedResult(command, target, error);
      }
      ui.info(`${target.name}: ${results[index].message}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, targets.length) }, worker));
  return results;
}

/** A member (or a lone target) whose run threw: one failed result, its error's exit code. */
export function failedResult(
  command: ReleaseCommand,
  target: Target,
  error: unknown,
): ReleaseResult {
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
