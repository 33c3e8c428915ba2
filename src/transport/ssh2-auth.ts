/**
 * Client authentication for ssh2, in OpenSSH's terms: ssh-agent (only the identity files'
 * keys when IdentitiesOnly is set), then the identity files `ssh -G` lists. An encrypted key
 * is detected before connecting — ssh2 would throw on it and never try the agent — and its
 * passphrase asked for (on a TTY) unless the agent already holds the key. A passphrase lives
 * only for the parseKey call: it is never logged and never part of a message.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, KnownPublicKeys, ParsedKey } from 'ssh2';
import { IDENTITY_FILE, readCheckedAsync } from '../bounded-file.js';
import { OneroofError } from '../errors.js';
import type { ResolvedSsh } from '../ssh/resolve.js';

export type AskPassphrase = (keyPath: string) => Promise<string>;

export interface AuthPlan {
  methods: AnyAuthMethod[];
  /** What was offered, for a failure message ("ssh-agent (2 keys)", "/home/u/.ssh/id_ed25519"). */
  offered: string[];
  /** Keys left out and why (never a secret). */
  skipped: string[];
}

const PASSPHRASE_ATTEMPTS = 3; // OpenSSH's NumberOfPasswordPrompts default
const AGENT_TIMEOUT_MS = 5000;

export async function planAuth(
  endpoint: ResolvedSsh,
  env: NodeJS.ProcessEnv,
  askPassphrase: AskPassphrase | undefined,
): Promise<AuthPlan> {
  const plan: AuthPlan = { methods: [], offered: [], skipped: [] };
  const agentSocket = agentSocketOf(endpoint, env);
  const agentKeys = agentSocket === undefined ? [] : await listAgentKeys(agentSocket, plan);
  const identityBlobs: Buffer[] = [];
  const fileMethods: AnyAuthMethod[] = [];

  for (const path of endpoint.identityFiles) {
    let raw: Buffer;
    try {
      raw = await readCheckedAsync(path, IDENTITY_FILE);
    } catch (error) {
      // A FIFO, a device or a file of megabytes named as a key: refused, exit 2, named.
      if (error instanceof OneroofError) throw error;
      // ssh -G lists the default identity files whether or not they exist.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        plan.skipped.push(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
      continue;
    }
    const parsed = firstKey(ssh2.utils.parseKey(raw));
    if (!(parsed instanceof Error)) {
      if (!parsed.isPrivateKey()) {
        plan.skipped.push(`${path}: not a private key`);
        continue;
      }
      identityBlobs.push(parsed.getPublicSSH());
      fileMethods.push({ type: 'publickey', username: endpoint.user, key: parsed });
      plan.offered.push(path);
      continue;
    }
    if (!/no passphrase given/i.test(parsed.message)) {
      plan.skipped.push(`${path}: not a usable private key (${parsed.message})`);
      continue;
    }
    const publicBlob = await publicKeyBeside(path);
    if (publicBlob) identityBlobs.push(publicBlob);
    if (publicBlob && agentKeys.some((k) => k.getPublicSSH().equals(publicBlob))) {
      continue; // the agent holds it: no passphrase needed
    }
    if (askPassphrase === undefined) {
      plan.skipped.push(
        `${path}: encrypted, and there is no terminal to ask for its passphrase (load it with ssh-add)`,
      );
      continue;
    }
    const key = await decryptOnce(path, raw, askPassphrase, plan);
    if (key) {
      fileMethods.push({ type: 'publickey', username: endpoint.user, key });
      plan.offered.push(path);
    }
  }

  if (agentSocket !== undefined && agentKeys.length > 0) {
    const usable = endpoint.identitiesOnly
      ? agentKeys.filter((k) => identityBlobs.some((b) => b.equals(k.getPublicSSH())))
      : agentKeys;
    if (usable.length > 0) {
      const agent = endpoint.identitiesOnly
        ? new IdentityFilesAgent(agentSocket, identityBlobs)
        : agentSocket;
      plan.methods.push({ type: 'agent', username: endpoint.user, agent });
      plan.offered.unshift(`ssh-agent (${usable.length} key${usable.length === 1 ? '' : 's'})`);
    } else {
      plan.skipped.push('ssh-agent: holds none of the identity files (IdentitiesOnly yes)');
    }
  }
  plan.methods.push(...fileMethods);

  if (plan.methods.length === 0) {
    throw new OneroofError(
      'config',
      `${endpoint.alias}: no usable identity to log in as ${endpoint.user}@${endpoint.hostname}:${endpoint.port}` +
        (plan.skipped.length > 0 ? ` (${plan.skipped.join('; ')})` : '') +
        ` — identity files: ${endpoint.identityFiles.join(', ') || 'none'}`,
      {
        hint: 'load the key into ssh-agent (ssh-add), run on a terminal to be asked for its passphrase, or set IdentityFile for this host in ssh_config',
      },
    );
  }
  return plan;
}

