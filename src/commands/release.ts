/**
 * `oneroof preflight | apply | verify | rollback | status`: parse and validate, then one call
 * into the engine per target (src/engine/release.ts). A group runs the read-only commands on
 * every member with bounded concurrency, prints one summary and exits with the worst code.
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Option, type Command } from '@commander-js/extra-typings';
import type { Context, ContextFactory } from './context.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { EXIT, OneroofError, ReportedExit, type ExitCode } from '../errors.js';
import { loadInventory, selectTargets, type Target } from '../inventory/load.js';
import {
  noteLateCancel,
  runRelease,
  validateApr,
  type Confirmation,
  type ReleaseCommand,
  type ReleaseOptions,
  type ReleaseResult,
} from '../engine/release.js';
import {
  createTransport,
  rememberAnswers,
  ttyPassphrasePrompt,
  type RememberingPrompt,
} from '../transport/index.js';
import { findSigningKey } from '../ssh/sign.js';
import { describeSignature } from '../packet/signature.js';
import { resolveEndpoint } from '../inventory/endpoint.js';
import { describePeer, renderResult, tierLine } from './render.js';
import { sessionModeWarning } from '../runner/read-only.js';
import type { Peer, Transport } from '../transport/types.js';
import { quoteInput } from '../safe-text.js';

interface CommonFlags {
  target: string;
  json?: boolean;
  packet?: string;
  wait?: number;
  concurrency?: number;
}

/** Worst first: a usage error, then integrity, runtime, assertion, locked, NO-GO, ok. */
const SEVERITY: readonly ExitCode[] = [
  EXIT.ok,
  EXIT.noGo,
  EXIT.locked,
  EXIT.assertion,
  EXIT.runtime,
  EXIT.integrity,
  EXIT.usage,
];

export function worstExit(codes: readonly ExitCode[]): ExitCode {
  return codes.reduce<ExitCode>(
    (worst, code) => (SEVERITY.indexOf(code) > SEVERITY.indexOf(worst) ? code : worst),
    EXIT.ok,
  );
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
    .addOption(
      new Option(
        '--packet <dir>',
        'the SQL packet (env ONEROOF_PACKET; default: the one shipped with oneroof)',
      ),
    );
  return withOptions;
}

const waitOption = () =>
  new Option(
    '--wait <seconds>',
    'wait up to this long for the run lock instead of exiting 6',
  ).argParser(integer('--wait', 0, 86_400));
const concurrencyOption = () =>
  new Option('--concurrency <n>', 'targets of a group run at once (default 4)').argParser(
    integer('--concurrency', 1, 64),
  );

