/**
 * One release command on one target: reach it, say the weaker read mode when it applies, run the
 * engine (src/engine/release.ts) with Ctrl-C wired to its cancel, and report where the log's
 * proof went. `live` is a lone target: tier progress is shown as it happens.
 */
import type { Context } from '../context.js';
import type { Target } from '../../inventory/load.js';
import { noteLateCancel } from '../../engine/release-result.js';
import {
  runRelease,
  type Confirmation,
  type ReleaseCommand,
  type ReleaseOptions,
  type ReleaseResult,
} from '../../engine/release.js';
import type { RememberingPrompt } from '../../transport/index.js';
import { sessionModeWarning } from '../../runner/read-only.js';
import { liveView, resolvedText, viewEvents, type RunView } from '../live/wiring.js';
import { confirmRelease } from './confirm.js';
import { withInterrupt } from './interrupt.js';
import { reach } from './reach.js';
import { reportAudit } from './audit-report.js';

/** What the command settled before any target is contacted. */
export interface TargetRun {
  command: ReleaseCommand;
  packet: string;
  mutating: boolean;
  /** The command's one passphrase prompt, shared by all its targets. */
  askPassphrase: RememberingPrompt | undefined;
  apr?: string;
  dryRun?: boolean;
  rollback?: 'full' | number;
  yes?: boolean;
  wait?: number;
}

/**
 * `live`: true for a lone target (its own view, and where the log's proof went), a member's
 * view for a member of a group (../live/group-view.ts), false for none.
 */
export function runOnTarget(
  ctx: Context,
  run: TargetRun,
  target: Target,
  live: boolean | RunView,
): Promise<ReleaseResult> {
  // Ctrl-C once: the server cancels the running statement (as psql's Ctrl-C); twice: exit.
  return withInterrupt(ctx.ui, (signal) => oneTarget(ctx, run, target, live, signal));
}

async function oneTarget(
  ctx: Context,
  run: TargetRun,
  target: Target,
  live: boolean | RunView,
  signal: AbortSignal,
): Promise<ReleaseResult> {
  const view = live === true ? liveView(ctx, run, target) : live === false ? undefined : live;
  try {
    const result = await viewed(ctx, run, target, signal, view);
    if (live === true) {
      view?.stop();
      reportAudit(ctx, result);
    }
    return result;
  } finally {
    view?.stop();
  }
}

async function viewed(
  ctx: Context,
  run: TargetRun,
  target: Target,
  signal: AbortSignal,
  view: RunView | undefined,
): Promise<ReleaseResult> {
  const { io, ui, settings } = ctx;
  const { command, mutating } = run;
  const { transport, signingKey, signingPassphrase } = await reach(ctx, target, run.askPassphrase);
  view?.rows.resolved(resolvedText(target, transport.kind));
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
    packet: run.packet,
    argv: process.argv.slice(2),
    ...(run.apr === undefined ? {} : { apr: run.apr }),
    ...(run.dryRun ? { dryRun: true } : {}),
    ...(run.rollback === undefined ? {} : { rollback: run.rollback }),
    ...(run.wait === undefined ? {} : { waitSeconds: run.wait }),
    ...(mutating && run.yes !== true
      ? {
          confirm: (about: Confirmation) =>
            view
              ? view.pause(() => confirmRelease(ctx, about, target))
              : confirmRelease(ctx, about, target),
        }
      : {}),
    ...(view ? viewEvents(view) : {}),
  };
  const result = await runRelease(command, { ...options, interrupt: signal });
  noteLateCancel(result, signal);
  return result;
}
