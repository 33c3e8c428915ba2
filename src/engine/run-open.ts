/**
 * Opening a release run: the log and the connection (RunSession), the run's own first records
 * (what runs, as whom, against which packet, and the weaker read mode when it applies), and the
 * operator's confirmation of a mutating run, naming what was actually reached.
 */
import { OneroofError } from '../errors.js';
import { whoAmI } from '../local/who.js';
import { RunSession, sessionExtras } from '../runner/run.js';
import { readOnlyUser, sessionModeWarning } from '../runner/read-only.js';
import type { RunKind } from '../runlog/writer.js';
import type { PacketSummary } from '../contract/summary.js';
import { confirmationOf } from './confirmation.js';
import type { ReleaseSteps } from './release-steps.js';
import { changeSteps, readBefore, type StateBefore } from './state-before.js';
import type { PacketIdentity } from './packet-check.js';
import { READ_ONLY } from './release-options.js';
import type { Confirmation, ReleaseCommand, ReleaseOptions } from './result.js';
import type { PacketDescriptor } from '../contract/schema.js';
import { releaseTiers, stateLegend } from '../contract/summary.js';

const LOG_KIND: Record<ReleaseCommand, RunKind> = {
  preflight: 'preflight',
  apply: 'rollout',
  verify: 'verify',
  rollback: 'rollback',
  status: 'status',
  revalidate: 'revalidate',
};

/** The log, then the connection; onLogFailure: a log that fails later. */
export function openSession(
  command: ReleaseCommand,
  options: ReleaseOptions,
  summary: PacketSummary,
  onLogFailure: (error: Error) => void,
): Promise<RunSession> {
  return RunSession.open({
    onLogFailure,
    kind: LOG_KIND[command],
    target: options.target,
    transport: options.transport,
    logDir: options.logDir,
    ...sessionExtras(options),
    packet: summary,
  });
}

/** The run's first records; returns the result's fields known from here on. */
export function recordStart(
  session: RunSession,
  command: ReleaseCommand,
  options: ReleaseOptions,
  summary: PacketSummary,
  packet: PacketIdentity,
  readOnly: boolean,
  appName: string,
) {
  const base = {
    command,
    target: options.target.name,
    peer: session.peer,
    log: session.log.paths,
    dryRun: options.dryRun === true,
    manifestSha256: packet.manifestSha256,
    packet: summary,
    packetSignature: packet.signature,
    ...(options.apr === undefined ? {} : { apr: options.apr }),
    ...(readOnly
      ? { readOnly: { mode: options.target.reader.mode, user: readOnlyUser(options.target) } }
      : {}),
  };
  session.record('release', {
    command,
    target: options.target.name,
    apr: options.apr ?? null,
    dryRun: options.dryRun === true,
    rollback: options.rollback ?? null,
    readOnly,
    ...(readOnly
      ? { readOnlyMode: options.target.reader.mode, readUser: readOnlyUser(options.target) }
      : {}),
    applicationName: appName,
    manifest: { sha256: packet.manifestSha256, root: packet.root, signature: packet.signature },
  });
  if (readOnly && options.target.reader.mode === 'session')
    session.record('read-only-weak', { warning: sessionModeWarning(options.target) });
  return base;
}

/**
 * Mutating runs: the operator confirms (or the run records it was not asked); no: nothing runs.
 * Before the prompt, the state is read (src/engine/state-before.ts) and shown; returned, with
 * the guard that holds the main session to it.
 */
export async function confirmRun(
  session: RunSession,
  command: ReleaseCommand,
  options: ReleaseOptions,
  d: PacketDescriptor,
  steps: ReleaseSteps,
): Promise<StateBefore> {
  if (!READ_ONLY[command] && options.confirm === undefined)
    session.record('confirmation', { confirmed: true, via: 'not-asked', by: whoAmI() });
  else if (options.confirm && !READ_ONLY[command]) {
    const before = await readBefore(session, options, steps, d.state.columns);
    const guarded = before.vector !== undefined && before.guard !== undefined;
    const confirmed = await options.confirm({
      command,
      target: options.target.name,
      peer: session.peer,
      dryRun: options.dryRun === true,
      ...(options.apr === undefined ? {} : { apr: options.apr }),
      ...(options.rollback === undefined ? {} : { rollback: options.rollback }),
      change: {
        ...changeOf(command, options, d),
        ...(before.vector ? { before: before.vector.text } : {}),
        steps: changeSteps(command, options, d, before),
        guarded,
      },
    });
    session.record('confirmation', {
      ...confirmationOf(confirmed, options.target.name),
      ...(before.vector ? { state: before.vector.text } : {}),
      ...(before.applied ? { applied: before.applied } : {}),
      guarded,
    });
    if (!confirmed)
      throw new OneroofError(
        'usage',
        `${command} on ${options.target.name} not confirmed; nothing was run`,
      );
    if (guarded) steps.main = await steps.guarded(before.guard!, before.vector!.text);
    return before;
  }
  return {};
}

/** What a mutating run will change, as the packet's contract says (a dry run: nothing). */
function changeOf(
  command: ReleaseCommand,
  options: ReleaseOptions,
  d: PacketDescriptor,
): Omit<Confirmation['change'], 'steps' | 'guarded'> {
  const legend = stateLegend(d.state.columns);
  const tiers = releaseTiers(d);
  if (command === 'apply')
    return { tiers, legend, ...(options.dryRun ? {} : { expectedAfter: d.state.applied }) };
  // Not state.baseline: that is a fresh database's, and a rollback keeps what the release did
  // not make (an approval row, sessions): the packet promises no vector after a rollback.
  if (options.rollback === 'full') return { tiers: [...tiers].reverse(), legend };
  return { tiers: tiers.filter((t) => t.tier === options.rollback), legend };
}
