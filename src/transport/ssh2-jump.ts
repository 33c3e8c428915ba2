/**
 * ProxyJump, as OpenSSH reads it: `ssh -G` prints `proxyjump [user@]host[:port],…`; each hop
 * is itself resolved with `ssh -G` (a hop may be an alias), with the same -F file, and its
 * user and port from the spec winning over its config (OpenSSH runs `ssh -l U -p P … HOP`).
 * Only the first hop's own ProxyJump applies (OpenSSH passes the rest of the chain with -J,
 * which overrides the later hops' ProxyJump and ProxyCommand); it is expanded in front.
 */
import { OneroofError } from '../errors.js';
import {
  resolveSshTarget,
  SshResolveError,
  type ResolveOptions,
  type ResolvedSsh,
} from '../ssh/resolve.js';
import { parseProxyJump, type JumpSpec } from '../ssh/proxy-jump.js';

const MAX_HOPS = 8;

export type HopResolver = (hop: JumpSpec) => Promise<ResolvedSsh>;

/** `ssh -G [-F file] [-l user] [-p port] HOST`, as OpenSSH's own jump command would resolve it. */
export function sshGHopResolver(options: {
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  sshBinary?: string;
}): HopResolver {
  return async (hop) => {
    const resolveOptions: ResolveOptions = {
      overrides: {
        ...(hop.user === undefined ? {} : { user: hop.user }),
        ...(hop.port === undefined ? {} : { port: hop.port }),
      },
    };
    if (options.configFile !== undefined) resolveOptions.configFile = options.configFile;
    if (options.env !== undefined) resolveOptions.env = options.env;
    if (options.sshBinary !== undefined) resolveOptions.sshBinary = options.sshBinary;
    try {
      return await resolveSshTarget(hop.host, resolveOptions);
    } catch (error) {
      if (error instanceof SshResolveError)
        throw new OneroofError('config', `ProxyJump hop ${hop.host}: ${error.message}`, {
          cause: error,
        });
      throw error;
    }
  };
}

/** The hops to connect through, in order (first = the one reached directly). */
export async function resolveJumpChain(
  proxyJump: string,
  resolveHop: HopResolver,
  depth = 0,
): Promise<ResolvedSsh[]> {
  const specs = parseProxyJump(proxyJump);
  const chain: ResolvedSsh[] = [];
  for (const [index, spec] of specs.entries()) {
    const hop = await resolveHop(spec);
    if (index === 0) {
      if (hop.proxyCommand !== undefined) {
        throw new OneroofError(
          'config',
          `ProxyJump hop ${spec.host} is reached through a ProxyCommand, which the ssh2 transport does not run`,
          { hint: 'use --transport openssh for this target' },
        );
      }
      if (hop.proxyJump !== undefined) {
        if (depth >= MAX_HOPS)
          throw new OneroofError(
            'config',
            `ProxyJump: more than ${MAX_HOPS} nested hops (a loop?)`,
          );
        chain.push(...(await resolveJumpChain(hop.proxyJump, resolveHop, depth + 1)));
      }
    }
    chain.push(hop);
  }
  if (chain.length > MAX_HOPS)
    throw new OneroofError('config', `ProxyJump: ${chain.length} hops; at most ${MAX_HOPS}`);
  return chain;
}
