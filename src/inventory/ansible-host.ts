/**
 * One Ansible host as a oneroof target. Its `oneroof_<key>` variables are the native target's
 * keys (oneroof_container, oneroof_database, oneroof_user, oneroof_transport, …), and how it is
 * reached is what Ansible would do: ansible_connection local is docker on this machine; else ssh
 * to the host name as an ssh_config alias, or to ansible_host / ansible_port / ansible_user /
 * ansible_ssh_private_key_file resolved by `ssh -G` like a native endpoint (host key verified
 * either way). The result goes through the native target schema, so every value meets the same
 * rules as in a native inventory; what oneroof cannot honour is refused, naming the variable
 * (never the value of a password).
 */
import type { z } from 'zod';
import { quoteInput } from '../safe-text.js';
import { targetSchema, type TargetSpec } from './schema.js';

/** The native keys a host may set as oneroof_<key> (ssh comes from Ansible's own variables). */
const KEYS = [
  'container',
  'database',
  'user',
  'transport',
  'description',
  'ssh_config',
  'known_hosts',
  'host_key',
  'read_only',
  'read_user',
  'read_timeouts',
  'replica',
  'packet_signers',
] as const;

/** Ansible's connection variables and their older ansible_ssh_* spellings. */
const CONNECTION = {
  host: ['ansible_host', 'ansible_ssh_host'],
  port: ['ansible_port', 'ansible_ssh_port'],
  user: ['ansible_user', 'ansible_ssh_user'],
  identity: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
} as const;

/** Variables that would change how ssh connects or logs in in a way oneroof does not follow. */
const REFUSED: Record<string, string> = {
  ansible_ssh_common_args:
    'oneroof reads ssh options from ssh_config: put them in a Host block (or a file named by oneroof_ssh_config)',
  ansible_ssh_extra_args:
    'oneroof reads ssh options from ssh_config: put them in a Host block (or a file named by oneroof_ssh_config)',
  ansible_ssh_args:
    'oneroof reads ssh options from ssh_config: put them in a Host block (or a file named by oneroof_ssh_config)',
  ansible_password: 'oneroof logs in with keys only (ssh-agent or an identity file)',
  ansible_ssh_pass: 'oneroof logs in with keys only (ssh-agent or an identity file)',
  ansible_ssh_password: 'oneroof logs in with keys only (ssh-agent or an identity file)',
};

const SSH_CONNECTIONS = new Set([
  'ssh',
  'smart',
  'paramiko',
  'paramiko_ssh',
  'ansible.builtin.ssh',
  'ansible.builtin.paramiko_ssh',
]);
const LOCAL_CONNECTIONS = new Set(['local', 'ansible.builtin.local']);

export type HostOutcome =
  | { kind: 'left-out' }
  | { kind: 'target'; spec: TargetSpec }
  | { kind: 'refused'; problems: string[] };

/** The host as a target spec; left out when it sets no oneroof_* variable at all. */
export function hostTarget(host: string, vars: Record<string, unknown>): HostOutcome {
  const own = Object.keys(vars).filter((k) => k.startsWith('oneroof_'));
  if (own.length === 0) return { kind: 'left-out' };
  const problems: string[] = [];
  const at = (name: string, text: string) => problems.push(`host ${host}: ${name}: ${text}`);
  const raw: Record<string, unknown> = {};
  for (const name of own) {
    const key = name.slice('oneroof_'.length);
    const value = vars[name];
    if (!(KEYS as readonly string[]).includes(key))
      at(name, `unknown variable; expected one of ${KEYS.map((k) => `oneroof_${k}`).join(', ')}`);
    else if (isInlineVault(value))
      at(
        name,
        'is vault-encrypted inline (!vault), which ansible-inventory prints still encrypted; encrypt the whole vars file instead (ansible-vault encrypt group_vars/…)',
      );
    else raw[key] = value;
  }
  const picked = connectionVars(vars, at);
  const connection = vars.ansible_connection;
  if (connection !== undefined && typeof connection !== 'string')
    at('ansible_connection', `expected a connection name, got ${describe(connection)}`);
  else if (connection !== undefined && LOCAL_CONNECTIONS.has(connection)) {
    // Ansible ignores where a local connection would go; so does oneroof (docker on this machine).
    if (raw.transport !== undefined && raw.transport !== 'local')
      at(
        'oneroof_transport',
        `${describe(raw.transport)} disagrees with ansible_connection ${connection}`,
      );
    raw.transport ??= 'local';
  } else if (connection !== undefined && !SSH_CONNECTIONS.has(connection))
    at(
      'ansible_connection',
      `${describe(connection)}: oneroof reaches a host by ssh, or docker on this machine (local)`,
    );
  else {
    if (raw.transport === 'local')
      at(
        'oneroof_transport',
        "local disagrees with ansible_connection ssh (Ansible's default); set ansible_connection=local",
      );
    for (const [name, why] of Object.entries(REFUSED))
      if (vars[name] !== undefined) at(name, `is set; ${why}`);
    raw.ssh = sshOf(host, picked);
    if (typeof raw.ssh !== 'string' && raw.ssh_config !== undefined)
      at(
        'oneroof_ssh_config',
        "names the ssh_config of an alias; with ansible_host, ansible_port, ansible_user or a key file set, put those in that file's Host block instead",
      );
  }
  if (problems.length > 0) return { kind: 'refused', problems };
  const checked = targetSchema.safeParse(raw, { reportInput: true });
  if (checked.success) return { kind: 'target', spec: checked.data };
  return {
    kind: 'refused',
    problems: checked.error.issues.map((issue) => describeIssue(host, issue, raw, picked)),
  };
}

