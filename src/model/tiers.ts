/**
 * The one tier state machine, for the live engine and for replay alike: every tier the run
 * expects is listed `pending` before anything runs, and psql's markers move each to `running`,
 * `ok` (its COMMIT marker), `skipped` or `failed`.
 *
 * `failed`: an ERROR ended the tier's transaction before its COMMIT marker (the server rolls it
 * back, ON_ERROR_STOP). `unknown`: the tier began and its end was never learnt (the connection
 * went, psql or the runner was killed, a FATAL may have landed after the COMMIT): the server
 * committed it or rolled it back, and only the target's ledger says which — `settle()` takes
 * that answer when the run read it.
 */
import type { PsqlEvent } from '../psql/events.js';
import { FULL_ROLLBACK_TIER } from '../contract/schema.js';
import type { TierStatus } from '../runlog/end-record.js';

export type { TierStatus };

export interface TierStep {
  /** The tier's number; the full rollback is FULL_ROLLBACK_TIER. */
  tier: number;
  name: string;
  status: TierStatus;
  durationMs?: number;
}

/** Which markers a tracker follows: a release's tiers, or a rollback's. */
export type TierKind = 'tier' | 'rollback';

export class TierTracker {
  readonly steps: TierStep[];
  private readonly began = new Map<number, number>();

  /** `clock`: milliseconds (the engine: Date.now; replay: the record's `t` × 1000). */
  constructor(
    tiers: readonly { tier: number; name: string }[],
    private readonly kind: TierKind,
    private readonly clock: () => number = Date.now,
    private readonly onChange?: (step: TierStep) => void,
  ) {
    this.steps = tiers.map((t) => ({ tier: t.tier, name: t.name, status: 'pending' }));
  }

  /** Lists these tiers pending, those it does not know yet (replay: the packet's, as live). */
  expect(tiers: readonly { tier: number; name: string }[]): void {
    for (const t of tiers)
      if (!this.steps.some((s) => s.tier === t.tier))
        this.steps.push({ tier: t.tier, name: t.name, status: 'pending' });
  }

  /** One psql event; returns the step it moved, if any. */
  take(event: PsqlEvent): TierStep | undefined {
    // An ERROR ends the tier's transaction before its COMMIT marker: rolled back. A FATAL (the
    // server shut down or ended the session) may land after the COMMIT and before the marker:
    // its tier is unknown until the ledger settles it. psql's own errors settle nothing.
    if (event.kind === 'message' && (event.severity === 'ERROR' || event.severity === 'FATAL')) {
      const status = event.severity === 'ERROR' ? 'failed' : 'unknown';
      for (const step of this.steps) if (step.status === 'running') this.set(step, status);
      return undefined;
    }
    if (event.kind !== 'tier' && event.kind !== 'rollback') return undefined;
    if (event.kind !== this.kind) return undefined;
    const number = event.tier === 'full' ? FULL_ROLLBACK_TIER : event.tier;
    let step = this.steps.find((s) => s.tier === number);
    if (step === undefined) {
      step = { tier: number, name: event.name, status: 'pending' };
      this.steps.push(step);
      this.steps.sort((a, b) => a.tier - b.tier);
    }
    step.name = event.name;
    if (event.phase === 'BEGIN') {
      this.began.set(number, this.clock());
      delete step.durationMs;
      this.set(step, 'running');
    } else if (event.phase === 'SKIP') this.set(step, 'skipped');
    else this.set(step, 'ok');
    return step;
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

  /**
   * A guard refused before any of the tier ran (ONEROOF REFUSED, nothing committed): the tier
   * the refusal's ERROR failed never started; it is pending again.
   */
  unstart(): void {
    for (const step of this.steps)
      if (step.status === 'failed') {
        step.status = 'pending';
        delete step.durationMs;
        this.onChange?.(step);
      }
  }

  private set(step: TierStep, status: TierStatus): void {
    step.status = status;
    const began = this.began.get(step.tier);
    if (status !== 'running' && status !== 'skipped' && began !== undefined)
      step.durationMs = this.clock() - began;
    this.onChange?.(step);
  }
}

/** The tier numbers of the steps that have one status. */
export function tiersWith(steps: readonly TierStep[], status: TierStatus): number[] {
  return steps.filter((s) => s.status === status).map((s) => s.tier);
}
