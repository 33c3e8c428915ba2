/**
 * A run as a pre-filled list of steps: every tier the packet has (its packet.yml) is listed
 * `pending` before anything runs, and the markers move each to `running`, `ok`, `skipped` or
 * `failed`. That list is what the summary, --json and the log's end record print, so a report
 * of a half-finished run is exact.
 *
 * `failed`: an error ended the tier's transaction before its COMMIT marker (the server rolls it
 * back). `unknown`: the tier began and the client never learnt its end (the connection went,
 * the runner or psql was killed): the server may have committed it or rolled it back, and only
 * the target's ledger says which (`oneroof status`, `oneroof replay --target`).
 */
import { FULL_ROLLBACK_TIER } from '../contract/schema.js';
import type { PsqlEvent } from '../psql/events.js';

export type StepStatus = 'pending' | 'running' | 'ok' | 'failed' | 'skipped' | 'unknown';

export interface TierStep {
  tier: number;
  name: string;
  status: StepStatus;
  durationMs?: number;
}

export class StepTracker {
  readonly steps: TierStep[];
  private readonly began = new Map<number, number>();

  constructor(
    tiers: readonly { tier: number; name: string }[],
    private readonly kind: 'tier' | 'rollback',
    private readonly clock: () => number = Date.now,
    private readonly onChange?: (step: TierStep) => void,
  ) {
    this.steps = tiers.map((t) => ({ ...t, status: 'pending' }));
  }

  take(event: PsqlEvent): void {
    // An ERROR ends the tier's transaction before its COMMIT marker: rolled back. A FATAL (the
    // server shut down or ended the session) may land after the COMMIT and before the marker:
    // its tier is unknown until the ledger settles it.
    if (event.kind === 'message' && (event.severity === 'ERROR' || event.severity === 'FATAL')) {
      const status = event.severity === 'ERROR' ? 'failed' : 'unknown';
      for (const step of this.steps) if (step.status === 'running') this.set(step, status);
      return;
    }
    if (event.kind !== this.kind) return;
    if (event.kind !== 'tier' && event.kind !== 'rollback') return;
    const number = event.tier === 'full' ? FULL_ROLLBACK_TIER : event.tier;
    let step = this.steps.find((s) => s.tier === number);
    if (step === undefined) {
      step = { tier: number, name: event.name, status: 'pending' };
      this.steps.push(step);
    }
    step.name = event.name;
    if (event.phase === 'BEGIN') {
      this.began.set(number, this.clock());
      this.set(step, 'running');
    } else if (event.phase === 'SKIP') this.set(step, 'skipped');
    else this.set(step, 'ok');
  }

  /** After the run: a step still running never told its end (the connection went, a kill). */
  finish(): void {
    for (const step of this.steps) if (step.status === 'running') this.set(step, 'unknown');
  }

  /**
   * The target's ledger, read after the run's session ended, settles a tier the client saw
   * begin and not commit: applied there means it committed (the marker was lost, or a cancel
   * landed on it after the COMMIT). Returns the tiers it changed.
   */
  settle(applied: ReadonlySet<number>): number[] {
    const changed: number[] = [];
    for (const step of this.steps)
      if ((step.status === 'failed' || step.status === 'unknown') && applied.has(step.tier)) {
        step.status = 'ok';
        changed.push(step.tier);
        this.onChange?.(step);
      }
    return changed;
  }

  private set(step: TierStep, status: StepStatus): void {
    step.status = status;
    const began = this.began.get(step.tier);
    if (status !== 'running' && status !== 'skipped' && began !== undefined)
      step.durationMs = this.clock() - began;
    this.onChange?.(step);
  }
}
