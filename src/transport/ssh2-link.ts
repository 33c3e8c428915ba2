/**
 * One verified, authenticated ssh2 connection (a hop or the target): host key checked by
 * ssh2-hostkey, keys chosen by ssh2-auth, keepalives on. Everything that can go wrong before
 * 'ready' becomes one OneroofError naming the host and what to do.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client, ClientErrorExtensions, ConnectConfig } from 'ssh2';
import { OneroofError } from '../errors.js';
import type { ResolvedSsh } from '../ssh/resolve.js';
import { authFailure, planAuth, type AskPassphrase } from './ssh2-auth.js';
import {
  explainHandshakeFailure,
  prepareHostKeyCheck,
  type HostKeyAccepted,
  type HostKeyPolicy,
} from './ssh2-hostkey.js';

export interface LinkTarget extends ResolvedSsh {
  /** The known_hosts files this host's key is checked against. */
  knownHostsFiles: readonly string[];
}

export interface LinkOptions {
  hostKeyPolicy: HostKeyPolicy;
  env: NodeJS.ProcessEnv;
  askPassphrase?: AskPassphrase;
  readyTimeoutMs?: number;
  onHostKeyAccepted?: (event: HostKeyAccepted) => void;
  onNotice?: (message: string) => void;
}

export interface Link {
  client: Client;
  hostKeyFingerprint: string;
  keepalive: { intervalMs: number; countMax: number };
}

const DEFAULT_KEEPALIVE_S = 15;

/** Connects to `target` (over `sock`, for a ProxyJump hop), verifies it, logs in. */
export async function openLink(
  target: LinkTarget,
  sock: Duplex | undefined,
  options: LinkOptions,
): Promise<Link> {
  const via = sock === undefined ? '' : ' (through ProxyJump)';
  const where = `${target.user}@${target.hostname}:${target.port} (${target.alias})${via}`;
  const hostKey = await prepareHostKeyCheck(
    {
      // With HostKeyAlias, OpenSSH looks up the bare alias (get_hostfile_hostname_ipaddr).
      host: target.hostKeyAlias ?? target.hostname,
      port: target.hostKeyAlias === undefined ? target.port : 22,
      files: target.knownHostsFiles,
      policy: options.hostKeyPolicy,
    },
    {
      ...(options.onHostKeyAccepted === undefined ? {} : { onAccepted: options.onHostKeyAccepted }),
      ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
    },
  );
  for (const w of hostKey.warnings)
    options.onNotice?.(`${w.source}:${w.line}: ignored (${w.message})`);
  const auth = await planAuth(target, options.env, options.askPassphrase);
  for (const skipped of auth.skipped) options.onNotice?.(`${target.alias}: ${skipped}`);

  const keepalive = {
    intervalMs:
      (target.serverAliveInterval > 0 ? target.serverAliveInterval : DEFAULT_KEEPALIVE_S) * 1000,
    countMax: target.serverAliveCountMax > 0 ? target.serverAliveCountMax : 3,
  };
  const config: ConnectConfig = {
    host: target.hostname,
    port: target.port,
    username: target.user,
    authHandler: auth.methods,
    hostVerifier: hostKey.verifier,
    readyTimeout: options.readyTimeoutMs ?? (target.connectTimeout ?? 20) * 1000,
    keepaliveInterval: keepalive.intervalMs,
    keepaliveCountMax: keepalive.countMax,
    // Offer only the key types known_hosts has for this host, or a known host looks unknown.
    ...(hostKey.algorithms.length > 0
      ? { algorithms: { serverHostKey: hostKey.algorithms as ssh2.ServerHostKeyAlgorithm[] } }
      : {}),
    ...(sock === undefined ? {} : { sock }),
  };

  const client = new ssh2.Client();
  // An 'error' without a listener would crash the process (ssh2 may emit more than one, and
  // after 'ready'); the promise below and the connection's own listeners report what matters.
  client.on('error', () => undefined);
  const ready = new Promise<void>((resolve, reject) => {
    const onError = (error: Error & ClientErrorExtensions): void => {
      // An unreachable agent is reported and ssh2 goes on with the next method.
      if (error.level === 'agent') {
        options.onNotice?.(`${target.alias}: ssh-agent: ${error.message}`);
        return;
      }
      cleanup();
      reject(classify(error));
    };
    const onClose = (): void => {
      cleanup();
      reject(
        hostKey.refusal() ??
          new OneroofError('runtime', `${where} closed the connection before login completed`),
      );
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      client.off('error', onError).off('close', onClose).off('ready', onReady);
    };
    client.on('error', onError).on('close', onClose).on('ready', onReady);
  });
  const classify = (error: Error & ClientErrorExtensions): OneroofError => {
    const refusal = hostKey.refusal();
    if (refusal) return refusal;
    if (error.level === 'client-authentication') return authFailure(target, auth, error);
    const changed = explainHandshakeFailure(hostKey, error);
    if (changed) return changed;
    if (error.level === 'client-timeout')
      return new OneroofError(
        'runtime',
        `${where}: no answer within ${(config.readyTimeout ?? 0) / 1000} s`,
        { cause: error, hint: 'is the host up and the port right? (ssh -G shows what is used)' },
      );
    return new OneroofError('runtime', `cannot connect to ${where}: ${error.message}`, {
      cause: error,
    });
  };

  try {
    client.connect(config);
  } catch (error) {
    throw new OneroofError('config', `cannot connect to ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    await ready;
  } catch (error) {
    client.end();
    throw error;
  }
  return { client, hostKeyFingerprint: hostKey.fingerprint() ?? '', keepalive };
}

/** A channel from `client` to host:port, to carry the next hop's connection. */
export function forwardTo(
  client: Client,
  from: string,
  host: string,
  port: number,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
        if (error)
          reject(
            new OneroofError(
              'runtime',
              `jump host ${from} could not open a connection to ${host}:${port}: ${error.message}`,
              {
                cause: error,
                hint: 'the jump host must allow TCP forwarding (AllowTcpForwarding)',
              },
            ),
          );
        else resolve(channel);
      });
    } catch (error) {
      reject(
        new OneroofError('runtime', `jump host ${from}: ${(error as Error).message}`, {
          cause: error,
        }),
      );
    }
  });
}
