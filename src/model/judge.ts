/**
 * The one judge of a run, for the live engine and for replay alike: from what the run's events
 * and its main session's end say, one outcome word, one exit code (the README's exit-code
 * table, from EXIT) and one line for a human. Replay of a log without its end record (a killed
 * run) asks the same judge; what it cannot know (the main session never told its end) it does
 * not claim: no exit code, and the open tiers stay unknown.
 */
import { EXIT, type ExitCode } from '../errors.js';
import type { ExecEndInfo } from '../runlog/end-record.js';
import type { Findings } from './findings.js';
import { tiersWith, type TierStep, type TierTracker } from './tiers.js';
import { noGoWhy, tierFacts } from './judge-words.js';

/**
 * How the main session ended (the runner's classification, src/runner/run.ts):
 * ok           exit 0 and the sentinel seen: every statement ran
 * sql-error    psql stopped on an error (exit 3, ON_ERROR_STOP): see the events
 * not-run      the bytes did not arrive whole, or staging failed: psql never started
 * psql-failed  psql could not start or lost its server (exit 1 or 2)
 * lost         the connection went away: the far side may still be running
 * incomplete   exit 0 without the sentinel (the script stopped itself early: \q)
 * failed       any other end (another exit code, a signal)
 */
export type RunOutcome =
  'ok' | 'sql-error' | 'not-run' | 'psql-failed' | 'lost' | 'incomplete' | 'failed';

/** How the main session's command ended (an exit status, a signal, or the connection lost). */
type SessionEnd = ExecEndInfo;

export type JudgedCommand =
  'preflight' | 'apply' | 'verify' | 'rollback' | 'status' | 'revalidate' | 'reader setup';

export interface RunFacts {
  /** null: not known (a hand-made log): judged by what psql's text shows. */
  command: JudgedCommand | null;
  target: string;
  /** The main session's end; undefined: it never started (cancelled) or never told its end. */
  main: { outcome: RunOutcome; end: SessionEnd } | undefined;
  /** The main session started (a Ctrl-C before it means it never did). */
  mainStarted: boolean;
  /** The operator interrupted (Ctrl-C), or a failing log stopped the run as Ctrl-C does. */
  cancelled: boolean;
  /** The log could not be written (live only: a log that failed cannot say so itself). */
  logFailure?: { records: string; error: string } | undefined;
  findings: Findings;
  /** The tracker of the run's tiers (apply, rollback); a refusal puts its tier back pending. */
  tracker?: TierTracker | undefined;
  dryRun: boolean;
  /** The state vector at entry and exit, and whether its figures are the same. */
  state?: { entry?: string; exit?: string; unchanged?: boolean } | undefined;
  /** status: what the ledger and the server's sessions said, when read. */
  status?: { applied: number; tiers: number; alive: number } | undefined;
  /** The .log, named in the advice for unknown tiers. */
  log?: string | undefined;
  /**
   * reader setup: the role it makes, the script whose `ONEROOF END` says it ran whole (the
   * reader file's name without .sql), and how many warnings it raised about the role.
   */
  setup?: { role: string; script: string; warnings: number } | undefined;
}

export interface Judgement {
  /** One word for scripts: GO, NO-GO, applied, no-op, rehearsed, verified, rolled-back, … */
  outcome: string;
  /** null: not known (the run never told its end). */
  exitCode: ExitCode | null;
  message: string;
}

