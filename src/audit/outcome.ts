/**
 * How a reconstructed run ended: what its events alone say (by the engine's own judge), and
 * the report's outcome from that and the run's end record: the run's own words where it wrote
 * them, psql's text for a hand-made `tee` log, "incomplete" for a log without an end record.
 */
import type { Findings } from '../model/findings.js';
import { judge, type JudgedCommand, type RunFacts, type Judgement } from '../model/judge.js';
import { readerScript } from '../model/reader-lines.js';
import type { TierKind, TierTracker } from '../model/tiers.js';
import type { EndRecord } from '../runlog/end-record.js';
import type { ReplayReport, StepReport } from './report.js';

const JUDGED: readonly string[] = [
  'preflight',
  'apply',
  'verify',
  'rollback',
  'status',
  'revalidate',
  'reader setup',
];

/** What a reconstruction knows of its run when it judges it. */
export interface OutcomeFacts {
  kind: 'oneroof' | 'tee';
  run: ReplayReport['run'];
  findings: Findings;
  /** A reader setup's ONEROOF READER warnings. */
  readerWarnings: number;
  trackers: Record<TierKind, TierTracker>;
  main: RunFacts['main'];
  mainStarted: boolean;
  state: ReplayReport['state'];
  unchanged: boolean | undefined;
  end: EndRecord | undefined;
  steps: readonly StepReport[];
  sentinelSeen: boolean;
  lastTime: string | undefined;
  note: (text: string) => void;
}

/** What the events alone say, by the engine's own judge (src/model/judge.ts). */
export function judgeEvents(facts: OutcomeFacts): Judgement {
  const command = facts.run.command;
  const f = facts.findings;
  const tee = facts.kind === 'tee';
  const known = command !== null && JUDGED.includes(command);
  const tracker =
    command === 'rollback' || (tee && facts.trackers.tier.steps.length === 0)
      ? facts.trackers.rollback
      : facts.trackers.tier;
  let main = facts.main;
  // A hand-made log has no exit status: psql's text says how far it got.
  if (tee)
    main =
      f.endedScripts.length > 0
        ? { outcome: 'ok', end: { kind: 'exit', code: 0 } }
        : f.counts.errors + f.counts.assertions > 0 || f.verdict === 'NO-GO' || f.lockedBy
          ? { outcome: 'sql-error', end: { kind: 'exit', code: 3 } }
          : undefined;
  return judge({
    command: known ? (command as JudgedCommand) : null,
    target: facts.run.target ?? 'the target',
    main,
    mainStarted: tee || facts.mainStarted,
    cancelled: facts.run.interrupt !== null,
    findings: f,
    tracker,
    dryRun: facts.run.dryRun === true,
    ...(facts.run.reader
      ? {
          setup: {
            role: facts.run.reader.role,
            script: readerScript(facts.run.reader.file),
            warnings: facts.readerWarnings,
          },
        }
      : {}),
    state: {
      ...(facts.state.entry ? { entry: facts.state.entry.raw } : {}),
      ...(facts.state.exit ? { exit: facts.state.exit.raw } : {}),
      ...(facts.unchanged === undefined ? {} : { unchanged: facts.unchanged }),
    },
  });
}

export function describeOutcome(facts: OutcomeFacts, judged: Judgement): ReplayReport['outcome'] {
  const end = facts.end;
  const lastStep = facts.steps.at(-1);
  const common = {
    end: end?.end ?? lastStep?.end ?? null,
    sentinelSeen: facts.kind === 'tee' ? null : (end?.sentinelSeen ?? facts.sentinelSeen),
    endedScripts: facts.findings.endedScripts,
    fromEvents: {
      ...judged,
      tiers: (facts.run.command === 'rollback'
        ? facts.trackers.rollback
        : facts.trackers.tier
      ).steps.map((t) => ({ tier: t.tier, name: t.name, status: t.status })),
    },
  };
  if (facts.kind === 'tee') {
    const j = judged;
    return {
      ...common,
      outcome: j.outcome,
      exitCode: j.exitCode,
      derived: true,
      summary: `${j.message} (read from psql's text: a tee log holds no exit code)`,
    };
  }
  if (end !== undefined) {
    const outcome = end.outcome ?? judged?.outcome ?? 'unknown';
    const exitCode = end.exitCode ?? judged?.exitCode ?? null;
    if (judged && (judged.outcome !== outcome || judged.exitCode !== exitCode))
      facts.note(
        `the run's end record says ${outcome} (exit ${exitCode ?? '?'}); its events alone say ${judged.outcome} (exit ${judged.exitCode ?? '?'})`,
      );
    return {
      ...common,
      outcome,
      exitCode,
      derived: end.exitCode === undefined,
      // The run's own words when it wrote them: replay never tells another story than the run.
      summary:
        end.message ??
        judged?.message ??
        `${outcome}${end.error ? `: ${end.error}` : ''}${common.end ? ` (${describeEnd(common.end)})` : ''}`,
    };
  }
  const open = facts.trackers.tier.steps
    .concat(facts.trackers.rollback.steps)
    .find((t) => t.status === 'unknown' || t.status === 'failed');
  // No end record: the runner never exited normally, so there is no exit code to give. What
  // its events say (the same judge as the live run's) is in fromEvents and the summary.
  const said =
    judged !== undefined && judged.exitCode !== null
      ? `; its events alone say: ${judged.outcome} (exit ${judged.exitCode}): ${judged.message}`
      : '';
  return {
    ...common,
    outcome: 'incomplete',
    exitCode: null,
    derived: true,
    summary: `the log ends without an end record: the runner stopped (killed, crashed, or the machine went down) ${
      lastStep ? `during step ${lastStep.step}` : 'before it ran anything'
    }${open ? `, with tier ${open.tier} ${open.name} begun and its end not in the log: unknown (the server committed it or rolled it back; \`oneroof replay --target T\` or \`oneroof status\` asks the target's ledger)` : ''}${facts.lastTime ? `; the last record is from ${facts.lastTime}` : ''}${said}`,
  };
}

function describeEnd(end: NonNullable<ReplayReport['outcome']['end']>): string {
  if (end.kind === 'exit') return `exit ${end.code}`;
  if (end.kind === 'signal') return `signal ${end.signal}`;
  return `lost: ${end.reason}`;
}
