/**
 * The one event summary of a run, for the live engine and for replay alike: what psql's events
 * add up to — the gate's verdict and checks, what verify saw, the assertions and errors, a
 * guard's refusal, a lock held by another run, the scripts that reached their end. An
 * incremental reducer in memory bounded by MAX_FINDINGS per list; the counts are exact.
 */
import { isErrorSeverity, type PsqlEvent } from '../psql/events.js';
import { markerOf } from '../psql/markers.js';
import { describePosition } from '../psql/position.js';

export const MAX_FINDINGS = 200;

/** The packet's last word in a dry run, right before its ROLLBACK (sql/README.md). */
const DRY_RUN_ROLLBACK = 'ONEROOF DRY-RUN ROLLBACK';

export interface Finding {
  kind: 'assertion' | 'error' | 'refused' | 'locked';
  text: string;
  scope?: string;
  check?: string;
  expected?: string;
  got?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  /** `file:line` in the packet (or psql's own location in a hand-made log). */
  at?: string;
  step?: string;
  time?: string;
}

export interface GateCheck {
  status: 'PASS' | 'FAIL' | 'INFO';
  check: string;
  observed: string;
  expected?: string;
  at?: string;
}

export interface Findings {
  verdict: 'GO' | 'NO-GO' | null;
  /** The checks a NO-GO named. */
  noGo: string[];
  /**
   * The DETAIL of the NO-GO that closed the gate (`<check>: expected <e>, got <o>; …`, the
   * marker contract): what a NO-GO raised outside the preflight's PASS/FAIL lines (a probe's
   * prerequisites, a tier's guard) is known by. Null: no NO-GO, or none with a DETAIL.
   */
  noGoDetail: string | null;
  checks: GateCheck[];
  verified: { check: string; observed: string }[];
  assertions: Finding[];
  /** Server errors (ERROR and up) that are not packet markers, psql's own errors, refusals. */
  errors: Finding[];
  /** A guard's reason (ONEROOF REFUSED), the last one. */
  refused: string | null;
  /** Who holds the run lock, when another run held it (ONEROOF LOCKED). */
  lockedBy: string | null;
  /**
   * --wait found the run lock busy (ONEROOF LOCK WAIT): who held it, and the seconds waited once
   * it was ours (ONEROOF LOCK ACQUIRED; null: never acquired). null: no wait.
   */
  lockWait: { holder: string; seconds: number | null } | null;
  counts: {
    assertions: number;
    errors: number;
    warnings: number;
    events: number;
    verified: number;
  };
  /** The scripts that reached their `ONEROOF END`. */
  endedScripts: string[];
  /** The sentinel nonces psql printed. */
  sentinels: string[];
  /** The packet said its dry run's final ROLLBACK is next. */
  dryRunRollback: boolean;
  /** What the far side last said on stderr (docker's "No such container", psql's own error). */
  lastStderr: string | null;
}

/** Where an event was seen, as replay knows it (the step of the log, the record's time). */
export interface Seen {
  step?: string | undefined;
  time?: string | undefined;
}

export class FindingsCollector {
  private readonly checks = new Map<string, GateCheck>();
  /** The DETAIL of the last server message: its marker event, if any, comes right after it. */
  private lastDetail: string | null = null;
  private readonly found: Findings = {
    verdict: null,
    noGo: [],
    noGoDetail: null,
    checks: [],
    verified: [],
    assertions: [],
    errors: [],
    refused: null,
    lockedBy: null,
    lockWait: null,
    counts: { assertions: 0, errors: 0, warnings: 0, events: 0, verified: 0 },
    endedScripts: [],
    sentinels: [],
    dryRunRollback: false,
    lastStderr: null,
  };

