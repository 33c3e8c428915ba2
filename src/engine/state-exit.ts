/**
 * A release run's state at exit: the main session's own last probe, under its lock; when an
 * error stopped it before that, a read-only session of its own (as the apply role, read-only by
 * the session setting, before the read role exists). After an apply, the ledger that session
 * reads settles the tiers whose commit the main session's output did not show.
 */
import type { PacketDescriptor } from '../contract/schema.js';
import type { RunResult, RunSession } from '../runner/run.js';
import {
  fingerprintOf,
  parseLedger,
  parseStateVector,
  sameState,
  type StateVector,
} from './probes.js';
import { readerMissing } from './reader.js';
import type { ReleaseSteps } from './release-steps.js';
import type { ReleaseCommand, ReleaseOptions } from './result.js';

export async function stateAtExit(
  session: RunSession,
  command: ReleaseCommand,
  options: ReleaseOptions,
  steps: ReleaseSteps,
  run: RunResult,
  entry: StateVector | undefined,
  columns: PacketDescriptor['state']['columns'],
): Promise<StateVector | undefined> {
  const { probes, tracker } = steps;
  let exit = parseStateVector(probes.lines('state_vector_exit'), columns);
  if (exit)
    session.record('state', {
      at: 'exit',
      vector: exit.text,
      ...fingerprintOf(probes.lines('fingerprint_exit')),
      ...(entry ? { unchanged: sameState(entry, exit, columns) } : {}),
    });
  else if (steps.exitStep && run.outcome !== 'lost') {
    try {
      let probe = await session.run(steps.exitStep);
      if (steps.exitFallback && readerMissing(probe, options.target.reader.user)) {
        session.record('reader-missing', {
          role: options.target.reader.user,
          step: 'state-exit',
        });
        probe = await session.run(steps.exitFallback);
      }
      if (probe.outcome === 'ok') {
        exit = parseStateVector(steps.exitProbes.lines('state_vector'), columns);
        // The main session is over: a tier the ledger shows applied committed in this run.
        const ledger = parseLedger(steps.exitProbes.lines('tier_status'));
        if (command === 'apply' && ledger && tracker) {
          const settled = tracker.settle(
            new Set(ledger.filter((r) => r.applied).map((r) => r.tier)),
          );
          if (settled.length > 0) session.record('tiers-settled', { committed: settled });
        }
      }
    } catch (error) {
      session.record('state-failed', { error: (error as Error).message });
    }
    if (exit)
      session.record('state', {
        at: 'exit',
        vector: exit.text,
        ...(entry ? { unchanged: sameState(entry, exit, columns) } : {}),
      });
  }
  return exit;
}
