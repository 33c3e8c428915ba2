/** What `oneroof evidence` does (registered in src/commands/evidence.ts, loaded when it runs). */
import { resolve } from 'node:path';
import type { Context } from './context.js';
import { writeJson } from './json-out.js';
import { packetRoot } from './packet-root.js';
import { EXIT, OneroofError } from '../errors.js';
import { loadInventory, selectTargets, type Inventory, type Target } from '../inventory/load.js';
import { validateApr } from '../engine/release-options.js';
import type { ReleaseCommand } from '../engine/release.js';
import { readPacketFacts } from '../evidence/packet-facts.js';
import { readRunFacts, type RunFacts } from '../evidence/run-facts.js';
import { writeEvidence } from '../evidence/build.js';
import { operatorPrompt } from './run/reach.js';
import { runOnTarget } from './run/target.js';
import { seconds } from '../duration.js';

import { sealEvidence } from '../evidence/seal.js';
import { findSigningKey } from '../ssh/sign.js';

/** The options of `oneroof evidence` (src/commands/evidence.ts). */
export interface EvidenceFlags {
  target?: string | undefined;
  out?: string;
  from?: string[];
  apr?: string;
  revalidateOn?: string;
  packet?: string;
  json?: boolean;
}

export async function evidence(ctx: Context, given: EvidenceFlags): Promise<void> {
  if (given.target === undefined)
    throw new OneroofError('usage', 'evidence needs --target T (the target the set is for)', {
      hint: 'oneroof evidence --target T [--out DIR], or oneroof evidence verify DIR',
    });
  const flags = { ...given, target: given.target };
  const { io, ui } = ctx;
  const started = Date.now();
  if (flags.apr !== undefined) validateApr(flags.apr);
  if (flags.from !== undefined && flags.apr !== undefined)
    throw new OneroofError(
      'usage',
      '--apr goes with a preflight evidence runs itself, not with --from',
    );
  if (flags.from !== undefined && flags.revalidateOn !== undefined)
    throw new OneroofError(
      'usage',
      '--revalidate-on goes with the runs evidence makes itself; with --from, give the revalidate log',
    );
  const packet = packetRoot(flags.packet, io.env);
  const facts = await readPacketFacts(packet, io.env);
  const runs =
    flags.from === undefined
      ? await runFresh(ctx, flags, packet)
      : await Promise.all(flags.from.map((log) => readRunFacts(resolve(io.cwd, log), io.env)));
  const pick = (command: ReleaseCommand) => {
    const found = runs.filter((r) => r.command === command);
    if (found.length > 1)
      throw new OneroofError('usage', `--from: ${found.length} ${command} logs; give one`);
    const run = found[0];
    if (run && run.target !== flags.target)
      throw new OneroofError(
        'usage',
        `--from: ${run.log} is a run on ${run.target}, not on ${flags.target}`,
      );
    return run;
  };
  for (const r of runs)
    if (r.command !== 'preflight' && r.command !== 'status' && r.command !== 'revalidate')
      throw new OneroofError(
        'usage',
        `--from: ${r.log} is a ${r.command} run; evidence reads a preflight, a status and a revalidate run`,
      );
  const preflight = pick('preflight');
  const status = pick('status');
  // A revalidation runs on a replica, not on the target: its target is the replica's name.
  const revalidation = pickRevalidation(runs);
  const out = resolve(
    io.cwd,
    flags.out ?? `evidence/${flags.target}_${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}`,
  );
  const set = await writeEvidence(out, {
    generatedAt: new Date().toISOString(),
    target: flags.target,
    packet: facts,
    ...(preflight ? { preflight } : {}),
    ...(status ? { status } : {}),
    ...(revalidation ? { revalidation } : {}),
  });
  // The set is sealed with the operator's key (ONEROOF_SIGNING_KEY, else ~/.ssh/id_*): the
  // manifest of its files and of the cited logs' heads, signed in its own namespace.
  const signingKey = findSigningKey(io.env);
  const askPassphrase = operatorPrompt(ctx, false);
  const sealed = await sealEvidence(set, {
    signingKey,
    env: io.env,
    ...(askPassphrase && signingKey !== undefined
      ? { signingPassphrase: () => askPassphrase.recall(signingKey) }
      : {}),
  });
  for (const warning of sealed.warnings) ui.info(`evidence set ${warning}`);
  const durationMs = Date.now() - started;
  if (flags.json) {
    const { evidenceBody } = await import('../json/evidence.js');
    await writeJson(ui, 'evidence', evidenceBody(set, sealed, durationMs));
  } else {
    ui.out(
      `evidence for ${flags.target}: ${set.files.length} files in ${set.dir} (${seconds(durationMs)})\n`,
    );
    for (const c of set.citations) ui.out(`  cites run ${c.runId}, head ${c.head}\n`);
    ui.out(
      `  sealed: ${sealed.manifest}${sealed.signature === undefined ? ' (UNSIGNED)' : `, signed: ${sealed.signature}`}\n`,
    );
  }
}

