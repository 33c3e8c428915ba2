/**
 * The state before the prompt of an apply or rollback: the state vector and the ledger, read in
 * a read-only session of their own (the read role, or before it exists the apply role read-only
 * by the session setting), and what the change will be tier by tier (`before → after`). The
 * operator confirms that; the main session is then held to it (src/engine/state-guard.ts).
 */
import type { RunSession } from '../runner/run.js';
import type { PacketDescriptor } from '../contract/schema.js';
import { releaseTiers } from '../contract/summary.js';
import { parseLedger, parseStateVector, type StateVector } from './probes.js';
import { readerMissing } from './reader.js';
import type { ReleaseSteps } from './release-steps.js';
import { guardOf, type StateGuard } from './state-guard.js';
import type { Confirmation, ReleaseCommand, ReleaseOptions } from './result.js';

export interface StateBefore {
  vector?: StateVector;
  /** The tiers the ledger showed applied; undefined: not read. */
  applied?: number[];
  guard?: StateGuard;
}

/** Reads it; a probe that fails is recorded and leaves the state unknown (never a guess). */
export async function readBefore(
  session: RunSession,
  options: ReleaseOptions,
  steps: ReleaseSteps,
  columns: PacketDescriptor['state']['columns'],
): Promise<StateBefore> {
  if (steps.beforeStep === undefined) return {};
  try {
    let probe = await session.run(steps.beforeStep);
    if (steps.beforeFallback && readerMissing(probe, options.target.reader.user)) {
      session.record('reader-missing', { role: options.target.reader.user, step: 'state-before' });
      probe = await session.run(steps.beforeFallback);
    }
    if (probe.outcome !== 'ok') return {};
  } catch (error) {
    session.record('state-failed', { error: (error as Error).message, step: 'state-before' });
    return {};
  }
  const found = steps.beforeProbes;
  const vector = parseStateVector(found.lines('state_vector'), columns);
  const ledger = parseLedger(found.lines('tier_status'));
  const guard = guardOf(found.lines('state_columns'));
  return {
    ...(vector ? { vector } : {}),
    ...(ledger ? { applied: ledger.filter((r) => r.applied).map((r) => r.tier) } : {}),
    ...(guard ? { guard } : {}),
  };
}

type TierWord = Confirmation['change']['steps'][number]['before'];

/** Every tier of the release, before and after, as the run would leave it. */
export function changeSteps(
  command: ReleaseCommand,
  options: ReleaseOptions,
  d: PacketDescriptor,
  before: StateBefore,
): Confirmation['change']['steps'] {
  return releaseTiers(d).map(({ tier, name }) => {
    const was: TierWord =
      before.applied === undefined
        ? 'unknown'
        : before.applied.includes(tier)
          ? 'applied'
          : 'pending';
    const touched =
      command === 'apply'
        ? options.dryRun !== true
        : options.rollback === 'full' || options.rollback === tier;
    const after: TierWord = !touched ? was : command === 'apply' ? 'applied' : 'pending';
    return { tier, name, before: was, after };
  });
}