export function judge(facts: RunFacts): Judgement {
  const { target, findings: f, main } = facts;
  const command = facts.command ?? 'the run';
  const tiers: readonly TierStep[] = facts.tracker?.steps ?? [];
  const done = (exitCode: ExitCode | null, outcome: string, message: string): Judgement => ({
    outcome,
    exitCode,
    message,
  });
  const facts_ = () => tierFacts(command, target, tiers, facts.log);

  if (facts.logFailure !== undefined) {
    const cannot = `the log could not be written (${facts.logFailure.records}: ${facts.logFailure.error})`;
    if (!facts.mainStarted)
      return done(
        EXIT.runtime,
        'log-failed',
        `${command} on ${target}: ${cannot}; nothing was run`,
      );
    if (facts.cancelled)
      return done(
        EXIT.runtime,
        'log-failed',
        `${command} on ${target}: ${cannot}, so the run was cancelled; the log is incomplete${facts_()}`,
      );
    // It failed when nothing was left to cancel (after the main session, or in the end record
    // itself): the run's own judgement is said, but never as exit 0 — its log cannot show it.
    const own = judge({ ...facts, logFailure: undefined });
    return done(
      EXIT.runtime,
      'log-failed',
      `${command} on ${target}: ${cannot}; the log is incomplete, though the run was not stopped: it ended ${own.outcome}${facts_()}`,
    );
  }
  if (facts.cancelled && !facts.mainStarted)
    return done(
      EXIT.runtime,
      'cancelled',
      `${command} on ${target} cancelled before any tier: nothing was run`,
    );
  if (main === undefined)
    return done(
      null,
      'incomplete',
      `${command} on ${target}: the run's main session never told its end (the runner was killed, or the log was cut)${facts_()}`,
    );
  if (facts.cancelled && main.outcome !== 'ok') {
    if (tiers.every((t) => t.status === 'pending'))
      return done(
        EXIT.runtime,
        'cancelled',
        `${command} on ${target} cancelled before any tier: nothing was run`,
      );
    const late =
      tiers.length > 0 && tiers.every((t) => t.status === 'ok' || t.status === 'skipped');
    return done(
      EXIT.runtime,
      'interrupted',
      late
        ? `${command} on ${target} interrupted after the last tier: the cancel came too late, every tier had committed; what came after (verify) was cancelled${facts_()}`
        : `${command} on ${target} interrupted: the server cancelled the running statement${facts_()}`,
    );
  }
  if (f.lockedBy !== null)
    return done(EXIT.locked, 'locked', `${target} is locked: ${f.lockedBy}; nothing was run`);
  if (main.outcome === 'sql-error') return sqlError(facts, tiers);
  if (main.outcome !== 'ok')
    return done(EXIT.runtime, main.outcome, `${describeFailure(facts, main)}${facts_()}`);
  return success(facts, tiers);
}

function sqlError(facts: RunFacts, tiers: readonly TierStep[]): Judgement {
  const command = facts.command ?? 'the run';
  const { target, findings: f } = facts;
  if (f.verdict === 'NO-GO')
    return {
      exitCode: EXIT.noGo,
      outcome: 'NO-GO',
      message: `NO-GO on ${target}: ${f.noGo.join(', ')}${noGoWhy(f)}; nothing was mutated`,
    };
  // A guard refused before anything of this run committed: like a NO-GO, nothing changed.
  if (f.refused !== null && f.counts.assertions === 0 && !tiers.some((t) => t.status === 'ok')) {
    facts.tracker?.unstart();
    return {
      exitCode: EXIT.noGo,
      outcome: 'refused',
      message: `refused on ${target}: ${f.refused}; nothing was mutated`,
    };
  }
  const failed = tiers.find((t) => t.status === 'failed');
  if (f.counts.assertions > 0 || failed !== undefined) {
    const first = f.assertions[0] ?? f.errors[0];
    return {
      exitCode: EXIT.assertion,
      outcome: 'assertion-failed',
      message: `${first?.text ?? 'an error'}${first?.at ? ` (${first.at})` : ''}${
        failed ? `; tier ${failed.tier} ${failed.name} was not committed` : ''
      }`,
    };
  }
  const first = f.errors[0];
  return {
    exitCode: EXIT.runtime,
    outcome: 'sql-error',
    message: `${command} on ${target} stopped on an error: ${first?.text ?? 'unknown'}${first?.at ? ` (${first.at})` : ''}`,
  };
}