/** A read-only preflight and a status run, made for the purpose through the one engine. */
async function runFresh(
  ctx: Context,
  flags: EvidenceFlags & { target: string },
  packet: string,
): Promise<RunFacts[]> {
  const inventory = await loadInventory(ctx.settings.inventory, ctx.io.cwd);
  const targets = selectTargets(inventory, flags.target);
  if (targets.length !== 1)
    throw new OneroofError(
      'usage',
      `--target ${flags.target} is a group; evidence is for one target`,
    );
  const target = targets[0]!;
  // Checked before anything runs: the revalidation goes only to a local replica.
  const replica =
    flags.revalidateOn === undefined
      ? undefined
      : revalidationReplica(inventory, flags.revalidateOn);
  const askPassphrase = operatorPrompt(ctx, false);
  const facts: RunFacts[] = [];
  const runs: [ReleaseCommand, Target][] = [
    ['preflight', target],
    ['status', target],
    ...(replica === undefined ? [] : [['revalidate', replica] as [ReleaseCommand, Target]]),
  ];
  for (const [command, on] of runs) {
    const result = await runOnTarget(
      ctx,
      {
        command,
        packet,
        // The revalidation runs DDL in a transaction it rolls back; --revalidate-on is the consent.
        mutating: command === 'revalidate',
        yes: true,
        askPassphrase,
        ...(command === 'preflight' && flags.apr !== undefined ? { apr: flags.apr } : {}),
      },
      on,
      false,
    );
    // A NO-GO, a refusal, a failed assertion is evidence; a run that could not be made is not.
    const evidence: number[] = [
      EXIT.ok,
      EXIT.noGo,
      ...(command === 'revalidate' ? [EXIT.assertion] : []),
    ];
    if (result.log === undefined || !evidence.includes(result.exitCode))
      throw new OneroofError(
        'runtime',
        `${command} on ${on.name} did not run through (exit ${result.exitCode}): ${result.message}`,
      );
    facts.push(await readRunFacts(result.log.output, ctx.io.env));
  }
  return facts;
}

/** --revalidate-on: one target of the inventory, a local replica (transport local). */
function revalidationReplica(inventory: Inventory, name: string): Target {
  const found = selectTargets(inventory, name);
  if (found.length !== 1)
    throw new OneroofError('usage', `--revalidate-on ${name} is a group; name one replica`);
  const replica = found[0]!;
  if (replica.transport !== 'local')
    throw new OneroofError(
      'usage',
      `--revalidate-on ${name}: not a local replica (transport ${replica.transport}); the revalidation runs DDL (rolled back) and never goes to a target reached over ssh`,
      {
        hint: 'name a replica of the inventory (transport: local), reset to the golden clone with the release applied',
      },
    );
  return replica;
}

function pickRevalidation(runs: RunFacts[]): RunFacts | undefined {
  const found = runs.filter((r) => r.command === 'revalidate');
  if (found.length > 1)
    throw new OneroofError('usage', `--from: ${found.length} revalidate logs; give one`);
  return found[0];
}
