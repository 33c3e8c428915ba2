/**
 * Reads the inventory (a YAML file, or every *.yml / *.yaml in a folder), validates it with
 * zod and turns it into plain types. Every error names the file, the line, the key, what was
 * found and what was expected; nothing here ever throws a stack trace at the user.
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { OneroofError } from '../errors.js';
import {
  DEFAULT_READ_TIMEOUTS,
  DEFAULT_READ_USER,
  inventoryFileSchema,
  type TargetSpec,
} from './schema.js';
import type { TransportName } from './identifiers.js';
import { parseYamlFile } from '../yaml-file.js';
import { quoteInput } from '../safe-text.js';
import { closestNames } from './closest.js';
import { INVENTORY_FILE, readCheckedText } from '../bounded-file.js';

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

export interface Inventory {
  /** Files read, in order. */
  sources: string[];
  targets: Map<string, Target>;
  groups: Map<string, { members: string[]; source: string }>;
}

export async function loadInventory(path: string, cwd = process.cwd()): Promise<Inventory> {
  const root = resolve(cwd, path);
  const files = await inventoryFiles(root, path);
  const inventory: Inventory = { sources: [], targets: new Map(), groups: new Map() };
  let signers: SignersPolicy | undefined;
  for (const file of files) {
    const shown = displayPath(file, cwd);
    const parsed = await parseInventoryFile(file, shown);
    inventory.sources.push(file);
    if (parsed.packet_signers !== undefined) {
      const policy = {
        file: expandPath(parsed.packet_signers, dirname(file)),
        setBy: `${shown}: packet_signers`,
      };
      if (signers && signers.file !== policy.file)
        throw new OneroofError(
          'config',
          `${policy.setBy}: ${policy.file} differs from ${signers.setBy}: ${signers.file}`,
          { hint: 'an inventory has one packet_signers; a target may name its own' },
        );
      signers ??= policy;
    }
    for (const [name, spec] of Object.entries(parsed.targets ?? {})) {
      const earlier = inventory.targets.get(name);
      if (earlier) {
        throw new OneroofError(
          'config',
          `${shown}: targets.${name}: defined again (first in ${displayPath(earlier.source, cwd)})`,
          {
            hint: 'each target name must be unique across the inventory files',
          },
        );
      }
      inventory.targets.set(name, toTarget(name, spec, file, shown));
    }
    for (const [name, members] of Object.entries(parsed.groups ?? {})) {
      if (inventory.groups.has(name)) {
        throw new OneroofError('config', `${shown}: groups.${name}: defined again`);
      }
      inventory.groups.set(name, { members, source: file });
    }
  }
  for (const [name, group] of inventory.groups) {
    const where = displayPath(group.source, cwd);
    if (inventory.targets.has(name)) {
      throw new OneroofError(
        'config',
        `${where}: groups.${name}: a target has the same name; a name must mean one thing`,
      );
    }
    for (const member of group.members) {
      if (!inventory.targets.has(member)) {
        throw new OneroofError('config', `${where}: groups.${name}: "${member}" is not a target`, {
          hint: `known targets: ${[...inventory.targets.keys()].join(', ') || '(none)'}`,
        });
      }
    }
  }
  for (const target of inventory.targets.values()) target.packetSigners ??= signers;
  if (inventory.targets.size === 0) {
    throw new OneroofError('config', `${displayPath(root, cwd)}: no targets defined`, {
      hint: 'an inventory file needs a top-level "targets:" mapping',
    });
  }
  return inventory;
}

/** The targets a name stands for: the target itself, or a group's members in order. */
export function selectTargets(inventory: Inventory, name: string): Target[] {
  const target = inventory.targets.get(name);
  if (target) return [target];
  const group = inventory.groups.get(name);
  if (group) return group.members.map((member) => inventory.targets.get(member)!);
  throw unknownTarget(inventory, name, true);
}

/** "unknown target …; did you mean …?", naming the inventory's closest names (groups too). */
export function unknownTarget(inventory: Inventory, name: string, groups: boolean): OneroofError {
  const names = [...inventory.targets.keys(), ...(groups ? inventory.groups.keys() : [])];
  const known = [
    ...inventory.targets.keys(),
    ...(groups ? [...inventory.groups.keys()].map((g) => `${g} (group)`) : []),
  ];
  const near = closestNames(name, names);
  const guess =
    near.length === 0 ? '' : `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`;
  return new OneroofError('usage', `unknown target ${quoteInput(name)}${guess}`, {
    hint: `known: ${known.join(', ')} (inventory: ${inventory.sources.join(', ')})`,
  });
}

async function inventoryFiles(root: string, asGiven: string): Promise<string[]> {
  let info;
  try {
    info = await stat(root);
  } catch (error) {
    throw new OneroofError('config', `inventory ${asGiven}: cannot be read (${errorCode(error)})`, {
      hint: 'pass --inventory PATH (a YAML file or a folder of them) or set ONEROOF_INVENTORY',
      cause: error,
    });
  }
  if (!info.isDirectory()) return [root];
  const names = (await readdir(root))
    .filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.'))
    .sort();
  if (names.length === 0) {
    throw new OneroofError(
      'config',
      `inventory ${asGiven}: the folder holds no .yml or .yaml file`,
    );
  }
  return names.map((n) => join(root, n));
}

async function parseInventoryFile(
  file: string,
  shown: string,
): Promise<z.infer<typeof inventoryFileSchema>> {
  let text: string;
  try {
    text = await readCheckedText(file, { ...INVENTORY_FILE, kind: 'config' });
  } catch (error) {
    if (error instanceof OneroofError) throw error;
    throw new OneroofError('config', `${shown}: cannot be read (${errorCode(error)})`, {
      cause: error,
    });
  }
  return parseYamlFile(text, shown, inventoryFileSchema, {
    what: 'inventory',
    shape: 'an inventory is a plain YAML mapping',
  });
}

function toTarget(name: string, spec: TargetSpec, file: string, shown: string): Target {
  const base = dirname(file);
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
function expandPath(path: string, base: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(base, path);
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function errorCode(error: unknown): string {
  return (
    (error as NodeJS.ErrnoException).code ??
    (error instanceof Error ? error.message : String(error))
  );
}
