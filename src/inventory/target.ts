/**
 * A target as the rest of oneroof sees it, and how a checked target spec (schema.ts) becomes
 * one: shared by the native inventory (load.ts) and an Ansible inventory (ansible-load.ts).
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { DEFAULT_READ_TIMEOUTS, DEFAULT_READ_USER, type TargetSpec } from './schema.js';
import type { TransportName } from './identifiers.js';

/** Where a packet_signers file comes from, for messages: the key's place in the inventory. */
export interface SignersPolicy {
  file: string;
  /** e.g. `inventory/targets.yml: targets.contabo.packet_signers`. */
  setBy: string;
}

const DEFAULT_REPLICA_IMAGE = 'postgres:15';

export type SshEndpoint =
  | { kind: 'alias'; alias: string; configFile: string | undefined }
  | {
      kind: 'endpoint';
      host: string;
      user: string | undefined;
      port: number | undefined;
      identity: string | undefined;
    };

export interface Target {
  name: string;
  /** The inventory file that defines it. */
  source: string;
  description: string | undefined;
  transport: TransportName;
  ssh: SshEndpoint | undefined;
  knownHosts: string[] | undefined;
  hostKeyPolicy: 'strict' | 'accept-new';
  container: string;
  database: string;
  user: string;
  /** How the read-only commands (preflight, verify, status) are kept read-only. */
  reader: Reader;
  replica: { image: string; pull: 'never' | 'missing' };
  /** packet_signers: the packet must be signed by one of this file's principals. */
  packetSigners?: SignersPolicy | undefined;
}

interface Reader {
  /** role: log in as `user` below (the server refuses writes); session: as the target's user. */
  mode: 'role' | 'session';
  /** The read role (`read_user`): what read-only sessions log in as in mode role. */
  user: string;
  /** statement_timeout, lock_timeout, idle_in_transaction_session_timeout, in milliseconds. */
  timeouts: { statement: number; lock: number; idleInTransaction: number };
}

interface InventoryGroup {
  members: string[];
  source: string;
  /** An Ansible group's hosts that are not oneroof targets (no oneroof_* variable). */
  leftOut?: string[];
}

export interface Inventory {
  /** Files read, in order. */
  sources: string[];
  targets: Map<string, Target>;
  groups: Map<string, InventoryGroup>;
  /** An Ansible inventory's hosts that are not oneroof targets (no oneroof_* variable). */
  leftOut?: string[];
}

/** `base`: the folder relative paths are taken from (default: the inventory file's). */
export function toTarget(
  name: string,
  spec: TargetSpec,
  file: string,
  shown: string,
  base = dirname(file),
): Target {
  const transport = spec.transport ?? (spec.ssh === undefined ? 'local' : 'ssh2');
  let ssh: SshEndpoint | undefined;
  if (typeof spec.ssh === 'string') {
    ssh = {
      kind: 'alias',
      alias: spec.ssh,
      configFile: spec.ssh_config === undefined ? undefined : expandPath(spec.ssh_config, base),
    };
  } else if (spec.ssh) {
    ssh = {
      kind: 'endpoint',
      host: spec.ssh.host,
      user: spec.ssh.user,
      port: spec.ssh.port,
      identity: spec.ssh.identity === undefined ? undefined : expandPath(spec.ssh.identity, base),
    };
  }
  const knownHosts =
    spec.known_hosts === undefined
      ? undefined
      : [spec.known_hosts].flat().map((p) => expandPath(p, base));
  return {
    name,
    source: file,
    description: spec.description,
    transport,
    ssh,
    knownHosts,
    hostKeyPolicy: spec.host_key ?? 'strict',
    container: spec.container,
    database: spec.database,
    user: spec.user,
    reader: {
      mode: spec.read_only ?? 'role',
      user: spec.read_user ?? DEFAULT_READ_USER,
      timeouts: {
        statement: spec.read_timeouts?.statement ?? DEFAULT_READ_TIMEOUTS.statement,
        lock: spec.read_timeouts?.lock ?? DEFAULT_READ_TIMEOUTS.lock,
        idleInTransaction:
          spec.read_timeouts?.idle_in_transaction ?? DEFAULT_READ_TIMEOUTS.idle_in_transaction,
      },
    },
    replica: {
      image: spec.replica?.image ?? DEFAULT_REPLICA_IMAGE,
      pull: spec.replica?.pull ?? 'missing',
    },
    packetSigners:
      spec.packet_signers === undefined
        ? undefined
        : {
            file: expandPath(spec.packet_signers, base),
            setBy: `${shown}: targets.${name}.packet_signers`,
          },
  };
}

/** `~/x` is the home folder's; a relative path is the inventory file's folder's. */
export function expandPath(path: string, base: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(base, path);
}

export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
