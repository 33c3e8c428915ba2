/**
 * `oneroof replay LOGFILE [--json | --html FILE | --play [--speed X] | --cast FILE]
 *                 [--allowed-signers FILE] [--target T [--packet DIR]]`
 * Integrity first (exit 5 naming the first bad record), then the run reconstructed: who, where,
 * when, the gate, the tiers, the findings, the state before and after, the outcome.
 */
import { untimedWhy } from '../audit/timing-words.js';
import { basename, resolve } from 'node:path';
import { Option, type Command } from '@commander-js/extra-typings';
import type { Context, ContextFactory } from './context.js';
import { writeJson } from './json-out.js';
import { readAnchors, type AnchorLookup } from '../runlog/anchor.js';
import { describeProblem } from '../audit/integrity.js';
import type { OnTarget, ReplayReport } from '../audit/report.js';
import { EXIT, OneroofError } from '../errors.js';
import { PACKET_OPTION_HELP, packetRoot } from './packet-root.js';
import type { ReleaseResult } from '../engine/release.js';
import type { Target } from '../inventory/load.js';
import { quoteInput } from '../safe-text.js';
import type { Transport } from '../transport/types.js';

export function registerReplay(program: Command, context: ContextFactory): void {
  program
    .command('replay')
    .description('reconstruct a past run from its log; prove the log was not edited')
    .argument('<logfile>', 'logs/<kind>_<stamp>.log (or its .jsonl), or a log made by psql … | tee')
    .addOption(new Option('--json', 'one JSON document on stdout'))
    .addOption(
      new Option('--html <file>', 'write one self-contained page for an auditor').conflicts('json'),
    )
    .addOption(
      new Option('--play', 'show the output again, at the pace it arrived').conflicts([
        'json',
        'html',
      ]),
    )
    .addOption(
      new Option(
        '--raw',
        "with --play: write the log's bytes as they are (escape sequences reach the terminal)",
      ),
    )
    .addOption(new Option('--speed <x>', 'with --play: 2 = twice as fast (default 1)'))
    .addOption(
      new Option('--max-wait <seconds>', 'with --play: shorten every pause to at most this'),
    )
    .addOption(
      new Option('--cast <file>', 'also write an asciicast v2 recording (asciinema play FILE)'),
    )
    .addOption(
      new Option(
        '--allowed-signers <file>',
        'ssh-keygen allowed-signers file: demand a signature by one of its keys (env ONEROOF_ALLOWED_SIGNERS)',
      ),
    )
    .addOption(
      new Option('--target <name>', 'also check the anchor the run left on this target (connects)'),
    )
    .addOption(
      new Option(
        '--packet <dir>',
        `the packet the log ran: which of its files own PREFLIGHT and VERIFY claims (a log made by hand), whose status probes read the ledger (--target); ${PACKET_OPTION_HELP}`,
      ),
    )
    .action(async (logfile, options, command) => {
      const ctx = context(command);
      const { io, ui } = ctx;
      // Replay reads and checks a log: the engine and the transports only with --target.
      const [
        { replayLog },
        { renderText },
        { loadPacket },
        { markerClaims },
        { castLines, writeCast },
        { outputChunks },
        { play },
      ] = await Promise.all([
        import('../audit/replay.js'),
        import('../audit/text.js'),
        import('../contract/load.js'),
        import('../contract/summary.js'),
        import('../audit/cast.js'),
        import('../audit/chunks.js'),
        import('../audit/play.js'),
      ]);
      const speed = positive('--speed', options.speed ?? '1');
      const maxWait =
        options.maxWait === undefined ? undefined : positive('--max-wait', options.maxWait);
      if (
        (options.speed !== undefined || options.maxWait !== undefined || options.raw) &&
        !options.play
      )
        throw new OneroofError('usage', '--speed, --max-wait and --raw go with --play');
      const allowedSigners = options.allowedSigners ?? io.env.ONEROOF_ALLOWED_SIGNERS;
      // The same packet every other command would run, read before any target is contacted
      // (and whenever it is named: never ignored); otherwise only if the log is one made by hand.
      const packet = packetRoot(options.packet, io.env);
      if (options.target !== undefined || options.packet !== undefined) await loadPacket(packet);
      const reached =
        options.target === undefined ? undefined : await reachTarget(ctx, options.target);
      const anchor = reached?.anchor;

      const report = await replayLog({
        path: resolvePath(io.cwd, logfile),
        ...(allowedSigners ? { allowedSigners: resolvePath(io.cwd, allowedSigners) } : {}),
        ...(anchor ? { anchor } : {}),
        claims: async () => markerClaims(await loadPacket(packet)),
        env: io.env,
      });
      const tampered = report.integrity.verdict === 'tampered';
      if (reached && !tampered && report.source.records !== null)
        report.onTarget = await onTarget(ctx, reached, packet, report);

      if (options.json) {
        const { replayBody } = await import('../json/replay.js');
        await writeJson(ui, 'replay', replayBody(report));
      } else if (options.play) ui.info(`integrity  ${report.integrity.summary}`);
      // The report is the command's result: stdout (`replay LOG | less`). With --html or
      // --cast the file is the result, and the report what is said about it: stderr.
      else if (options.html !== undefined || options.cast !== undefined)
        ui.err(renderText(report, ui));
      else ui.out(renderText(report, ui));

      if (options.html !== undefined) {
        const file = resolvePath(io.cwd, options.html);
        const { writeHtml } = await import('../audit/html.js');
        writeHtml({ file, report, chunks: outputChunks(report.source) });
        ui.info(`page: ${file}`);
      }
      if (tampered) throw integrityError(report);
      if (options.cast !== undefined) {
        const file = resolvePath(io.cwd, options.cast);
        writeCast(file, castLines(report, outputChunks(report.source)));
        ui.info(`asciicast: ${file} (asciinema play ${file})`);
      }
      if (options.play) {
        const played = await play(outputChunks(report.source), {
          speed,
          ...(maxWait === undefined ? {} : { maxWait }),
          ...(options.raw ? { raw: (bytes: Buffer) => writeOut(io.stdout, bytes) } : {}),
          write: (text) => writeOut(io.stdout, text),
          stopped: () => (io.stdout as { closed?: boolean }).closed === true,
        });
        if (!played.timed)
          ui.info(`(${untimedWhy(report.source.records === undefined, 'output')}: shown at once)`);
        ui.info(`outcome    ${report.outcome.outcome}: ${report.outcome.summary}`);
      }
    });
}

