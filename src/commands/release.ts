/**
 * `oneroof preflight | apply | verify | rollback | status`: parse and validate, then one call
 * into the engine per target (src/engine/release.ts). A group (narrowed by --limit) runs the
 * read-only commands on every member with bounded concurrency, apply and rollback --serial N at
 * a time; it prints one recap and exits with the worst code. What a run needs around the engine
 * lives in ./run/: one target (target.ts), a group (group.ts) and its pool (fleet.ts), the
 * confirmation prompt (confirm.ts) and Ctrl-C (interrupt.ts).
 * The wiring below loads nothing heavy: a command's action imports the inventory loader, the
 * engine and the renderer when it runs (`--help` starts without them).
 */
import { Option, type Command } from '@commander-js/extra-typings';
import type { Context, ContextFactory } from './context.js';
import { PACKET_OPTION_HELP, packetRoot } from './packet-root.js';
import { EXIT, OneroofError, ReportedExit } from '../errors.js';
import type { ReleaseCommand, ReleaseResult } from '../engine/release.js';
import { quoteInput } from '../safe-text.js';
import { DEFAULT_CONCURRENCY, failedResult } from './run/fleet.js';
import { writeJson } from './json-out.js';
import { operatorPrompt } from './run/reach.js';
import type { TargetRun } from './run/target.js';
import { METRICS_OPTION_HELP, Meter } from './metrics/meter.js';

interface CommonFlags {
  target: string;
  json?: boolean;
  packet?: string;
  wait?: number;
  concurrency?: number;
  limit?: string;
  serial?: string;
  metrics?: string;
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

function addCommon<C extends Command>(command: C) {
  const withOptions = command
    .requiredOption('--target <name>', 'a target or a group of the inventory')
    .option('--json', 'one JSON document on stdout')
    .option(
      '--limit <pattern>',
      "a group's members to run on, in Ansible's pattern words (docs/usage.md)",
    )
    .addOption(new Option('--packet <dir>', PACKET_OPTION_HELP))
    .option('--metrics <file>', METRICS_OPTION_HELP);
  return withOptions;
}

const waitOption = () =>
  new Option(
    '--wait <seconds>',
    'wait up to this long for the run lock instead of exiting 6',
  ).argParser(integer('--wait', 0, 86_400));
const serialOption = () =>
  new Option(
    '--serial <n>',
    'a group: members at once (N or N%; default 1), stopping at the first failure',
  ).argParser((value: string): string => {
    const m = /^([1-9]\d{0,3})(%?)$/.exec(value);
    if (m === null || (m[2] === '%' && Number(m[1]) > 100))
      throw new OneroofError(
        'usage',
        `--serial: expected a number of members (1 to 9999) or a percentage (1% to 100%), got ${quoteInput(value)}`,
      );
    return value;
  });
const concurrencyOption = () =>
  new Option(
    '--concurrency <n>',
    `targets of a group run at once (default ${DEFAULT_CONCURRENCY})`,
  ).argParser(integer('--concurrency', 1, 64));

export function registerRelease(program: Command, context: ContextFactory): void {
  addCommon(program.command('preflight'))
    .description(
      "read-only GO / NO-GO gate check (the packet's preflight entry); exit 0 GO, 3 NO-GO",
    )
    .option('--apr <code>', 'the ratified APR code the gate should accept')
    .addOption(waitOption())
    .addOption(concurrencyOption())
    .action(async (options, command) => {
      await run('preflight', context(command), options, {
        ...(options.apr === undefined ? {} : { apr: options.apr }),
      });
    });

  addCommon(program.command('apply'))
    .description(
      "manifest check, lock, preflight, then the executor (the packet's apply entry) and verify",
    )
    .requiredOption('--apr <code>', 'the ratified APR code (sql/README.md, the gate)')
    .option('--yes', 'do not ask for confirmation (scripts)')
    .option('--dry-run', 'rehearse: the whole packet in one transaction, rolled back')
    .addOption(waitOption())
    .addOption(serialOption())
    .action(async (options, command) => {
      await run('apply', context(command), options, {
        apr: options.apr,
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.yes ? { yes: true } : {}),
      });
    });

  addCommon(program.command('verify'))
    .description("the asserting verify suite (the packet's verify entry) and the read-only probes")
    .addOption(waitOption())
    .addOption(concurrencyOption())
    .action(async (options, command) => {
      await run('verify', context(command), options, {});
    });

