/**
 * Which kind of inventory a path names: `ansible:PATH` (or a path ending in .ini) is an Ansible
 * inventory read through ansible-inventory; anything else is oneroof's own YAML. A leaf module
 * (node:path only): the global options resolve the path at start-up.
 */
import { resolve } from 'node:path';

/** `--inventory ansible:PATH`: PATH is read through ansible-inventory. */
export const ANSIBLE_PREFIX = 'ansible:';

/** The Ansible inventory PATH stands for, or undefined for a native one. */
export function ansibleSource(path: string): string | undefined {
  if (path.startsWith(ANSIBLE_PREFIX)) return path.slice(ANSIBLE_PREFIX.length);
  return path.endsWith('.ini') ? path : undefined;
}

/** `ansible:` + the path resolved from cwd (the prefix kept); a native path resolved as it is. */
export function resolveInventoryPath(cwd: string, given: string): string {
  return given.startsWith(ANSIBLE_PREFIX)
    ? `${ANSIBLE_PREFIX}${resolve(cwd, given.slice(ANSIBLE_PREFIX.length))}`
    : resolve(cwd, given);
}
