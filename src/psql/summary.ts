/**
 * What a run's events add up to: a pure reducer the runner and replay share. Tier outcomes come
 * from the markers: BEGIN → 'begun', SKIP → 'skipped', COMMIT → 'committed'; a tier still
 * 'begun' when an error arrives is 'failed' (its transaction is rolled back by ON_ERROR_STOP's
 * stop). COMMIT is the packet's own marker, raised just before its COMMIT statement: a run cut
 * between the two shows 'committed' without the `COMMIT` tag — `lastTag` tells.
 */
import {
  isErrorSeverity,
  type AssertionEvent,
  type MessageEvent,
  type Position,
  type PreflightEvent,
  type PsqlErrorEvent,
  type PsqlEvent,
  type TagEvent,
  type VerifyEvent,
} from './events.js';

export type TierOutcome = 'begun' | 'skipped' | 'committed' | 'failed';

export interface TierState {
  name: string;
  outcome: TierOutcome;
  /** Where the last marker for it was raised. */
  at?: Position;
}

export interface PsqlSummary {
  verdict?: 'GO' | 'NO-GO';
  /** The checks a NO-GO named. */
  noGo: string[];
  preflight: PreflightEvent[];
  tiers: Map<number, TierState>;
  rollbacks: Map<number | 'full', TierState>;
  verified: VerifyEvent[];
  assertions: AssertionEvent[];
  refused?: string;
  /** Who holds the lock, when the run was refused by it. */
  locked?: string;
  /** Server messages of severity ERROR and up, and psql's own errors (level error or fatal). */
  errors: (MessageEvent | PsqlErrorEvent)[];
  warnings: MessageEvent[];
  /** An `ONEROOF END` marker was seen (the entry script's last statement ran). */
  ended: boolean;
  endedScripts: string[];
  /** The nonce of the sentinel line, if psql printed it. */
  sentinel?: string;
  lastTag?: TagEvent;
}

export function summarize(events: Iterable<PsqlEvent>): PsqlSummary {
  const summary: PsqlSummary = {
    noGo: [],
    preflight: [],
    tiers: new Map(),
    rollbacks: new Map(),
    verified: [],
    assertions: [],
    errors: [],
    warnings: [],
    ended: false,
    endedScripts: [],
  };
  const state = (name: string, outcome: TierOutcome, at: Position | undefined): TierState =>
    at === undefined ? { name, outcome } : { name, outcome, at };
  const failOpen = (): void => {
    for (const map of [summary.tiers, summary.rollbacks] as Map<unknown, TierState>[])
      for (const tier of map.values()) if (tier.outcome === 'begun') tier.outcome = 'failed';
  };
  for (const event of events) {
    switch (event.kind) {
      case 'message':
        if (isErrorSeverity(event.severity)) {
          summary.errors.push(event);
          // Only an ERROR settles the open tier (rolled back); after a FATAL it stays begun.
          if (event.severity === 'ERROR') failOpen();
        } else if (event.severity === 'WARNING') summary.warnings.push(event);
        break;
      case 'psql-error':
        if (event.level === 'error' || event.level === 'fatal') {
          summary.errors.push(event);
        }
        break;
      case 'preflight':
        summary.preflight.push(event);
        break;
      case 'verdict':
        // A NO-GO after a GO (a tier's own guard) closes the gate: the last verdict stands.
        summary.verdict = event.verdict;
        if (event.verdict === 'NO-GO') summary.noGo.push(...event.checks);
        break;
      case 'tier':
        summary.tiers.set(event.tier, state(event.name, outcomeOf(event.phase), event.at));
        break;
      case 'rollback':
        summary.rollbacks.set(event.tier, state(event.name, outcomeOf(event.phase), event.at));
        break;
      case 'verify':
        summary.verified.push(event);
        break;
      case 'assertion':
        summary.assertions.push(event);
        break;
      case 'refused':
        summary.refused = event.reason;
        break;
      case 'locked':
        summary.locked = event.holder;
        break;
      case 'end':
        summary.ended = true;
        summary.endedScripts.push(event.script);
        break;
      case 'sentinel':
        summary.sentinel = event.nonce;
        break;
      case 'tag':
        summary.lastTag = event;
        break;
      case 'output':
        break;
    }
  }
  return summary;
}

function outcomeOf(phase: 'BEGIN' | 'SKIP' | 'COMMIT'): TierOutcome {
  return phase === 'BEGIN' ? 'begun' : phase === 'SKIP' ? 'skipped' : 'committed';
}

/** `file:line` of a position, or psql's own location, for messages to a human. */
export function describePosition(event: {
  at?: Position;
  location?: { input: string; line: number };
}): string | undefined {
  if (event.at !== undefined) return `${event.at.file}:${event.at.line}`;
  if (event.location !== undefined) return `${event.location.input}:${event.location.line}`;
  return undefined;
}
