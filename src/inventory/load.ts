/**
 * Reads the inventory (a YAML file, or every *.yml / *.yaml in a folder), validates it with
 * zod and turns it into plain types. Every error names the file, the line, the key, what was
 * found and what was expected; nothing here ever throws a stack trace at the user.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { OneroofError } from '../errors.js';
import { inventoryFileSchema } from './schema.js';
import { ansibleSource } from './source.js';
import {
  displayPath,
  expandPath,
  toTarget,
  type Inventory,
  type SignersPolicy,
  type Target,
} from './target.js';
import { parseYamlFile } from '../yaml-file.js';
import { quoteInput } from '../safe-text.js';
import { closestNames } from './closest.js';
import { INVENTORY_FILE, readCheckedText } from '../bounded-file.js';

export type { Inventory, SignersPolicy, SshEndpoint, Target } from './target.js';

export async function loadInventory(path: string, cwd = process.cwd()): Promise<Inventory> {
  const ansible = ansibleSource(path);
  if (ansible !== undefined)
    return (await import('./ansible-load.js')).loadAnsibleInventory(ansible, cwd);
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
  if (group && group.members.length === 0)
    throw new OneroofError('usage', `group ${name} has no oneroof target`, {
      hint: `its hosts set no oneroof_* variable: ${(group.leftOut ?? []).join(', ')}`,
    });
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

function errorCode(error: unknown): string {
  return (
    (error as NodeJS.ErrnoException).code ??
    (error instanceof Error ? error.message : String(error))
  );
}
