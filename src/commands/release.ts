/**
 * `oneroof preflight | apply | verify | rollback | status`: parse and validate, then one call
 * into the engine per target (src/engine/release.ts). A group runs the read-only commands on
 * every member with bounded concurrency, prints one summary and exits with the worst code.
 * What a run needs around the engine lives in ./run/: one target (target.ts), the group's
 * pool (fleet.ts), the confirmation prompt (confirm.ts) and Ctrl-C (interrupt.ts).
 * The wiring below loads nothing heavy: a command's action imports the inventory loader, the
 * engine and the renderer when it runs (`--help` starts without them).
 */
import { Option, type Command } from '@commander-js/extra-typings';
import type { Context, ContextFactory } from './context.js';
import { PACKET_OPTION_HELP, packetRoot } from './packet-root.js';
import { EXIT, OneroofError, ReportedExit } from '../errors.js';
import type { ReleaseCommand, ReleaseResult } from '../engine/release.js';
import { quoteInput } from '../safe-text.js';
import { DEFAULT_CONCURRENCY, runFleet } from './run/fleet.js';
import { worstExit } from '../model/group-exit.js';
import { operatorPrompt } from './run/reach.js';
import type { TargetRun } from './run/target.js';

interface CommonFlags {
  target: string;
  json?: boolean;
  packet?: string;
  wait?: number;
  concurrency?: number;
}

function integer(flag: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new OneroofError(
        'usage',
        `${flag}: expected a whole number from ${min} to ${max}, got ${quoteInput(value)}`,
      );
    return Number(value);
  };
}

function addCommon<C extends Command>(command: C, fleet: boolean) {
  const withOptions = command
    .requiredOption(
      '--target <name>',
      fleet ? 'a target or a group of the inventory' : 'a target of the inventory',
    )
    .option('--json', 'one JSON document on stdout')
    .addOption(new Option('--packet <dir>', PACKET_OPTION_HELP));
  return withOptions;
}

const waitOption = () =>
  new Option(
    '--wait <seconds>',
    'wait up to this long for the run lock instead of exiting 6',
  ).argParser(integer('--wait', 0, 86_400));
const concurrencyOption = () =>
  new Option(
    '--concurrency <n>',
    `targets of a group run at once (default ${DEFAULT_CONCURRENCY})`,
  ).argParser(integer('--concurrency', 1, 64));

export function registerRelease(program: Command, context: ContextFactory): void {
  addCommon(program.command('preflight'), true)
    .description(
      "read-only GO / NO-GO gate check (the packet's preflight entry); exit 0 GO, 3 NO-GO",
    )
    .option('--apr <code>', 'the ratified APR code the gate should accept')
    .addOption(waitOption())
    .addOption(concurrencyOption())
    .action(async (options, command) => {
      await run(
        'preflight',
        context(command),
        options,
        { ...(options.apr === undefined ? {} : { apr: options.apr }) },
        true,
      );
    });

  addCommon(program.command('apply'), false)
    .description(
      "manifest check, lock, preflight, then the executor (the packet's apply entry) and verify",
    )
    .requiredOption('--apr <code>', 'the ratified APR code (sql/README.md, the gate)')
    .option('--yes', 'do not ask for confirmation (scripts)')
    .option('--dry-run', 'rehearse: the whole packet in one transaction, rolled back')
    .addOption(waitOption())
    .action(async (options, command) => {
      await run('apply', context(command), options, {
        apr: options.apr,
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.yes ? { yes: true } : {}),
      });
    });

  addCommon(program.command('verify'), true)
    .description("the asserting verify suite (the packet's verify entry) and the read-only probes")
    .addOption(waitOption())
    .addOption(concurrencyOption())
    .action(async (options, command) => {
      await run('verify', context(command), options, {}, true);
    });

  addCommon(program.command('rollback'), false)
    .description('roll back one tier (--tier N, reverse order only) or the whole release (--full)')
    .option('--full', 'everything the release made, back to the pre-release catalog')
    .addOption(
      new Option('--tier <n>', 'one tier: 60, 50, 40, 30 or 20').argParser(
        integer('--tier', 0, 999),
      ),
    )
    .option('--yes', 'do not ask for confirmation (scripts)')
    .addOption(waitOption())
    .action(async (options, command) => {
      if ((options.full === true) === (options.tier !== undefined))
        throw new OneroofError('usage', 'rollback needs exactly one of --full or --tier N');
      await run('rollback', context(command), options, {
        rollback: options.full ? 'full' : options.tier!,
        ...(options.yes ? { yes: true } : {}),
      });
    });

  addCommon(program.command('status'), true)
    .description('ledger, state vector, and whether a run is still alive on the server (read-only)')
    .addOption(concurrencyOption())
    .action(async (options, command) => {
      await run('status', context(command), options, {}, true);
    });
}

