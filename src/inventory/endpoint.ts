/**
 * Where an SSH target really goes: resolved by OpenSSH's own rules (`ssh -G`), so that the
 * alias `contabo` means here exactly what `ssh contabo` means in the operator's shell.
 */
import { OneroofError } from '../errors.js';
import { resolveSshTarget, SshResolveError, type ResolvedSsh } from '../ssh/resolve.js';
import type { Target } from './load.js';
import { closeSync } from 'node:fs';
import { SSH_CONFIG_FILE, openChecked } from '../bounded-file.js';

export interface ResolvedEndpoint extends ResolvedSsh {
  /** The known_hosts files host keys are checked against (inventory override, else ssh's). */
  knownHostsFiles: string[];
}

/**
 * One `ssh -G` per target per command: a command loads its inventory once, so the Target object
 * (with the environment it is resolved in) is the key; the transport and the signing-key lookup
 * share the answer.
 */
const cache = new WeakMap<
  Target,
  { env: NodeJS.ProcessEnv; endpoint: Promise<ResolvedEndpoint> }
>();

export function resolveEndpoint(
  target: Target,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedEndpoint> {
  const known = cache.get(target);
  if (known !== undefined && known.env === env) return known.endpoint;
  const endpoint = resolveOnce(target, env);
  cache.set(target, { env, endpoint });
  void endpoint.catch(() => cache.delete(target)); // a failure is not remembered
  return endpoint;
}

async function resolveOnce(target: Target, env: NodeJS.ProcessEnv): Promise<ResolvedEndpoint> {
  const ssh = target.ssh;
  if (!ssh)
    throw new OneroofError(
      'usage',
      `target ${target.name} has no ssh endpoint (transport ${target.transport})`,
    );
  // ssh -G reads it, but a FIFO, a device or megabytes named as ssh_config are refused first.
  if (ssh.kind === 'alias' && ssh.configFile !== undefined)
    closeSync(openChecked(ssh.configFile, { ...SSH_CONFIG_FILE, kind: 'config' }).fd);
  let resolved: ResolvedSsh;
  try {
    resolved =
      ssh.kind === 'alias'
        ? await resolveSshTarget(ssh.alias, {
            ...(ssh.configFile === undefined ? {} : { configFile: ssh.configFile }),
            env,
          })
        : await resolveSshTarget(ssh.host, {
            env,
            overrides: {
              ...(ssh.user === undefined ? {} : { user: ssh.user }),
              ...(ssh.port === undefined ? {} : { port: ssh.port }),
              ...(ssh.identity === undefined ? {} : { identityFile: ssh.identity }),
            },
          });
  } catch (error) {
    if (error instanceof SshResolveError) {
      throw new OneroofError('config', `target ${target.name}: ${error.message}`, {
        cause: error,
        ...(error.detail === undefined ? {} : { hint: error.detail }),
      });
    }
    throw error;
  }
  const knownHostsFiles = target.knownHosts ?? [
    ...resolved.userKnownHostsFiles,
    ...resolved.globalKnownHostsFiles,
  ];
  return { ...resolved, knownHostsFiles };
}
