/**
 * A release run's result: the model's judgement (src/model/judge.ts) and findings as the
 * engine's result, the probes the run's output answered, the run log's end record, and the note
 * for a Ctrl-C that came too late to cancel anything; for status, the last run that did not end.
 */
import { EXIT } from '../errors.js';
import { judge, type RunFacts, type RunOutcome } from '../model/judge.js';
import { failedEnd } from '../runner/outcome.js';
import type { RunSession, SessionClose } from '../runner/run.js';
import type { PacketDescriptor } from '../contract/schema.js';
import {
  parseAlive,
  parseApprovals,
  parseLedger,
  singleLine,
  type ProbeCollector,
} from './probes.js';
import { READ_ONLY } from './release-options.js';
import type { ReleaseCommand, ReleaseOptions, ReleaseResult } from './result.js';

/**
 * A Ctrl-C that came after the run's session had ended cancelled nothing: a success says so
 * (never "asking the server to cancel…" and then a silent success). The CLI calls it again
 * for a Ctrl-C during the log's sealing.
 */
export function noteLateCancel(result: ReleaseResult, signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true || result.exitCode !== EXIT.ok || /too late/.test(result.message))
    return;
  result.message += ' — the cancel came too late: the run had already ended';
}

/** status: the last apply/rollback logged here that did not end normally, and its fate. */
export async function noteLastRun(
  result: ReleaseResult,
  session: RunSession,
  options: ReleaseOptions,
): Promise<void> {
  // A run whose client went away: did it go on, or roll back? (its log here vs the server)
  try {
    // Loaded here, for status only: it brings the whole replay (src/audit/), which no other
    // command's run needs.
    const { lastUnfinishedRun } = await import('./last-run.js');
    const last = await lastUnfinishedRun(
      options.logDir,
      options.target.name,
      result.probes.ledger ?? [],
      result.probes.alive ?? [],
    );
    if (last) {
      result.lastRun = last;
      session.record('last-run', { ...last });
    }
  } catch (error) {
    session.record('last-run-failed', { error: (error as Error).message });
  }
}

/** The end record (what the run says of itself), then the anchor for mutating runs. */
export function closeRun(
  session: RunSession,
  command: ReleaseCommand,
  result: ReleaseResult | undefined,
  failure?: unknown,
): Promise<SessionClose> {
  return session.close(
    result === undefined
      ? failedEnd(failure)
      : {
          outcome: result.outcome,
          exitCode: result.exitCode,
          message: result.message,
          runOutcome: result.runOutcome ?? null,
          tiers: result.tiers,
          state: {
            entry: result.state.entry?.text ?? null,
            exit: result.state.exit?.text ?? null,
          },
        },
    // Mutating runs leave their log's head on the target (src/runlog/anchor.ts); read-only
    // runs write nothing there at all.
    { anchor: !READ_ONLY[command] },
  );
}

export function collectProbes(
  probes: ProbeCollector,
  d: PacketDescriptor,
): ReleaseResult['probes'] {
  const out: ReleaseResult['probes'] = {};
  for (const p of d.probes.verify) {
    const lines = probes.lines(p.name);
    // A one-line probe that printed anything else did not answer: left out, never half shown.
    if (lines !== undefined && (p.lines === 'many' || lines.length === 1))
      (out.verify ??= {})[p.name] = lines;
  }
  const fingerprint = singleLine(probes.lines('fingerprint'));
  if (fingerprint !== undefined) out.fingerprint = fingerprint;
  const ledger = parseLedger(probes.lines('tier_status'));
  if (ledger !== undefined) out.ledger = ledger;
  const approvals = parseApprovals(probes.lines('gate'));
  if (approvals !== undefined) out.approvals = approvals;
  const alive = parseAlive(probes.lines('alive'));
  if (alive !== undefined) out.alive = alive;
  return out;
}

export function logFailureOf(
  error: string | undefined,
  session: RunSession,
): { records: string; error: string } | undefined {
  return error === undefined ? undefined : { records: session.log.paths.records, error };
}

/**
 * The log's failure that the run's judgement did not know of: it came after the judgement (its
 * end record, its last fsync, a record after it). Such a run is judged again with it, by
 * release and reader setup alike: the exit code never says more than the log on disk holds.
 */
export function unjudgedFailure(closed: SessionClose, judgedWith: unknown): string | undefined {
  return judgedWith === undefined ? closed.seal.failure : undefined;
}

/** The result once the log is closed: judged again on a failure it did not know of. */
export function judgedAtClose(
  result: ReleaseResult,
  facts: RunFacts,
  closed: SessionClose,
  session: RunSession,
): ReleaseResult {
  const late = unjudgedFailure(closed, facts.logFailure);
  if (late === undefined) return result;
  return judged({ ...facts, logFailure: logFailureOf(late, session) }, result.runOutcome, result);
}

/** The model's judgement (src/model/judge.ts) and findings, as the engine's result. */
export function judged(
  facts: RunFacts,
  runOutcome: RunOutcome | undefined,
  partial: Partial,
): ReleaseResult {
  const verdict = judge(facts);
  const f = facts.findings;
  return {
    ...partial,
    preflight: f.checks,
    ...(f.verdict === null ? {} : { verdict: f.verdict }),
    noGo: f.noGo,
    verified: f.verified,
    assertions: f.assertions,
    errors: f.errors,
    ...(f.refused === null ? {} : { refused: f.refused }),
    ...(f.lockedBy === null ? {} : { lockHolder: f.lockedBy }),
    ...(f.lockWait === null ? {} : { lockWait: f.lockWait }),
    ...(runOutcome === undefined ? {} : { runOutcome }),
    // The live run always knows how it ended: only replay of a cut log may not.
    exitCode: verdict.exitCode ?? EXIT.runtime,
    outcome: verdict.outcome,
    message: verdict.message,
  };
}

type Partial = Omit<
  ReleaseResult,
  | 'exitCode'
  | 'outcome'
  | 'message'
  | 'runOutcome'
  | 'preflight'
  | 'verdict'
  | 'noGo'
  | 'verified'
  | 'assertions'
  | 'errors'
>;