interface Extra {
  apr?: string;
  dryRun?: boolean;
  rollback?: 'full' | number;
  yes?: boolean;
}

async function run(
  command: ReleaseCommand,
  ctx: Context,
  flags: CommonFlags,
  extra: Extra,
  fleet = false,
): Promise<void> {
  try {
    await runChecked(command, ctx, flags, extra, fleet);
  } catch (error) {
    // --json promises one document on stdout, also when the run could not start: a cron box
    // parses it either way. The message still goes to stderr (main() prints it).
    if (flags.json && error instanceof OneroofError)
      ctx.ui.json({
        command,
        target: flags.target,
        exitCode: error.exitCode,
        outcome: 'error',
        message: error.message,
      });
    throw error;
  }
}

async function runChecked(
  command: ReleaseCommand,
  ctx: Context,
  flags: CommonFlags,
  extra: Extra,
  fleet: boolean,
): Promise<void> {
  const { io, ui, settings } = ctx;
  const [{ validateApr }, { loadInventory, selectTargets }, { runOnTarget }, { renderResult }] =
    await Promise.all([
      import('../engine/release-options.js'),
      import('../inventory/load.js'),
      import('./run/target.js'),
      import('./render.js'),
    ]);
  // A bad (or empty) --apr is a usage error before anything is read or contacted.
  if (extra.apr !== undefined) validateApr(extra.apr);
  const inventory = await loadInventory(settings.inventory, io.cwd);
  const targets = selectTargets(inventory, flags.target);
  if (targets.length > 1 && !fleet)
    throw new OneroofError(
      'usage',
      `--target ${flags.target} is a group; ${command} runs on one target at a time`,
      { hint: 'name one member; preflight, verify and status take a group' },
    );
  const packet = packetRoot(flags.packet, io.env);
  const mutating = command === 'apply' || command === 'rollback';
  const interactive = io.stdin?.isTTY === true && io.stderr.isTTY === true;
  // Refused before anything is contacted: nobody is there to say yes.
  if (mutating && extra.yes !== true && !interactive)
    throw new OneroofError(
      'usage',
      `${command} on ${flags.target} needs a confirmation: run it on a terminal, or pass --yes`,
    );

  const run: TargetRun = {
    command,
    packet,
    mutating,
    // One prompt for the whole command: an encrypted key's passphrase is asked once per run.
    askPassphrase: operatorPrompt(ctx, interactive),
    ...extra,
    ...(flags.wait === undefined ? {} : { wait: flags.wait }),
  };

  if (targets.length === 1) {
    const result = await runOnTarget(ctx, run, targets[0]!, true);
    report(ctx, flags, [result], renderResult);
    if (result.exitCode !== EXIT.ok) throw new ReportedExit(result.exitCode);
    return;
  }

  // A group: bounded concurrency, one summary, the worst exit code.
  const limit = flags.concurrency ?? DEFAULT_CONCURRENCY;
  const results = await runFleet(ui, command, targets, limit, (target) =>
    runOnTarget(ctx, run, target, false),
  );
  const exitCode = worstExit(results.map((r) => r.exitCode));
  if (flags.json) ui.json({ command, group: flags.target, concurrency: limit, exitCode, results });
  else {
    ui.out(`${ui.bold(`${command} on group ${flags.target}`)} (${targets.length} targets)\n`);
    for (const r of results)
      ui.out(`  ${r.target.padEnd(16)} ${r.outcome.padEnd(16)} exit ${r.exitCode}  ${r.message}\n`);
    ui.out(`${ui.bold(`worst exit: ${exitCode}`)}\n`);
  }
  if (exitCode !== EXIT.ok) throw new ReportedExit(exitCode);
}

function report(
  ctx: Context,
  flags: CommonFlags,
  results: ReleaseResult[],
  renderResult: typeof import('./render.js').renderResult,
): void {
  const { io, ui, settings } = ctx;
  if (flags.json) {
    ui.json(results[0]);
    return;
  }
  for (const result of results)
    for (const line of renderResult(result, {
      cwd: io.cwd,
      bold: (s) => ui.bold(s),
      dim: (s) => ui.dim(s),
      red: (s) => ui.red(s),
      verbose: settings.verbose,
    }))
      ui.out(`${line}\n`);
}
