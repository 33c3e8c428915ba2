/**
 * `oneroof reader setup --target T`: creates (or checks) the read role that preflight, verify
 * and status log in as (src/engine/reader.ts, the packet's `entries.reader` file). A mutating run
 * like apply: logged, anchored and signed, confirmed on a terminal or with --yes.
 */
import type { Command } from '@commander-js/extra-typings';
import type { Context, ContextFactory } from './context.js';
import { writeJson } from './json-out.js';
import { PACKET_OPTION_HELP, packetRoot } from './packet-root.js';
import { OneroofError, ReportedExit, EXIT } from '../errors.js';
import { reportAudit } from './run/audit-report.js';
import { operatorPrompt, reach } from './run/reach.js';

export function registerReader(program: Command, context: ContextFactory): void {
  const reader = program
    .command('reader')
    .description('the read role the read-only commands log in as');
  reader
    .command('setup')
    .description(
      'create the read role (read_user, default oneroof_reader) on a target, or check it: idempotent',
    )
    .requiredOption('--target <name>', 'a target of the inventory')
    .option('--yes', 'do not ask for confirmation (scripts)')
    .option('--json', 'one JSON document on stdout')
    .option('--packet <dir>', PACKET_OPTION_HELP)
    .action(async (options, command) => {
      await setup(context(command), options);
    });
}

async function setup(
  ctx: Context,
  flags: { target: string; yes?: boolean; json?: boolean; packet?: string },
): Promise<void> {
  const { io, ui, settings } = ctx;
  const [
    { loadInventory, selectTargets },
    { runReaderSetup },
    { describePeer },
    { askTargetName },
  ] = await Promise.all([
    import('../inventory/load.js'),
    import('../engine/reader.js'),
    import('./render.js'),
    import('./run/confirm.js'),
  ]);
  const inventory = await loadInventory(settings.inventory, io.cwd);
  const targets = selectTargets(inventory, flags.target);
  if (targets.length !== 1)
    throw new OneroofError('usage', `--target ${flags.target} is a group; name one member`);
  const target = targets[0]!;
  const interactive = io.stdin?.isTTY === true && io.stderr.isTTY === true;
  if (flags.yes !== true && !interactive)
    throw new OneroofError(
      'usage',
      `reader setup on ${target.name} needs a confirmation: run it on a terminal, or pass --yes`,
    );
  const packet = packetRoot(flags.packet, io.env);
  const { transport, signingKey, signingPassphrase } = await reach(
    ctx,
    target,
    operatorPrompt(ctx, interactive),
  );
  const result = await runReaderSetup({
    target,
    transport,
    logDir: settings.logDir,
    packet,
    argv: process.argv.slice(2),
    env: io.env,
    ...(signingKey === undefined ? {} : { signingKey }),
    ...(signingPassphrase === undefined ? {} : { signingPassphrase }),
    ...(flags.yes === true
      ? {}
      : {
          confirm: ({ peer, role }) =>
            askTargetName(ctx, target, peer, `create or check the read role ${role}`),
        }),
  });
  reportAudit(ctx, result);
  if (flags.json) {
    const { log, audit, ...rest } = result;
    await writeJson(ui, 'reader-setup', {
      ...rest,
      runId: audit?.runId ?? null,
      log: log.output,
      records: log.records,
      audit: audit ?? null,
    });
  } else {
    const lines = [
      ui.bold(`reader setup on ${target.name}`) + `  ${describePeer(result.peer)}`,
      ...result.actions.map((a) => `  ${a}`),
      ...result.warnings.map((w) => `  WARNING ${w}`),
      ui.bold(result.message),
      ui.dim(`log: ${result.log.output}`),
    ];
    for (const line of lines) ui.out(`${line}\n`);
  }
  if (result.exitCode !== EXIT.ok) throw new ReportedExit(result.exitCode);
}
