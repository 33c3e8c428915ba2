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
import { quoteInput } from '../safe-text.js';

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

const MAX_HOPS = 8;

/** Parses `ssh -G`'s proxyjump value. Pure; throws a OneroofError('config') on nonsense. */
export function parseProxyJump(value: string): JumpSpec[] {
  const hops: JumpSpec[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim().replace(/^ssh:\/\//, '');
    const match = /^(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(item);
    const host = match?.[2]?.replace(/^\[(.*)\]$/, '$1');
    const port = match?.[3] === undefined ? undefined : Number(match[3]);
    if (!match || host === undefined || host === '' || host.startsWith('-')) {
      throw new OneroofError(
        'config',
        `ProxyJump ${quoteInput(value)}: cannot read hop ${quoteInput(raw)}`,
        {
          hint: 'expected a comma-separated list of [user@]host[:port]',
        },
      );
    }
    if (port !== undefined && (port < 1 || port > 65535)) {
      throw new OneroofError(
        'config',
        `ProxyJump ${quoteInput(value)}: bad port in ${quoteInput(raw)}`,
      );
    }
    const hop: JumpSpec = { host };
    if (match[1] !== undefined) hop.user = match[1];
    if (port !== undefined) hop.port = port;
    hops.push(hop);
  }
  if (hops.length === 0) throw new OneroofError('config', 'ProxyJump names no hop');
  return hops;
}

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