function integrityError(report: ReplayReport): OneroofError {
  const bad = report.integrity.firstBad;
  const name = basename(report.source.records ?? report.source.log);
  return new OneroofError(
    'integrity',
    `${name}: the log was edited — ${bad ? describeProblem(bad) : report.integrity.summary}`,
    {
      hint: 'this log cannot be trusted as a record of the run; compare with the target (oneroof status) and any other copy of the log',
    },
  );
}

interface Reached {
  target: Target;
  transport: Transport;
  anchor: { target: string; lookup: (run: string) => Promise<AnchorLookup> };
}

/**
 * What really happened on the target: its ledger and live sessions, read by the status engine
 * (read-only, lock-free, logged like any status run), set against what the log saw.
 */
async function onTarget(
  ctx: Context,
  reached: Reached,
  packet: string,
  report: ReplayReport,
): Promise<OnTarget> {
  const name = reached.target.name;
  const [{ runRelease }, { fateOnTarget }] = await Promise.all([
    import('../engine/release.js'),
    import('../engine/last-run.js'),
  ]);
  let status: Pick<ReleaseResult, 'exitCode' | 'message' | 'probes'>;
  try {
    status = await runRelease('status', {
      target: reached.target,
      transport: reached.transport,
      logDir: ctx.settings.logDir,
      packet,
      env: ctx.io.env,
    });
  } catch (error) {
    status = { exitCode: EXIT.runtime, message: (error as Error).message, probes: {} };
  }
  const ledger = status.probes.ledger;
  if (status.exitCode !== EXIT.ok || ledger === undefined)
    return {
      target: name,
      applied: [],
      server: 'unread',
      message: `could not read the ledger of ${name}: ${status.message}`,
    };
  const applied = ledger.filter((r) => r.applied).map((r) => r.tier);
  const open = report.tiers.some((t) => t.status === 'unknown');
  const fate = fateOnTarget(report, report.source.records!, ledger, status.probes.alive ?? []);
  return {
    target: name,
    applied,
    server: fate.server,
    message: open
      ? fate.message.replace(/^the last /, 'the ')
      : `the ledger of ${name} shows ${applied.length ? `tier ${applied.join(', ')} applied` : 'no tier applied'}`,
  };
}

async function reachTarget(ctx: Context, name: string): Promise<Reached> {
  const [{ loadInventory, unknownTarget }, { createTransport, ttyPassphrasePrompt }] =
    await Promise.all([import('../inventory/load.js'), import('../transport/index.js')]);
  const inventory = await loadInventory(ctx.settings.inventory, ctx.io.cwd);
  const target = inventory.targets.get(name);
  if (target === undefined) throw unknownTarget(inventory, name, false);
  const askPassphrase = ttyPassphrasePrompt();
  const transport = await createTransport(target, {
    ...(ctx.settings.transport ? { transportOverride: ctx.settings.transport } : {}),
    env: ctx.io.env,
    ...(askPassphrase ? { askPassphrase } : {}),
  });
  const anchor = {
    target: name,
    lookup: async (run: string) => {
      const connection = await transport.connect();
      try {
        return await readAnchors(connection, target, run);
      } catch (error) {
        throw new OneroofError('runtime', `${name}: ${(error as Error).message}`, { cause: error });
      } finally {
        await connection.close();
      }
    },
  };
  return { target, transport, anchor };
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new OneroofError(
      'usage',
      `${flag}: expected a positive number, got ${quoteInput(value)}`,
    );
  return n;
}

function resolvePath(cwd: string, path: string): string {
  return resolve(cwd, path);
}

/** Waits for a full pipe to drain, so a long playback does not pile up in memory. */
function writeOut(
  stdout: { write(text: string): unknown },
  text: string | Buffer,
): Promise<void> | void {
  const stream = stdout as {
    write(text: string | Buffer): unknown;
    once?: (event: string, f: () => void) => void;
  };
  if (stream.write(text) === false && typeof stream.once === 'function')
    return new Promise((resolve) => stream.once!('drain', resolve));
}
