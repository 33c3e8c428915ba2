/**
 * One release command on a group: the read-only commands on every member, `--concurrency` at
 * once, never stopping (fleet.ts runFleet); apply and rollback `--serial N` at once (default 1),
 * stopping at the first failure with the rest reported as not started (runSerial). It ends with
 * the members' table, the recap (GO n, NO-GO n, unreachable n, locked n, failed n) and the worst
 * exit code (src/model/group-exit.ts). In --json: the members' documents (each the same as a
 * single run's) and a `summary`, with the --limit and --serial that chose them.
 */
import type { Context } from '../context.js';
import type { Target } from '../../inventory/load.js';
import type { ReleaseResult } from '../../engine/release.js';
import { OneroofError, type ExitCode } from '../../errors.js';
import { worstExit } from '../../model/group-exit.js';
import { summarizeGroup, summaryLine } from '../../model/group-summary.js';
import { runFleet, runSerial } from './fleet.js';
import { runOnTarget, type TargetRun } from './target.js';
import { writeJson } from '../json-out.js';
import { GroupView, type GroupPlan } from '../live/group-view.js';

export interface GroupRun {
  group: string;
  targets: Target[];
  json: boolean;
  limit: string | undefined;
  /** Read-only commands: members at once. */
  concurrency: number;
  /** apply, rollback: `--serial` as given (N or N%), default 1. */
  serial: string | undefined;
  /** Members of the group that set no oneroof_* variable (an Ansible inventory). */
  leftOut: string[];
  /** Wraps each member's run (--metrics times and keeps it). */
  meter: (
    one: (target: Target) => Promise<ReleaseResult>,
  ) => (target: Target) => Promise<ReleaseResult>;
}

export async function runGroup(ctx: Context, run: TargetRun, group: GroupRun): Promise<ExitCode> {
  const { ui } = ctx;
  const { command, mutating } = run;
  const batch = mutating ? serialBatch(group.serial ?? '1', group.targets.length) : undefined;
  if (batch !== undefined && batch > 1 && run.yes !== true)
    throw new OneroofError(
      'usage',
      `${command} on group ${group.group} with --serial ${group.serial}: members would ask for confirmation at once`,
      { hint: 'pass --yes, or run one member at a time (--serial 1, the default)' },
    );
  if (group.leftOut.length > 0)
    ui.info(
      `group ${group.group}: not targets (no oneroof_* variable): ${group.leftOut.join(', ')}`,
    );
  if (batch !== undefined)
    ui.info(
      `${command} on group ${group.group}: ${group.targets.length} targets, ${batch} at a time, stopping at the first failure`,
    );
  const view = new GroupView(ui, viewPlan(ctx, run), group.targets);
  const one = group.meter((target: Target) => runOnTarget(ctx, run, target, view.member(target)));
  const ended = (target: Target, result: ReleaseResult) => view.ended(target, result);
  let results: ReleaseResult[];
  let notStarted: Target[] = [];
  try {
    if (batch !== undefined)
      ({ results, notStarted } = await runSerial(ended, command, group.targets, batch, one));
    else results = await runFleet(ended, command, group.targets, group.concurrency, one);
  } finally {
    view.stop();
  }
  const exitCode = worstExit(results.map((r) => r.exitCode));
  const summary = summarizeGroup(
    results,
    notStarted.map((t) => t.name),
  );
  if (group.json) {
    const { memberDocument, documentedCommand } = await import('../../json/release.js');
    await writeJson(ui, 'group', {
      command: documentedCommand(command),
      group: group.group,
      concurrency: batch ?? group.concurrency,
      limit: group.limit ?? null,
      serial: batch ?? null,
      exitCode,
      results: results.map(memberDocument),
      summary,
    });
  } else {
    ui.out(`${ui.bold(`${command} on group ${group.group}`)} (${group.targets.length} targets)\n`);
    for (const r of results)
      ui.out(`  ${r.target.padEnd(16)} ${r.outcome.padEnd(16)} exit ${r.exitCode}  ${r.message}\n`);
    for (const t of notStarted)
      ui.out(
        `  ${t.name.padEnd(16)} ${'not started'.padEnd(16)} -       an earlier member failed\n`,
      );
    ui.out(`${ui.bold(`worst exit: ${exitCode}`)}\n`);
    ui.out(`${summaryLine(command, summary)}\n`);
  }
  return exitCode;
}

function viewPlan(ctx: Context, run: TargetRun): GroupPlan {
  return {
    command: run.command,
    ...(run.wait === undefined ? {} : { wait: run.wait }),
    verbose: ctx.settings.verbose,
  };
}

/** Ansible's serial: a number of members, or a percentage of them (at least one). */
function serialBatch(serial: string, members: number): number {
  const percent = /^(\d{1,3})%$/.exec(serial);
  if (percent) return Math.max(1, Math.floor((members * Number(percent[1])) / 100));
  return Number(serial);
}
