/**
 * The one place a target becomes a Transport. An ssh target is resolved as `ssh ALIAS`
 * would resolve it (src/inventory/endpoint.ts); a local target never goes over ssh, and an
 * ssh target is never silently swapped for the local engine.
 *
 * What each transport can tell (test/integration/transport-conformance.test.ts proves it):
 *   - exit N: all three, the same N. A process killed inside the container arrives as docker's
 *     128+n (143 for TERM) through all three: `docker exec` reports it that way.
 *   - signal: ssh2 only, when the remote login shell's child (the docker client) dies of a
 *     signal (`SIGKILL`). openssh cannot (ssh exits 255: reported as lost); local has no such
 *     process.
 *   - lost: ssh2 — channel closed with no exit status, connection error/close, keepalive
 *     timeout (with the reason). openssh — ssh exited 255 or was killed (a remote exit 255 looks
 *     the same; nothing we run exits 255). local — the exec stream broke before its end, or
 *     docker gave no exit code; exec could not start.
 *   In every `lost` case the far side may still be running: a closed channel does not stop it.
 *
 * Each transport's module is imported when a target needs it: a run over ssh2 does not load
 * dockerode (and the gRPC stack it brings), a local one does not load ssh2.
 */
import { OneroofError } from '../errors.js';
import { resolveEndpoint } from '../inventory/endpoint.js';
import type { Target } from '../inventory/load.js';
import type { TransportName } from '../inventory/identifiers.js';
import type { AskPassphrase } from './ssh2-auth.js';
import type { HostKeyAccepted, HostKeyPolicy } from './ssh2-hostkey.js';
import type { Transport } from './types.js';

export type { Transport } from './types.js';
export {
  oneAtATime,
  rememberAnswers,
  ttyPassphrasePrompt,
  type RememberingPrompt,
} from './passphrase.js';

export interface CreateTransportOptions {
  /** --transport, when given. */
  transportOverride?: TransportName;
  env?: NodeJS.ProcessEnv;
  askPassphrase?: AskPassphrase;
  /** Overrides the target's host_key policy. */
  hostKeyPolicy?: HostKeyPolicy;
  onHostKeyAccepted?: (event: HostKeyAccepted) => void;
  onNotice?: (message: string) => void;
}

export async function createTransport(
  target: Target,
  options: CreateTransportOptions = {},
): Promise<Transport> {
  const kind = options.transportOverride ?? target.transport;
  const env = options.env ?? process.env;
  if (target.transport === 'local' && kind !== 'local') {
    throw new OneroofError(
      'usage',
      `target ${target.name} is a local replica (transport: local); --transport ${kind} cannot reach it`,
      { hint: 'drop --transport, or choose a target with an ssh endpoint' },
    );
  }
  if (target.transport !== 'local' && kind === 'local') {
    throw new OneroofError(
      'usage',
      `target ${target.name} is reached over ssh; --transport local would run against this machine's Docker engine instead`,
      { hint: 'use --transport ssh2 or openssh, or a target with transport: local' },
    );
  }
  if (kind === 'local') {
    const { LocalTransport } = await import('./local.js');
    return new LocalTransport({ container: target.container, targetName: target.name, env });
  }

  const ssh = target.ssh;
  if (ssh === undefined)
    throw new OneroofError('config', `target ${target.name} has no ssh endpoint`);
  // `ssh -G` first (a child process: a wait, not work here), the client's modules load meanwhile.
  const resolving = resolveEndpoint(target, env);
  const client = kind === 'openssh' ? import('./openssh.js') : import('./ssh2.js');
  client.catch(() => {}); // an error surfaces where it is awaited below, after ssh -G's own
  const endpoint = await resolving;
  const hostKeyPolicy = options.hostKeyPolicy ?? target.hostKeyPolicy;
  if (kind === 'openssh') {
    const { OpensshTransport } = (await client) as typeof import('./openssh.js');
    return new OpensshTransport({
      ssh,
      endpoint,
      hostKeyPolicy,
      env,
      ...(target.knownHosts === undefined ? {} : { knownHostsOverride: target.knownHosts }),
    });
  }
  const { Ssh2Transport } = (await client) as typeof import('./ssh2.js');
  return new Ssh2Transport(endpoint, {
    hostKeyPolicy,
    env,
    ...(options.askPassphrase === undefined ? {} : { askPassphrase: options.askPassphrase }),
    ...(options.onHostKeyAccepted === undefined
      ? {}
      : { onHostKeyAccepted: options.onHostKeyAccepted }),
    ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
    ...(ssh.kind === 'alias' && ssh.configFile !== undefined
      ? { sshConfigFile: ssh.configFile }
      : {}),
    ...(target.knownHosts === undefined ? {} : { knownHostsOverride: target.knownHosts }),
  });
}
