/**
 * A lone target's run and its live view (./view.ts): the view is made before the target is
 * reached and fed the engine's own callbacks (onConnected, onRecord, onEvent, onTier).
 */
import type { Context } from '../context.js';
import type { Target } from '../../inventory/load.js';
import type { ReleaseCommand, ReleaseOptions } from '../../engine/release.js';
import type { TransportKind } from '../../transport/types.js';
import { LiveView, type RunView } from './view.js';

export type { RunView };

export function liveView(
  ctx: Context,
  run: { command: ReleaseCommand; wait?: number },
  target: Target,
): LiveView {
  return new LiveView(ctx.ui, {
    command: run.command,
    target: target.name,
    ...(run.wait === undefined ? {} : { wait: run.wait }),
    verbose: ctx.settings.verbose,
  });
}

/** What the inventory says of the target: where it is reached, and what runs there. */
export function resolvedText(target: Target, transport: TransportKind): string {
  const ssh = target.ssh;
  const where =
    transport === 'local' || ssh === undefined
      ? 'docker on this machine'
      : ssh.kind === 'alias'
        ? `ssh ${ssh.alias}`
        : `ssh ${ssh.user ? `${ssh.user}@` : ''}${ssh.host}${ssh.port ? `:${ssh.port}` : ''}`;
  return `${target.name}: ${where} (${transport}), container ${target.container}, database ${target.database}`;
}

/** The engine's callbacks, each fed to the view. */
export function viewEvents(
  view: RunView,
): Pick<ReleaseOptions, 'onConnected' | 'onRecord' | 'onEvent' | 'onTier'> {
  return {
    onConnected: (peer) => view.rows.connected(peer),
    onRecord: (record) => view.rows.record(record),
    onEvent: (event) => view.rows.event(event),
    onTier: (step) => view.rows.tier(step),
  };
}