  take(event: PsqlEvent, seen: Seen = {}): void {
    const f = this.found;
    f.counts.events++;
    if (event.stream === 'stderr') {
      const text = ('text' in event ? event.text : event.raw.join(' ')).trim();
      if (text !== '') f.lastStderr = text.slice(0, 300);
    }
    const at = describePosition(event as { at?: { file: string; line: number } });
    const where = {
      ...(at === undefined ? {} : { at }),
      ...(seen.step === undefined ? {} : { step: seen.step }),
      ...(seen.time === undefined ? {} : { time: seen.time }),
    };
    const detail = (e: { detail?: string | undefined; hint?: string | undefined }) => ({
      ...(e.detail === undefined ? {} : { detail: e.detail }),
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    });
    if (event.kind === 'message') this.lastDetail = event.detail ?? null;
    switch (event.kind) {
      case 'message':
        if (event.text === DRY_RUN_ROLLBACK) f.dryRunRollback = true;
        if (isErrorSeverity(event.severity)) {
          // A packet marker (ASSERT, NO-GO, REFUSED, LOCKED) is reported as what it means.
          if (markerOf(event) !== undefined) break;
          this.error({
            kind: 'error',
            severity: event.severity,
            text: event.text,
            ...detail(event),
            ...where,
          });
        } else if (event.severity === 'WARNING') f.counts.warnings++;
        break;
      case 'psql-error':
        if (event.level === 'error' || event.level === 'fatal')
          this.error({
            kind: 'error',
            severity: `psql ${event.level}`,
            text: event.text,
            ...detail(event),
            ...where,
          });
        break;
      case 'preflight': {
        // A check's INFO and its verdict are two lines; one said again stands where said last.
        const key = `${event.status === 'INFO' ? 'info ' : ''}${event.check}`;
        this.checks.delete(key);
        this.checks.set(key, {
          status: event.status,
          check: event.check,
          observed: event.observed,
          ...(event.expected === undefined ? {} : { expected: event.expected }),
          ...(at === undefined ? {} : { at }),
        });
        break;
      }
      case 'verdict':
        // A NO-GO after a GO (a tier's own guard) closes the gate: the last verdict stands.
        f.verdict = event.verdict;
        if (event.verdict === 'NO-GO') {
          for (const check of event.checks) if (!f.noGo.includes(check)) f.noGo.push(check);
          f.noGoDetail = this.lastDetail;
        }
        break;
      case 'verify':
        f.counts.verified++;
        if (f.verified.length < MAX_FINDINGS * 5)
          f.verified.push({ check: event.check, observed: event.observed });
        break;
      case 'assertion':
        f.counts.assertions++;
        keep(f.assertions, {
          kind: 'assertion',
          text: `ASSERT ${event.scope}.${event.check}: ${event.text}`,
          scope: event.scope,
          check: event.check,
          ...(event.expected === undefined ? {} : { expected: event.expected }),
          ...(event.got === undefined ? {} : { got: event.got }),
          ...where,
        });
        break;
      case 'refused':
        f.refused = event.reason;
        this.error({ kind: 'refused', text: `ONEROOF REFUSED: ${event.reason}`, ...where });
        break;
      case 'locked':
        // Another run holds the target's lock: nothing of this run's script ran.
        f.lockedBy = event.holder;
        break;
      case 'lock-wait':
        // preflight waits for two locks: the holders of the first, the seconds of both.
        if (event.phase === 'waiting')
          f.lockWait = { holder: f.lockWait?.holder ?? event.holder ?? '', seconds: null };
        else if (f.lockWait !== null)
          f.lockWait.seconds = (f.lockWait.seconds ?? 0) + (event.seconds ?? 0);
        break;
      case 'end':
        f.endedScripts.push(event.script);
        break;
      case 'sentinel':
        if (f.sentinels.length < MAX_FINDINGS) f.sentinels.push(event.nonce);
        break;
      case 'tier':
      case 'rollback':
      case 'tag':
      case 'output':
        break;
    }
  }

  /** Query output lines the parser only counted (src/psql/parse.ts: onOutputLines). */
  countOutput(lines: number): void {
    this.found.counts.events += lines;
  }

  /** What the events so far add up to (a snapshot; the collector goes on). */
  get findings(): Findings {
    return { ...this.found, checks: [...this.checks.values()] };
  }

  private error(finding: Finding): void {
    this.found.counts.errors++;
    keep(this.found.errors, finding);
  }
}

function keep(list: Finding[], finding: Finding): void {
  if (list.length < MAX_FINDINGS) list.push(finding);
}

/** The events of one step, summed up at once. */
export function summarize(events: Iterable<PsqlEvent>): Findings {
  const collector = new FindingsCollector();
  for (const event of events) collector.take(event);
  return collector.findings;
}
