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
import { EXIT, OneroofError } from '../../errors.js';
import type { Target } from '../../inventory/load.js';
import type { ReleaseCommand, ReleaseResult } from '../../engine/release.js';
import { UNREACHABLE } from '../../model/group-summary.js';
import { isUnreachable } from './reach.js';

/** How many members of a group run at once unless --concurrency says otherwise. */
export const DEFAULT_CONCURRENCY = 4;

/** Told of each member as it ends (the group's live view, ../live/group-view.ts). */
export type MemberEnded = (target: Target, result: ReleaseResult) => void;

/** Runs `one` on every target, at most `limit` at a time; the results in the targets' order. */
export async function runFleet(
  ended: MemberEnded,
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
        results[index] = failedResult(command, target.name, error);
      }
      ended(target, results[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, targets.length) }, worker));
  return results;
}

/**
 * A mutating run on a group (Ansible's `serial`): `batch` members at once, the next batch only
 * when every member of this one ended with exit 0; at the first failure the rest are not
 * started. A member that has started is never stopped by another's failure: it ends as it
 * would alone (its open tier commits or rolls back whole).
 */
export async function runSerial(
  ended: MemberEnded,
  command: ReleaseCommand,
  targets: readonly Target[],
  batch: number,
  one: (target: Target) => Promise<ReleaseResult>,
): Promise<{ results: ReleaseResult[]; notStarted: Target[] }> {
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`runSerial: expected a batch of 1 or more, got ${batch}`);
  const results: ReleaseResult[] = [];
  for (let start = 0; start < targets.length; start += batch) {
    const ran = await runFleet(ended, command, targets.slice(start, start + batch), batch, one);
    results.push(...ran);
    if (ran.some((r) => r.exitCode !== EXIT.ok))
      return { results, notStarted: targets.slice(start + batch) };
  }
  return { results, notStarted: [] };
}

/** A run that could not start or failed outside the engine: the result every run has. */
export function failedResult(
  command: ReleaseCommand,
  target: string,
  error: unknown,
): ReleaseResult {
  const exitCode = error instanceof OneroofError ? error.exitCode : EXIT.runtime;
  return {
    command,
    target,
    exitCode,
    outcome: isUnreachable(error) ? UNREACHABLE : 'error',
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