export function registerRelease(program: Command, context: ContextFactory): void {
  addCommon(program.command('preflight'), true)
    .description('read-only GO / NO-GO gate check (00_preflight.sql); exit 0 GO, 3 NO-GO')
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
    .description('manifest check, lock, preflight, then the executor (99_run_all.sql) and verify')
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
    .description('the asserting verify suite (90_verify.sql) and the read-only probes')
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
  const packet = flags.packet ?? io.env.ONEROOF_PACKET ?? join(PACKAGE_ROOT, 'sql');
  const mutating = command === 'apply' || command === 'rollback';
  const interactive = io.stdin?.isTTY === true && io.stderr.isTTY === true;
  // Refused before anything is contacted: nobody is there to say yes.
  if (mutating && extra.yes !== true && !interactive)
    throw new OneroofError(
      'usage',
      `${command} on ${flags.target} needs a confirmation: run it on a terminal, or pass --yes`,
    );

  // One prompt for the whole command: an encrypted key's passphrase is asked once per run.
  const askPassphrase = operatorPrompt(ctx, interactive);
  const one = async (target: Target, live: boolean): Promise<ReleaseResult> => {
    // Ctrl-C once: the server cancels the running statement (as psql's Ctrl-C); twice: exit.
    // Caught from the start: a Ctrl-C before the main session exists stops it from starting.
    const interrupt = new AbortController();
    const onInterrupt = (): void => {
      ui.info(
        'interrupted: asking the server to cancel the running statement (Ctrl-C again to leave at once)',
      );
      interrupt.abort();
    };
    process.once('SIGINT', onInterrupt);
    try {
      return await oneTarget(target, live, interrupt.signal);
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  };
  const oneTarget = async (
    target: Target,
    live: boolean,
    signal: AbortSignal,
  ): Promise<ReleaseResult> => {
    const { transport, signingKey, signingPassphrase } = await reach(ctx, target, askPassphrase);
    // The weaker mode is said on every run, --quiet or not (and recorded in the run's log).
    if (!mutating && target.reader.mode === 'session') {
      ui.clearProgress();
      ui.err(`oneroof: warning: ${sessionModeWarning(target)}\n`);
    }
    const options: ReleaseOptions = {
      env: io.env,
      ...(signingKey === undefined ? {} : { signingKey }),
      ...(signingPassphrase === undefined ? {} : { signingPassphrase }),
      target,
      transport,
      logDir: settings.logDir,
      packet,
      argv: process.argv.slice(2),
      ...(extra.apr === undefined ? {} : { apr: extra.apr }),
      ...(extra.dryRun ? { dryRun: true } : {}),
      ...(extra.rollback === undefined ? {} : { rollback: extra.rollback }),
      ...(flags.wait === undefined ? {} : { waitSeconds: flags.wait }),
      ...(mutating && extra.yes !== true
        ? { confirm: (about: Confirmation) => confirm(ctx, about, target) }
        : {}),
      ...(live
        ? {
            onTier: (step) => {
              // A rewritten line on a terminal; in a log, one line per finished tier.
              if (step.status !== 'running') ui.info(tierLine(step));
              else if (ui.tty) ui.progress(`tier ${step.tier} ${step.name} …`);
            },
          }
        : {}),
    };
    const result = await runRelease(command, { ...options, interrupt: signal });
    noteLateCancel(result, signal);
    if (live) reportAudit(ctx, result);
    return result;
  };

  if (targets.length === 1) {
    const result = await one(targets[0]!, true);
    report(ctx, flags, [result]);
    if (result.exitCode !== EXIT.ok) throw new ReportedExit(result.exitCode);
    return;
  }

  // A group: bounded concurrency, one summary, the worst exit code.
  const limit = flags.concurrency ?? 4;
  const results: ReleaseResult[] = new Array<ReleaseResult>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      try {
        results[index] = await one(target, false);
      } catch (error) {
        results[index] = failed(command, target, error);
      }
      ui.info(`${target.name}: ${results[index].message}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, targets.length) }, worker));
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

/** The target's transport, and the ssh key that signs the log (the one it is reached with). */
export async function reach(
  ctx: Context,
  target: Target,
  askPassphrase: RememberingPrompt | undefined,
): Promise<{
  transport: Transport;
  signingKey: string | undefined;
  signingPassphrase: (() => string | undefined) | undefined;
}> {
  const { io, ui, settings } = ctx;
  const transport = await createTransport(target, {
    ...(settings.transport ? { transportOverride: settings.transport } : {}),
    env: io.env,
    ...(askPassphrase ? { askPassphrase } : {}),
    onNotice: (message) => ui.info(message),
  });
  const identityFiles =
    target.transport === 'local' || !target.ssh
      ? []
      : (await resolveEndpoint(target, io.env)).identityFiles;
  const signingKey = findSigningKey(io.env, identityFiles);
  return {
    transport,
    signingKey,
    // The same key signs the log: what was typed to reach the target is not asked again.
    signingPassphrase:
      askPassphrase && signingKey !== undefined
        ? () => askPassphrase.recall(signingKey)
        : undefined,
  };
}

/**
 * The run's one passphrase prompt (on a terminal only): every connection of the command and the
 * log's signature share it, so an encrypted key's passphrase is asked once.
 */
export function operatorPrompt(ctx: Context, interactive: boolean): RememberingPrompt | undefined {
  const ask = interactive && ctx.io.stdin === process.stdin ? ttyPassphrasePrompt() : undefined;
  return ask === undefined ? undefined : rememberAnswers(ask);
}

function failed(command: ReleaseCommand, target: Target, error: unknown): ReleaseResult {
  const exitCode = error instanceof OneroofError ? error.exitCode : EXIT.runtime;
  return {
    command,
    target: target.name,
    exitCode,
    outcome: 'error',
    message: error instanceof Error ? error.message : String(error),
    dryRun: false,
    manifestSha256: '',
    state: {},
    preflight: [],
    noGo: [],
    tiers: [],
    verified: [],
    assertions: [],
    errors: [],
    probes: {},
    durationMs: 0,
  };
}

function report(ctx: Context, flags: CommonFlags, results: ReleaseResult[]): void {
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
      verbose: settings.verbose,
    }))
      ui.out(`${line}\n`);
}

/** On a terminal: say exactly what was reached, and ask for the target's name back. */
async function confirm(ctx: Context, about: Confirmation, target: Target): Promise<boolean> {
  const what =
    about.command === 'apply'
      ? `apply the release${about.dryRun ? ' as a dry run (rolled back)' : ''}`
      : `roll back ${about.rollback === 'full' ? 'the whole release' : `tier ${about.rollback}`}`;
  return askTargetName(
    ctx,
    target,
    about.peer,
    what,
    about.apr ? [`  APR        ${about.apr}`] : [],
  );
}

/** Names what is about to happen, where, as whom; true when the target's name is typed back. */
export async function askTargetName(
  ctx: Context,
  target: Target,
  peer: Peer,
  what: string,
  extra: string[] = [],
): Promise<boolean> {
  const { io, ui } = ctx;
  const stdin = io.stdin;
  if (stdin === undefined) return false;
  ui.clearProgress();
  ui.err(
    [
      `About to ${what} on ${ui.bold(target.name)}`,
      `  reached    ${describePeer(peer)}`,
      `  database   ${target.database} as ${target.user}, container ${target.container}`,
      ...extra,
      `Type the target name (${target.name}) to go on, anything else stops: `,
    ].join('\n'),
  );
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim() === target.name;
  } finally {
    rl.close();
  }
}

/** Where the log's proof went: signed with which key, anchored where; or why not. */
export function reportAudit(
  ctx: Context,
  result: Pick<ReleaseResult, 'audit' | 'packetSignature'>,
): void {
  const audit = result.audit;
  if (audit === undefined) return;
  const { ui } = ctx;
  if (result.packetSignature) ui.info(`packet ${describeSignature(result.packetSignature)}`);
  if (audit.signature) ui.info(`log signed: ${audit.signature.key} (${audit.signature.file})`);
  if (audit.anchor) ui.info(`log head anchored on the target: ${audit.anchor}`);
  for (const warning of audit.warnings) ui.info(`log ${warning}`);
}