type Picked = Partial<Record<keyof typeof CONNECTION, { name: string; value: unknown }>>;

/** ansible_host etc.: the one that is set; two spellings set to different values are refused. */
function connectionVars(
  vars: Record<string, unknown>,
  at: (name: string, text: string) => void,
): Picked {
  const picked: Picked = {};
  for (const [part, spellings] of Object.entries(CONNECTION) as [
    keyof typeof CONNECTION,
    readonly string[],
  ][]) {
    const set = spellings.filter((s) => vars[s] !== undefined);
    const [first, second] = set;
    if (first === undefined) continue;
    if (second !== undefined && JSON.stringify(vars[first]) !== JSON.stringify(vars[second]))
      at(first, `and ${second} differ; set one of them`);
    let value = vars[first];
    // INI and templated values arrive as text: a port "2222" is the number Ansible would use.
    if (part === 'port' && typeof value === 'string' && /^\d{1,5}$/.test(value))
      value = Number(value);
    picked[part] = { name: first, value };
  }
  return picked;
}

/** The host name as an ssh_config alias, or the endpoint Ansible's variables describe. */
function sshOf(host: string, picked: Picked): unknown {
  if (Object.keys(picked).length === 0) return host;
  return {
    host: picked.host?.value ?? host,
    ...(picked.port ? { port: picked.port.value } : {}),
    ...(picked.user ? { user: picked.user.value } : {}),
    ...(picked.identity ? { identity: picked.identity.value } : {}),
  };
}

function isInlineVault(value: unknown): boolean {
  return value !== null && typeof value === 'object' && '__ansible_vault' in value;
}

/** A zod issue in the host's own words: the Ansible variable that holds the value. */
function describeIssue(
  host: string,
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
  picked: Picked,
): string {
  const [key, ...rest] = issue.path.map(String);
  let name: string;
  let value: unknown;
  if (key === 'ssh') {
    const part = rest[0] as keyof typeof CONNECTION | undefined;
    const from = part === undefined ? undefined : picked[part];
    name =
      from?.name ??
      (part === 'host'
        ? `${host} (the host name, what ssh connects to without ansible_host)`
        : 'ssh');
    value = from?.value ?? (part === 'host' ? host : raw.ssh);
  } else if (key === undefined) {
    name = '(the host)';
    value = undefined;
  } else {
    name = [`oneroof_${key}`, ...rest].join('.');
    value = rest.reduce<unknown>(
      (v, k) =>
        v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined,
      raw[key],
    );
  }
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((k) => `host ${host}: ${name}.${k}: unknown key`).join('\n');
  if (issue.code === 'custom') return `host ${host}: ${name}: ${issue.message}`;
  if (value === undefined) return `host ${host}: ${name}: is missing; ${issue.message}`;
  return `host ${host}: ${name}: ${issue.message}, got ${describe(value)}`;
}

function describe(value: unknown): string {
  return quoteInput(value, 60);
}
