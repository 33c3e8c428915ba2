/** OpenSSH's ProxyJump syntax: `[user@]host[:port],…` (src/transport/ssh2-jump.ts resolves each hop). */
import { OneroofError } from '../errors.js';
import { quoteInput } from '../safe-text.js';

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

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
