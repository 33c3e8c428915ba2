/**
 * Where and when each tier's markers were seen in a replayed log (the timeline), kept beside
 * the tier state machine: the reconstruction feeds it the machine's moves and reads back the
 * tier tables of the report, the runner's own end-record list included.
 */
import type { TierKind, TierStep } from '../model/tiers.js';
import type { EndRecord } from '../runlog/end-record.js';
import type { TierReport } from './report.js';

/** Where and when a tier's markers were seen (the timeline), beside the state machine. */
export interface TierSeen {
  at?: string;
  note?: string;
  start?: number;
  end?: number;
}

export class TierTimeline {
  private readonly seen = new Map<string, TierSeen>();

  tierSeen(kind: TierKind, tier: number): TierSeen {
    const key = `${kind} ${tier}`;
    let seen = this.seen.get(key);
    if (seen === undefined) this.seen.set(key, (seen = {}));
    return seen;
  }

  /** The timeline of a tier the state machine moved: when it began and ended. */
  moved(kind: TierKind, step: TierStep, t: number | undefined): void {
    const seen = this.tierSeen(kind, step.tier);
    if (step.status === 'pending') {
      delete seen.start;
      delete seen.end;
    } else if (step.status === 'running') {
      delete seen.end;
      if (t !== undefined) seen.start = t;
    } else if (t !== undefined) {
      if (step.status === 'skipped') seen.start = t;
      seen.end = t;
    }
  }

  table(kind: TierKind, steps: readonly TierStep[]): TierReport[] {
    return steps.map((step) => {
      const seen = this.seen.get(`${kind} ${step.tier}`) ?? {};
      const out: TierReport = { tier: step.tier, name: step.name, status: step.status, ...seen };
      if (out.start !== undefined && out.end !== undefined)
        out.durationMs = Math.round((out.end - out.start) * 1000);
      return out;
    });
  }
}

/** The end record's tier list, with the timeline of the events; a difference is noted. */
export function runnerTable(
  listed: NonNullable<EndRecord['tiers']>,
  fromEvents: TierReport[],
  note: (text: string) => void,
): TierReport[] {
  return listed.map((entry) => {
    const status = (entry.status ?? entry.outcome)!;
    const seen = fromEvents.find((t) => t.tier === entry.tier);
    if (seen !== undefined && seen.status !== status)
      note(
        `tier ${entry.tier}: psql's markers say ${seen.status}, the runner's end record says ${status}`,
      );
    return {
      ...(seen ?? {}),
      tier: entry.tier,
      name: entry.name,
      status,
      ...(entry.durationMs == null ? {} : { durationMs: entry.durationMs }),
    };
  });
}