function agentSocketOf(endpoint: ResolvedSsh, env: NodeJS.ProcessEnv): string | undefined {
  const configured = endpoint.identityAgent;
  if (configured === 'none') return undefined;
  const socket =
    configured === undefined || configured === 'SSH_AUTH_SOCK' ? env.SSH_AUTH_SOCK : configured;
  return socket === undefined || socket === '' ? undefined : socket;
}

function firstKey(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  if (!Array.isArray(parsed)) return parsed;
  return parsed[0] ?? new Error('no key in the file');
}

/** OpenSSH reads FILE.pub to learn an encrypted key's public half. */
async function publicKeyBeside(path: string): Promise<Buffer | undefined> {
  try {
    const parsed = firstKey(
      ssh2.utils.parseKey(await readCheckedAsync(`${path}.pub`, IDENTITY_FILE)),
    );
    return parsed instanceof Error ? undefined : parsed.getPublicSSH();
  } catch (error) {
    if (error instanceof OneroofError) throw error;
    return undefined;
  }
}

/**
 * Keys decrypted in this run, per prompt (one prompt per command run): a run opens several
 * connections (the session, the cancel, the anchor), and the passphrase is asked once, not
 * once per connection. The in-flight promise is shared, so two connections opened together
 * share one prompt too; a key whose passphrase was refused three times is not asked again.
 */
const decrypted = new WeakMap<AskPassphrase, Map<string, Promise<ParsedKey | undefined>>>();

function decryptOnce(
  path: string,
  raw: Buffer,
  askPassphrase: AskPassphrase,
  plan: AuthPlan,
): Promise<ParsedKey | undefined> {
  let keys = decrypted.get(askPassphrase);
  if (keys === undefined)
    decrypted.set(askPassphrase, (keys = new Map<string, Promise<ParsedKey | undefined>>()));
  const id = `${path}\0${createHash('sha256').update(raw).digest('hex')}`;
  let key = keys.get(id);
  if (key === undefined) keys.set(id, (key = decrypt(path, raw, askPassphrase, plan)));
  return key;
}

async function decrypt(
  path: string,
  raw: Buffer,
  askPassphrase: AskPassphrase,
  plan: AuthPlan,
): Promise<ParsedKey | undefined> {
  for (let attempt = 1; attempt <= PASSPHRASE_ATTEMPTS; attempt++) {
    let passphrase: string;
    try {
      passphrase = await askPassphrase(path);
    } catch {
      plan.skipped.push(`${path}: encrypted; no passphrase was given`);
      return undefined;
    }
    const parsed = firstKey(ssh2.utils.parseKey(raw, passphrase));
    if (!(parsed instanceof Error) && parsed.isPrivateKey()) return parsed;
  }
  plan.skipped.push(`${path}: wrong passphrase (${PASSPHRASE_ATTEMPTS} attempts)`);
  return undefined;
}

async function listAgentKeys(socket: string, plan: AuthPlan): Promise<ParsedKey[]> {
  const agent = new ssh2.OpenSSHAgent(socket);
  try {
    return await new Promise<ParsedKey[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), AGENT_TIMEOUT_MS);
      agent.getIdentities((error, keys) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(parsedKeys(keys));
      });
    });
  } catch (error) {
    plan.skipped.push(`ssh-agent at ${socket}: ${(error as Error).message}`);
    return [];
  }
}

/** IdentitiesOnly: the agent may sign, but only with the keys of the identity files. */
class IdentityFilesAgent extends ssh2.OpenSSHAgent {
  constructor(
    socket: string,
    private readonly allowed: Buffer[],
  ) {
    super(socket);
  }

  override getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    super.getIdentities((error, keys) => {
      if (error) cb(error);
      else
        cb(
          undefined,
          parsedKeys(keys).filter((k) => this.allowed.some((b) => b.equals(k.getPublicSSH()))),
        );
    });
  }
}

/** The agent's answer as parsed keys (ssh2's OpenSSHAgent gives parsed keys already). */
function parsedKeys(keys: KnownPublicKeys<ParsedKey> | undefined): ParsedKey[] {
  const out: ParsedKey[] = [];
  for (const key of keys ?? []) {
    if ('getPublicSSH' in key) {
      out.push(key);
      continue;
    }
    const inner = 'getPublicSSH' in key.pubKey ? key.pubKey : key.pubKey.pubKey;
    const parsed = firstKey(ssh2.utils.parseKey(inner));
    if (!(parsed instanceof Error)) out.push(parsed);
  }
  return out;
}

/** The message for ssh2's "All configured authentication methods failed". */
export function authFailure(endpoint: ResolvedSsh, plan: AuthPlan, cause: Error): OneroofError {
  const skipped = plan.skipped.length > 0 ? `; not offered: ${plan.skipped.join('; ')}` : '';
  return new OneroofError(
    'runtime',
    `${endpoint.user}@${endpoint.hostname}:${endpoint.port} (${endpoint.alias}) refused every key offered: ${plan.offered.join(', ')}${skipped}`,
    {
      cause,
      hint: `check that one of these keys is in ${endpoint.user}'s authorized_keys on the server, and what \`ssh -G ${endpoint.alias}\` says about User and IdentityFile`,
    },
  );
}