function success(facts: RunFacts, tiers: readonly TierStep[]): Judgement {
  const { command, target, findings: f } = facts;
  const ok = (outcome: string, message: string): Judgement => ({
    exitCode: EXIT.ok,
    outcome,
    message,
  });
  // The run ended well before the cancel could stop it: say so, never a silent success.
  const tooLate = facts.cancelled
    ? ' — the cancel came too late: every tier had committed before it reached the server'
    : '';
  switch (command) {
    case null:
      return ok(
        'ok',
        `psql reached ONEROOF END ${f.endedScripts.at(-1) ?? ''}${tierFacts(null, target, tiers, undefined)}`,
      );
    case 'preflight':
      if (facts.state?.unchanged === false)
        return {
          exitCode: EXIT.noGo,
          outcome: 'NO-GO',
          message: `state vector changed during the preflight (${facts.state.entry} → ${facts.state.exit}): another session wrote; run it again`,
        };
      return ok('GO', `GO on ${target}`);
    case 'apply': {
      const ran = tiersWith(tiers, 'ok').length;
      if (facts.dryRun && !f.dryRunRollback)
        return {
          exitCode: EXIT.runtime,
          outcome: 'dry-run-unconfirmed',
          message: `dry run on ${target}: the packet did not report its final rollback (ONEROOF DRY-RUN ROLLBACK); check the log and the state`,
        };
      if (facts.dryRun)
        return ok(
          'rehearsed',
          `dry run on ${target}: ${ran} tier(s) ran and were rolled back${
            facts.state?.unchanged === false
              ? ' — but the state vector changed'
              : '; state unchanged'
          }`,
        );
      if (ran === 0)
        return ok(
          'no-op',
          `nothing to apply on ${target}: every tier is already applied; verify passed`,
        );
      return ok(
        'applied',
        `applied on ${target}: ${ran} tier(s) committed; verify passed${tooLate}`,
      );
    }
    case 'verify':
      return ok('verified', `verified on ${target}: ${f.counts.verified} checks passed`);
    case 'revalidate':
      // Its transaction is rolled back: a state that moved means something else wrote, or it
      // did not roll back; either way the revalidation proves nothing.
      if (facts.state?.unchanged === false)
        return {
          exitCode: EXIT.runtime,
          outcome: 'state-changed',
          message: `revalidation on ${target}: the state vector changed (${facts.state.entry} → ${facts.state.exit}); see the log`,
        };
      return ok(
        'revalidated',
        `revalidated on ${target}: ${f.counts.verified} checks passed, rolled back`,
      );
    case 'rollback': {
      const skipped = tiers.some((t) => t.status === 'skipped');
      return ok(
        skipped ? 'no-op' : 'rolled-back',
        `${skipped ? `nothing to roll back on ${target}` : `rolled back on ${target}`}${tooLate}`,
      );
    }
    case 'reader setup': {
      const setup = facts.setup;
      if (setup !== undefined && !f.endedScripts.includes(setup.script))
        return {
          exitCode: EXIT.runtime,
          outcome: 'incomplete',
          message: `reader setup on ${target}: psql ran the whole stream but the reader script never said ONEROOF END ${setup.script}; the role may not be ready, see the log`,
        };
      const warned = setup?.warnings ?? 0;
      return ok(
        'ready',
        `${setup ? `read role ${setup.role}` : 'the read role'} ready on ${target}${warned ? ` — but ${warned} warning(s): it may not be able to log in` : ''}`,
      );
    }
    case 'status': {
      const s = facts.status;
      if (s === undefined) return ok('status', `status of ${target} read`);
      return ok(
        'status',
        `status of ${target}: ${s.applied} of ${s.tiers} tiers applied; ${
          s.alive === 0
            ? 'no run alive on the server'
            : `${s.alive} session(s) still alive on the server`
        }`,
      );
    }
  }
}

function describeFailure(facts: RunFacts, main: { outcome: RunOutcome; end: SessionEnd }): string {
  const { command, target } = facts;
  switch (main.outcome) {
    case 'lost':
      return `${command} on ${target}: the connection was lost (${main.end.kind === 'lost' ? main.end.reason : ''}); the far side may still be running — see \`oneroof status --target ${target}\``;
    case 'not-run':
      return `${command} on ${target}: the script did not arrive whole or could not be staged; psql never started, nothing was run`;
    case 'psql-failed': {
      const last = facts.findings.lastStderr;
      return `${command} on ${target}: psql could not start or lost its server (exit ${main.end.kind === 'exit' ? main.end.code : '?'})${last === null ? '' : `: ${last}`}`;
    }
    case 'incomplete':
      return `${command} on ${target}: psql stopped before the end of the script`;
    case 'ok':
    case 'sql-error':
    case 'failed':
      return `${command} on ${target}: ended with ${JSON.stringify(main.end)}`;
  }
}
