/**
 * The command line: commander wiring, the global options, and the one place where errors
 * become exit codes (the README's exit-code table). Handlers never call process.exit(); main() returns the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Command,
  CommanderError,
  Option,
  type CommandUnknownOpts,
} from '@commander-js/extra-typings';
import { EXIT, OneroofError, ReportedExit, describeCauses, type ExitCode } from '../errors.js';
import { clipLines, terminalText } from '../safe-text.js';
import { Ui, processIo, type Io } from '../commands/io.js';
import { resolveSettings } from '../commands/options.js';
import { colorModeOf, type ColorMode } from '../commands/color.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { ContextFactory } from '../commands/context.js';
import { registerTargets } from '../commands/targets.js';
import { registerReplica } from '../commands/replica.js';
import { registerReplay } from '../commands/replay.js';
import { registerRelease } from '../commands/release.js';
import { registerManifest } from '../commands/manifest.js';
import { registerReader } from '../commands/reader.js';
import { registerInit } from '../commands/init.js';
import { registerEvidence } from '../commands/evidence.js';
import { addEvidenceVerify } from '../commands/evidence-verify.js';
import { registerRuns } from '../commands/runs.js';
import { registerLogs } from '../commands/logs.js';
import { registerCompletion } from '../commands/completion.js';
import { commandPath, finishHelp } from './help.js';

export function version(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function buildProgram(io: Io): Command {
  const program = new Command()
    .name('oneroof')
    .description(
      'Gated, reversible SQL releases: ssh -> docker exec -i -> psql, exactly, with logs you can replay.',
    )
    .version(version(), '--version', 'print the version')
    .addOption(
      new Option(
        '--inventory <path>',
        'inventory file or folder (env ONEROOF_INVENTORY; default ./inventory/, then $XDG_CONFIG_HOME/oneroof/)',
      ),
    )
    .addOption(
      new Option(
        '--log-dir <dir>',
        'where run logs go (env ONEROOF_LOG_DIR; default ./logs/ in a git clone, $XDG_STATE_HOME/oneroof/logs installed)',
      ),
    )
    .addOption(
      new Option('--transport <name>', 'ssh2 | openssh | local (default: from the inventory)'),
    )
    .addOption(
      new Option(
        '--packet <dir>',
        'the SQL packet, for every command that runs one (env ONEROOF_PACKET; default: the shipped one)',
      ),
    )
    .addOption(new Option('--quiet', 'only errors and results').conflicts('verbose'))
    .addOption(new Option('--verbose', 'more detail, and the cause of errors'))
    .addOption(
      new Option(
        '--color <when>',
        'auto | always | never, for stdout and stderr each (auto: a terminal; NO_COLOR, FORCE_COLOR honoured)',
      ),
    )
    .showHelpAfterError('(see --help)')
    .exitOverride()
    .configureOutput({
      // Commander echoes what was typed ("unknown option '…'"): sanitised and cut short.
      writeOut: (text) => io.stdout.write(terminalText(text)),
      writeErr: (text) => io.stderr.write(terminalText(clipLines(text))),
    });
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok (preflight: GO) · 1 runtime failure · 2 usage or configuration error
            3 NO-GO (gate closed) · 4 assertion failed · 5 integrity failure · 6 target locked`,
  );

  program.hook('preAction', (_, action) => globalPacket(program.opts().packet, action));

  const context: ContextFactory = (command) => {
    const settings = resolveSettings(command.optsWithGlobals(), io);
    return {
      io,
      settings,
      ui: new Ui(io, { quiet: settings.quiet, verbose: settings.verbose, color: settings.color }),
    };
  };
  registerTargets(program, context);
  registerReplica(program, context);
  registerReplay(program, context);
  registerRelease(program, context);
  registerManifest(program, context);
  registerReader(program, context);
  registerInit(program, context);
  addEvidenceVerify(registerEvidence(program, context), context);
  registerRuns(program, context);
  registerLogs(program, context);
  registerCompletion(program, context);
  finishHelp(program);
  return program;
}

/**
 * `oneroof --packet DIR <command>`: the global --packet is the command's own --packet unless it
 * was given there too; a command that runs no packet refuses it rather than ignore it.
 */
function globalPacket(packet: string | undefined, action: CommandUnknownOpts): void {
  if (packet === undefined) return;
  if (!action.options.some((o) => o.long === '--packet'))
    throw new OneroofError('usage', `--packet: \`${commandPath(action)}\` runs no packet`, {
      hint: 'leave --packet out: only a command that runs a packet takes it',
    });
  if (action.getOptionValue('packet') === undefined) action.setOptionValue('packet', packet);
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<ExitCode> {
  const program = buildProgram(io);
  const verbose = argv.includes('--verbose');
  let code: ExitCode;
  try {
    await program.parseAsync(argv, { from: 'user' });
    code = EXIT.ok;
  } catch (error) {
    code = report(error, io, verbose, colorModeOf(argv));
  }
  return outputChecked(code, io);
}

/**
 * The result goes to stdout (docs/usage.md, "Output"): one that could not be written there (a
 * redirect onto a full disk) is never exit 0, and stderr says so. A stream's write error is
 * emitted after the write returns: one turn of the event loop lets it arrive first.
 */
async function outputChecked(code: ExitCode, io: Io): Promise<ExitCode> {
  await new Promise((resolve) => setImmediate(resolve));
  const failure = io.stdout.failure;
  if (failure === undefined) return code;
  const ui = new Ui(io, { quiet: false, verbose: false, color: 'never' });
  ui.error(
    `stdout could not be written (${failure.message}): the command's output there is incomplete${
      code === EXIT.ok ? '; exit 1, though the command itself succeeded' : ''
    }`,
  );
  return code === EXIT.ok ? EXIT.runtime : code;
}

function report(error: unknown, io: Io, verbose: boolean, color: ColorMode): ExitCode {
  const ui = new Ui(io, { quiet: false, verbose, color });
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help / version).
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof ReportedExit) return error.exitCode;
  if (error instanceof OneroofError) {
    ui.error(error.message);
    if (error.hint) ui.err(`  ${error.hint.split('\n').join('\n  ')}\n`);
    if (verbose) for (const line of describeCauses(error)) ui.err(`  caused by: ${line}\n`);
    return error.exitCode;
  }
  // Not one of ours: a bug or an unexpected failure. Say so plainly; the stack only with --verbose.
  const message = error instanceof Error ? error.message : String(error);
  ui.error(`unexpected failure: ${message}`);
  if (verbose && error instanceof Error && error.stack) ui.err(`${error.stack}\n`);
  else ui.err('  run again with --verbose for the details\n');
  return EXIT.runtime;
}
