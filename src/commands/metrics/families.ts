/**
 * What `--metrics FILE` says of each target of a run, as Prometheus gauges (docs/monitoring.md
 * lists them). Every sample is labelled `command` and `target`; the verdict is a state set
 * (both `go` and `no-go` present, the one that holds is 1), as kube-state-metrics does it.
 */
import type { ReleaseResult } from '../../engine/release.js';
import { EXIT } from '../../errors.js';
import type { Family, Sample } from './exposition.js';
import { LAST_SUCCESS, successKey, type Successes } from './previous.js';

export interface MeteredRun {
  result: ReleaseResult;
  /** Wall time of this target's run, as the command measured it. */
  seconds: number;
}

export interface RunFacts {
  runs: readonly MeteredRun[];
  /** When the file is written (seconds since the epoch). */
  now: number;
  /** --wait, 0 without it. */
  waitSeconds: number;
  previous: Successes;
}

/** Exit 0 and 3 are answers (GO, NO-GO, refused): the run worked. */
function answered(exitCode: number): boolean {
  return exitCode === EXIT.ok || exitCode === EXIT.noGo;
}

function gauge(name: string, help: string, samples: Sample[]): Family {
  return { name, help, type: 'gauge', samples };
}

export function families(facts: RunFacts): Family[] {
  const per = (f: (r: ReleaseResult, m: MeteredRun) => Sample[]) =>
    facts.runs.flatMap((m) => f(m.result, m));
  const at = (r: ReleaseResult, labels: Record<string, string> = {}) => ({
    command: r.command,
    target: r.target,
    ...labels,
  });
  const one = (value: number) => (r: ReleaseResult) => [{ labels: at(r), value }];
  return [
    gauge(
      'oneroof_run_exit_code',
      'Exit code of the last run (0 ok/GO, 1 runtime, 3 NO-GO, 4 assertion, 5 integrity, 6 locked).',
      per((r) => [{ labels: at(r), value: r.exitCode }]),
    ),
    gauge(
      'oneroof_run_outcome',
      'The last run ended with this outcome word (1); see oneroof --json outcome.',
      per((r) => [{ labels: at(r, { outcome: r.outcome }), value: 1 }]),
    ),
    gauge(
      'oneroof_verdict',
      'The gate verdict of the last run that reached one: 1 for the verdict that holds.',
      per((r) => verdictSamples(r, at)),
    ),
    gauge(
      'oneroof_run_duration_seconds',
      'Wall time of the last run on the target.',
      per((r, m) => [{ labels: at(r), value: round(m.seconds) }]),
    ),
    gauge(
      'oneroof_run_timestamp_seconds',
      'When the last run ended (Unix time).',
      per(one(facts.now)),
    ),
    gauge(
      LAST_SUCCESS,
      'When a run last answered (exit 0 or 3, Unix time); kept from the previous file when a run fails.',
      per((r) => lastSuccess(r, facts, at)),
    ),
    gauge(
      'oneroof_state_value',
      "The packet's state vector, per column, at the run's entry and exit.",
      per((r) => stateSamples(r, at)),
    ),
    gauge(
      'oneroof_lock_refused',
      'The last run found the target locked by another run (1) or not (0).',
      per((r) => [{ labels: at(r), value: r.exitCode === EXIT.locked ? 1 : 0 }]),
    ),
    gauge(
      'oneroof_lock_wait_limit_seconds',
      'How long the last run was allowed to wait for the run lock (--wait; 0: not at all).',
      per(one(facts.waitSeconds)),
    ),
    gauge(
      'oneroof_lock_wait_seconds',
      'How long the last run waited for the run lock (0: it was free); absent when it never got it.',
      per((r) => lockWaitSamples(r, at)),
    ),
  ];
}

type At = (r: ReleaseResult, labels?: Record<string, string>) => Record<string, string>;

function verdictSamples(r: ReleaseResult, at: At): Sample[] {
  const verdict = r.verdict ?? (r.exitCode === EXIT.noGo ? 'NO-GO' : undefined);
  if (verdict === undefined) return [];
  return [
    { labels: at(r, { verdict: 'go' }), value: verdict === 'GO' ? 1 : 0 },
    { labels: at(r, { verdict: 'no-go' }), value: verdict === 'NO-GO' ? 1 : 0 },
  ];
}

function lastSuccess(r: ReleaseResult, facts: RunFacts, at: At): Sample[] {
  const value = answered(r.exitCode)
    ? facts.now
    : facts.previous.get(successKey(r.command, r.target));
  return value === undefined ? [] : [{ labels: at(r), value }];
}

function stateSamples(r: ReleaseResult, at: At): Sample[] {
  const names = r.packet?.state.map((c) => c.name) ?? [];
  const out: Sample[] = [];
  for (const [point, vector] of [
    ['entry', r.state.entry],
    ['exit', r.state.exit],
  ] as const)
    vector?.values.forEach((value, i) =>
      out.push({ labels: at(r, { column: names[i] ?? `column_${i + 1}`, at: point }), value }),
    );
  return out;
}

/** The wait the server measured (ONEROOF LOCK ACQUIRED); none when the run never held the lock. */
function lockWaitSamples(r: ReleaseResult, at: At): Sample[] {
  if (r.lockWait !== undefined)
    return r.lockWait.seconds === null ? [] : [{ labels: at(r), value: r.lockWait.seconds }];
  // Not busy: held at once, as far as the run got to take it.
  if (r.command === 'status' || r.runOutcome === undefined || r.exitCode === EXIT.locked) return [];
  return [{ labels: at(r), value: 0 }];
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
