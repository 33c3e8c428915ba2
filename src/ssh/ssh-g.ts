// The pure half of resolving an ssh_config alias (src/ssh/resolve.ts runs it): the argv of
// `ssh -G ALIAS` (the alias and every override validated first: each becomes an argv element of
// ssh) and the parser of what it prints, OpenSSH's own resolution of the alias.
import { quoteInput } from '../safe-text.js';

type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new' | 'off';

export interface ResolvedSsh {
  alias: string;
  hostname: string;
  port: number;
  user: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  identityAgent?: string; // 'none' = disabled; 'SSH_AUTH_SOCK' = use the environment's agent
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking; // 'off' behaves like 'no' in OpenSSH
  hostKeyAlias?: string;
  proxyJump?: string;
  proxyCommand?: string; // reported so callers can refuse what they cannot honour
  serverAliveInterval: number;
  serverAliveCountMax: number;
  connectTimeout?: number;
  batchMode: boolean;
}

export type SshResolveErrorCode =
  'bad-alias' | 'bad-override' | 'ssh-missing' | 'ssh-failed' | 'timeout' | 'bad-output';

export class SshResolveError extends Error {
  readonly code: SshResolveErrorCode;
  readonly detail: string | undefined;
  constructor(
    code: SshResolveErrorCode,
    message: string,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SshResolveError';
    this.code = code;
    this.detail = detail;
  }
}

// The alias becomes an argv element of ssh: anything starting with '-' would be read as an
// option (e.g. -oProxyCommand=…), and OpenSSH's -G does not reliably accept '--' before it.
const ALIAS_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@%:+-]*$/;

/** Local facts used to expand % tokens that `ssh -G` leaves in identityfile (OpenSSH 9.2 does). */
export interface ExpandContext {
  localUser?: string;
  uid?: number;
  localHostname?: string;
}

function expandTilde(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return home + p.slice(1);
  return p;
}

// Subset of OpenSSH's DEFAULT_CLIENT_PERCENT_EXPAND_ARGS that needs no extra state.
// Unknown tokens are left as written: the later open() then fails with the path in the message.
function expandTokens(p: string, tokens: Record<string, string | undefined>): string {
  return p.replace(/%(.)/g, (whole, t: string) => (t === '%' ? '%' : (tokens[t] ?? whole)));
}

function parseBool(key: string, v: string | undefined): boolean {
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false' || v === undefined) return false;
  throw new SshResolveError('bad-output', `ssh -G printed an unexpected ${key} value: ${v}`);
}

function parseIntField(key: string, v: string | undefined, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (v === undefined || !/^\d+$/.test(v)) {
    throw new SshResolveError('bad-output', `ssh -G printed no usable ${key} (${v ?? 'missing'})`);
  }
  return Number(v);
}

/** Parses `ssh -G` output. Keys are lowercase; multi-valued keys (identityfile) repeat. */
export function parseSshG(output: string, home: string, ctx: ExpandContext = {}): ResolvedSsh {
  const values = new Map<string, string[]>();
  for (const rawLine of output.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const key = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
    const value = sp < 0 ? '' : line.slice(sp + 1).trim();
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  const one = (k: string): string | undefined => values.get(k)?.[0];
  const noneToUndef = (v: string | undefined): string | undefined =>
    v === undefined || v === 'none' ? undefined : v;
  const paths = (k: string): string[] =>
    (values.get(k) ?? [])
      .flatMap((v) => v.split(/\s+/))
      .filter((p) => p !== '' && p !== 'none')
      .map((p) => expandTilde(p, home));

  const hostname = one('hostname');
  const user = one('user');
  if (!hostname || !user)
    throw new SshResolveError(
      'bad-output',
      'ssh -G output lacks hostname or user',
      output.slice(0, 500),
    );
  const port = parseIntField('port', one('port'));
  const alias = one('host') ?? hostname;

  const strictRaw = one('stricthostkeychecking') ?? 'ask';
  const strictMap: Record<string, StrictHostKeyChecking> = {
    true: 'yes',
    yes: 'yes',
    false: 'no',
    no: 'no',
    ask: 'ask',
    'accept-new': 'accept-new',
    off: 'off',
  };
  const strictHostKeyChecking = strictMap[strictRaw];
  if (!strictHostKeyChecking)
    throw new SshResolveError('bad-output', `unexpected stricthostkeychecking value: ${strictRaw}`);

  const tokens: Record<string, string | undefined> = {
    d: home,
    h: hostname,
    p: String(port),
    r: user,
    n: alias,
    u: ctx.localUser,
    i: ctx.uid === undefined ? undefined : String(ctx.uid),
    l: ctx.localHostname,
    L: ctx.localHostname?.split('.')[0],
    k: one('hostkeyalias') ?? hostname,
  };
  const identityFiles = (values.get('identityfile') ?? []).map((p) =>
    expandTokens(expandTilde(p, home), tokens),
  );

  const resolved: ResolvedSsh = {
    alias,
    hostname,
    port,
    user,
    identityFiles,
    identitiesOnly: parseBool('identitiesonly', one('identitiesonly')),
    userKnownHostsFiles: paths('userknownhostsfile'),
    globalKnownHostsFiles: paths('globalknownhostsfile'),
    strictHostKeyChecking,
    serverAliveInterval: parseIntField('serveraliveinterval', one('serveraliveinterval'), 0),
    serverAliveCountMax: parseIntField('serveralivecountmax', one('serveralivecountmax'), 3),
    batchMode: parseBool('batchmode', one('batchmode')),
  };
  const agent = one('identityagent');
  if (agent !== undefined) {
    resolved.identityAgent =
      agent === 'none' || agent === 'SSH_AUTH_SOCK' ? agent : expandTilde(agent, home);
  }
  const hostKeyAlias = noneToUndef(one('hostkeyalias'));
  if (hostKeyAlias !== undefined) resolved.hostKeyAlias = hostKeyAlias;
  const proxyJump = noneToUndef(one('proxyjump'));
  if (proxyJump !== undefined) resolved.proxyJump = proxyJump;
  const proxyCommand = noneToUndef(one('proxycommand'));
  if (proxyCommand !== undefined) resolved.proxyCommand = proxyCommand;
  const connectTimeout = noneToUndef(one('connecttimeout'));
  if (connectTimeout !== undefined)
    resolved.connectTimeout = parseIntField('connecttimeout', connectTimeout);
  return resolved;
}

export interface ResolveOptions {
  configFile?: string;
  sshBinary?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: { user?: string; port?: number; identityFile?: string };
}

export function buildSshGArgs(alias: string, opts: ResolveOptions = {}): string[] {
  if (!ALIAS_RE.test(alias)) {
    throw new SshResolveError(
      'bad-alias',
      `invalid ssh alias ${quoteInput(alias)}: use letters, digits and _.@%:+- and do not start with "-"`,
    );
  }
  const args = ['-G'];
  if (opts.configFile !== undefined) args.push('-F', opts.configFile);
  const o = opts.overrides ?? {};
  if (o.user !== undefined) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/.test(o.user))
      throw new SshResolveError('bad-override', `invalid ssh user ${quoteInput(o.user)}`);
    args.push('-l', o.user);
  }
  if (o.port !== undefined) {
    if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
      throw new SshResolveError('bad-override', `invalid ssh port ${o.port}`);
    args.push('-p', String(o.port));
  }
  if (o.identityFile !== undefined) {
    if (o.identityFile === '' || /[\0\n\r]/.test(o.identityFile))
      throw new SshResolveError('bad-override', 'invalid identity file path');
    args.push('-i', o.identityFile);
  }
  args.push(alias);
  return args;
}