  addCommon(program.command('rollback'))
    .usage('(--full | --tier <n>) [options]') // exactly one of them is required
    .description('roll back one tier (--tier N, reverse order only) or the whole release (--full)')
    .option('--full', 'everything the release made, back to the pre-release catalog')
    .addOption(
      new Option('--tier <n>', 'one tier: 60, 50, 40, 30 or 20').argParser(
        integer('--tier', 0, 999),
      ),
    )
    .option('--yes', 'do not ask for confirmation (scripts)')
    .addOption(waitOption())
    .addOption(serialOption())
    .action(async (options, command) => {
      if ((options.full === true) === (options.tier !== undefined))
        throw new OneroofError('usage', 'rollback needs exactly one of --full or --tier N');
      await run('rollback', context(command), options, {
        rollback: options.full ? 'full' : options.tier!,
        ...(options.yes ? { yes: true } : {}),
      });
    });

  addCommon(program.command('status'))
    .description('ledger, state vector, and whether a run is still alive on the server (read-only)')
    .addOption(concurrencyOption())
    .action(async (options, command) => {
      await run('status', context(command), options, {});
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
): Promise<void> {
  try {
    await runChecked(command, ctx, flags, extra);
  } catch (error) {
    // --json promises one document on stdout, also when the run could not start: a cron box
    // parses it either way. The message still goes to stderr (main() prints it).
    // The same document as a run's (oneroof/<command>/1), outcome "error".
    if (flags.json && error instanceof OneroofError) {
      const { releaseBody, documentedCommand } = await import('../json/release.js');
      const body = releaseBody(failedResult(command, flags.target, error));
      await writeJson(ctx.ui, documentedCommand(command), body);
    }
    throw error;
  }
}

async function runChecked(
  command: ReleaseCommand,
  ctx: Context,
  flags: CommonFlags,
  extra: Extra,
): Promise<void> {
  const { io, ui, settings } = ctx;
  const [
    { validateApr },
    { loadInventory, selectTargets },
    { applyLimit, matchPattern },
    { runOnTarget },
    { runGroup },
    { renderResult },
  ] = await Promise.all([
    import('../engine/release-options.js'),
    import('../inventory/load.js'),
    import('../inventory/limit.js'),
    import('./run/target.js'),
    import('./run/group.js'),
    import('./render.js'),
  ]);
  // A bad (or empty) --apr is a usage error before anything is read or contacted.
  if (extra.apr !== undefined) validateApr(extra.apr);
  const meter = Meter.open(flags.metrics, io.cwd, flags.wait);
  const inventory = await loadInventory(settings.inventory, io.cwd);
  const named = selectTargets(inventory, flags.target);
  const targets = flags.limit === undefined ? named : applyLimit(inventory, named, flags.limit);
  // A group runs as a group (one document, one recap), whatever number of members it has.
  const group = inventory.targets.has(flags.target)
    ? undefined
    : inventory.groups.get(flags.target);
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

  if (group === undefined) {
    const result = await meter.wrapFailure(ui, () =>
      meter.wrap(command, (t) => runOnTarget(ctx, run, t, true))(targets[0]!),
    );
    await report(ctx, flags, [result], renderResult);
    const exitCode = await meter.write(ui, result.exitCode);
    if (exitCode !== EXIT.ok) throw new ReportedExit(exitCode);
    return;
  }
  const groupExit = await runGroup(ctx, run, {
    group: flags.target,
    targets,
    json: flags.json === true,
    limit: flags.limit,
    concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
    serial: flags.serial,
    leftOut: leftOut(group.leftOut ?? [], flags.limit, (p) => matchPattern(inventory, p)),
    meter: (one) => meter.wrap(command, one),
  });
  const exitCode = await meter.write(ui, groupExit);
  if (exitCode !== EXIT.ok) throw new ReportedExit(exitCode);
}

/** The group's hosts that are not targets, as far as --limit chose them. */
function leftOut(hosts: string[], limit: string | undefined, match: (p: string) => Set<string>) {
  if (limit === undefined || hosts.length === 0) return hosts;
  const chosen = match(limit);
  return hosts.filter((h) => chosen.has(h));
}

async function report(
  ctx: Context,
  flags: CommonFlags,
  results: ReleaseResult[],
  renderResult: typeof import('./render.js').renderResult,
): Promise<void> {
  const { io, ui, settings } = ctx;
  if (flags.json) {
    const { releaseBody, documentedCommand } = await import('../json/release.js');
    for (const result of results)
      await writeJson(ui, documentedCommand(result.command), releaseBody(result));
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
