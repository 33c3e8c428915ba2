/**
 * An Ansible inventory as oneroof's inventory (`--inventory ansible:PATH`, or a path ending in
 * .ini): read by ansible-inventory (ansible-run.ts), checked (ansible-list.ts), each host that
 * sets a oneroof_* variable made a target (ansible-host.ts), and every Ansible group a oneroof
 * group, its children flattened as Ansible does: the group's own hosts, then its children's,
 * breadth first, each host once. `all` is every host and `ungrouped` those in no other group.
 * Hosts without any oneroof_* variable are not targets; a group keeps them as `leftOut`.
 */
import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { OneroofError } from '../errors.js';
import { ansibleInventoryList, type AnsibleReadOptions } from './ansible-run.js';
import { ANSIBLE_PREFIX } from './source.js';
import { parseAnsibleList, type AnsibleList } from './ansible-list.js';
import { hostTarget } from './ansible-host.js';
import { displayPath, toTarget, type Inventory } from './target.js';

export async function loadAnsibleInventory(
  path: string,
  cwd: string,
  options: AnsibleReadOptions = {},
): Promise<Inventory> {
  const source = resolve(cwd, path);
  const shown = displayPath(source, cwd);
  const doc = await ansibleInventoryList(source, shown, options);
  // Relative paths in oneroof_* variables: from the inventory's folder (or the folder itself).
  const base = (await stat(source)).isDirectory() ? source : dirname(source);
  return inventoryFromList(doc, source, shown, base);
}

/** The checked document of `ansible-inventory --list` as oneroof's inventory. */
export function inventoryFromList(
  doc: unknown,
  source: string,
  shown: string,
  base: string,
): Inventory {
  const where = `inventory ${ANSIBLE_PREFIX}${shown}`;
  const list = parseAnsibleList(doc, where);
  const inventory: Inventory = { sources: [source], targets: new Map(), groups: new Map() };
  const problems: string[] = [];
  const leftOut: string[] = [];
  for (const host of flatten(list, 'all')) {
    const outcome = hostTarget(host, list.vars.get(host) ?? {});
    if (outcome.kind === 'left-out') leftOut.push(host);
    else if (outcome.kind === 'refused') problems.push(...outcome.problems);
    else inventory.targets.set(host, toTarget(host, outcome.spec, source, where, base));
  }
  const groupNames = new Set(['all', 'ungrouped', ...list.groups.keys()]);
  for (const group of groupNames) {
    const hosts = flatten(list, group);
    if (hosts.length === 0) continue;
    if (inventory.targets.has(group))
      problems.push(`group ${group}: a host has the same name; a name must mean one thing`);
    inventory.groups.set(group, {
      members: hosts.filter((h) => inventory.targets.has(h)),
      source,
      leftOut: hosts.filter((h) => !inventory.targets.has(h)),
    });
  }
  if (problems.length > 0)
    throw new OneroofError(
      'config',
      `invalid Ansible inventory ${ANSIBLE_PREFIX}${shown}\n${problems.slice(0, 20).join('\n')}${problems.length > 20 ? `\n(and ${problems.length - 20} more)` : ''}`,
    );
  if (inventory.targets.size === 0)
    throw new OneroofError('config', `${where}: no host sets a oneroof_* variable`, {
      hint: 'a oneroof target is a host with oneroof_container, oneroof_database and oneroof_user (host_vars or group_vars)',
    });
  inventory.leftOut = leftOut;
  return inventory;
}

/**
 * A group's hosts as Ansible lists them: its own, then its children's, breadth first, each once.
 * `all` also holds hosts no group names (seen only in hostvars); `ungrouped`, when Ansible
 * printed none, is every host in no group but all.
 */
function flatten(list: AnsibleList, group: string): string[] {
  if (group === 'ungrouped' && !list.groups.has('ungrouped')) {
    // A host in a child group is listed in that child's own hosts: direct listings suffice.
    const grouped = new Set<string>();
    for (const [name, g] of list.groups)
      if (name !== 'all') for (const h of g.hosts) grouped.add(h);
    return list.hosts.filter((h) => !grouped.has(h));
  }
  const out = new Set<string>();
  const visited = new Set<string>([group]);
  let level = [group];
  while (level.length > 0) {
    const next: string[] = [];
    for (const name of level) {
      const g = list.groups.get(name);
      for (const h of g?.hosts ?? []) out.add(h);
      for (const child of g?.children ?? [])
        if (!visited.has(child)) {
          visited.add(child);
          next.push(child);
        }
    }
    level = next;
  }
  if (group === 'all') for (const h of list.hosts) out.add(h);
  return [...out];
}
