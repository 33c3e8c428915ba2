/**
 * Reaching a target for a run: its transport, the one passphrase prompt of the command, and the
 * ssh key that signs the run's log (the one the target is reached with).
 */
import type { Context } from '../context.js';
import type { Target } from '../../inventory/load.js';
import { resolveEndpoint } from '../../inventory/endpoint.js';
import { findSigningKey } from '../../ssh/sign.js';
import {
  createTransport,
  oneAtATime,
  rememberAnswers,
  ttyPassphrasePrompt,
  type RememberingPrompt,
} from '../../transport/index.js';
import type { Transport } from '../../transport/types.js';

/** Errors of an ssh connection that could not be made: a group run counts their members unreachable. */
const unreachable = new WeakSet<object>();

/** The transport, with a failure to connect remembered as such (isUnreachable). */
function watchConnect(transport: Transport): Transport {
  // Docker on this machine is not a host to reach: a missing container there is a failure.
  if (transport.kind === 'local') return transport;
  return {
    kind: transport.kind,
    connect: () =>
      transport.connect().catch((error: unknown) => {
        if (typeof error === 'object' && error !== null) unreachable.add(error);
        throw error;
      }),
  };
}

/** The error is a connection that could not be made (not a refusal after connecting). */
export function isUnreachable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && unreachable.has(error);
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
    transport: watchConnect(transport),
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
  if (ask === undefined) return undefined;
  // The live view is not drawn over the question: erased while it is asked, redrawn after.
  return rememberAnswers(
    oneAtATime(ask, (work) => (ctx.ui.overlay ? ctx.ui.overlay.pause(work) : work())),
  );
}
