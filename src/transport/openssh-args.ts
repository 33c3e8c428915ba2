/**
 * The pure half of the openssh transport (src/transport/openssh.ts runs it): ssh's options
 * before `-- HOST LINE` and the destination, every path and host checked so that OpenSSH
 * reads it literally.
 */
import { OneroofError } from '../errors.js';
import type { SshEndpoint } from '../inventory/load.js';
import { quoteInput } from '../safe-text.js';
import type { HostKeyPolicy } from './ssh2-hostkey.js';

export interface OpensshArgsOptions {
  /** How the inventory names the host: an alias (with its -F file) or the endpoint's parts. */
  ssh: SshEndpoint;
  hostKeyPolicy: HostKeyPolicy;
  /** The inventory's known_hosts files, when it overrides ssh's own. */
  knownHostsOverride?: readonly string[];
}

// Characters OpenSSH reads literally in a path given with -o or -i: no space, no quote, no %
// (a percent-expansion token), no leading '-'.
const SAFE_PATH = /^[A-Za-z0-9_./~+,:=@][A-Za-z0-9_./~+,:=@-]*$/;

/** ssh's options, before `-- HOST LINE`. Pure: a unit test asserts it. */
export function buildOpensshArgs(options: OpensshArgsOptions): string[] {
  const args = [
    '-o',
    'BatchMode=yes',
    '-o',
    `StrictHostKeyChecking=${options.hostKeyPolicy === 'accept-new' ? 'accept-new' : 'yes'}`,
    '-T', // never a TTY: it would mangle bytes and merge stderr into stdout
    '-o',
    'RemoteCommand=none', // a configured RemoteCommand would clash with ours
  ];
  const { ssh } = options;
  if (ssh.kind === 'alias' && ssh.configFile !== undefined)
    args.push('-F', safePath(ssh.configFile, 'ssh_config'));
  if (options.knownHostsOverride !== undefined) {
    const files = options.knownHostsOverride.map((f) => safePath(f, 'known_hosts'));
    args.push(
      '-o',
      `UserKnownHostsFile=${files.join(' ')}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
    );
  }
  if (ssh.kind === 'endpoint') {
    if (ssh.user !== undefined) args.push('-l', ssh.user);
    if (ssh.port !== undefined) args.push('-p', String(ssh.port));
    if (ssh.identity !== undefined) args.push('-i', safePath(ssh.identity, 'identity'));
  }
  return args;
}

export function opensshDestination(ssh: SshEndpoint): string {
  const host = ssh.kind === 'alias' ? ssh.alias : ssh.host;
  if (host.startsWith('-') || !/^[A-Za-z0-9_.:%-]+$/.test(host))
    throw new OneroofError(
      'config',
      `ssh destination ${quoteInput(host)} is not a plain host name or alias`,
    );
  return host;
}

function safePath(path: string, what: string): string {
  if (!SAFE_PATH.test(path))
    throw new OneroofError(
      'config',
      `${what} path ${quoteInput(path)} cannot be passed to ssh safely (spaces, quotes, % and a leading - are refused)`,
      { hint: 'use a path of plain characters, or --transport ssh2' },
    );
  return path;
}
