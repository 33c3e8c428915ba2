/**
 * The document `ansible-inventory --list` prints, checked as hostile input: a mapping of group
 * names to `{hosts, children}` and `_meta.hostvars` (host → its merged variables). Every host and
 * group name must pass the rule of an ssh_config alias (identifiers.ts: an Ansible host name is
 * what ssh connects to unless ansible_host says otherwise), lists are bounded, and the result is
 * held in Maps, so no name (`__proto__` included) can turn into something else.
 */
import { OneroofError } from '../errors.js';
import { quoteInput } from '../safe-text.js';
import { SSH_ALIAS } from './identifiers.js';

export interface AnsibleList {
  /** Every host named anywhere, in the order first seen (hostvars, then the groups). */
  hosts: string[];
  /** A host's variables as Ansible merged them (group_vars, host_vars, the inventory). */
  vars: Map<string, Record<string, unknown>>;
  groups: Map<string, { hosts: string[]; children: string[] }>;
}

/** Far more than any fleet oneroof is meant for; a document beyond this is refused. */
const MAX_NAMES = 10_000;

type Problems = string[];

export function parseAnsibleList(doc: unknown, where: string): AnsibleList {
  const problems: Problems = [];
  const list: AnsibleList = { hosts: [], vars: new Map(), groups: new Map() };
  const top = mapping(doc, '(top level)', problems);
  const seen = new Set<string>();
  const addHost = (name: string): void => {
    if (!seen.has(name)) {
      seen.add(name);
      list.hosts.push(name);
    }
  };
  if (top) {
    const meta = top.has('_meta') ? mapping(top.get('_meta'), '_meta', problems) : undefined;
    const hostvars = meta?.has('hostvars')
      ? mapping(meta.get('hostvars'), '_meta.hostvars', problems)
      : undefined;
    for (const [host, value] of hostvars ?? []) {
      // An unchecked name is never part of a message: only its quoted form (named()).
      if (!named(host, '_meta.hostvars: host name', problems)) continue;
      const vars = mapping(value, `_meta.hostvars.${host}`, problems);
      if (vars) {
        list.vars.set(host, Object.fromEntries(vars));
        addHost(host);
      }
    }
    for (const [group, value] of top) {
      if (group === '_meta') continue;
      if (!named(group, '(top level): group name', problems)) continue;
      const entry = mapping(value, group, problems);
      if (!entry) continue;
      for (const key of entry.keys())
        if (key !== 'hosts' && key !== 'children' && key !== 'vars')
          problems.push(`${group}.${key}: unknown key (a group has hosts, children, vars)`);
      const hosts = names(entry.get('hosts'), `${group}.hosts`, problems);
      const children = names(entry.get('children'), `${group}.children`, problems);
      hosts.forEach(addHost);
      list.groups.set(group, { hosts, children });
    }
  }
  if (list.hosts.length > MAX_NAMES || list.groups.size > MAX_NAMES)
    problems.push(`more than ${MAX_NAMES} hosts or groups`);
  if (problems.length > 0)
    throw new OneroofError(
      'config',
      `${where}: not a usable ansible-inventory --list document\n${problems
        .slice(0, 20)
        .map((p) => `  ${p}`)
        .join('\n')}${problems.length > 20 ? `\n  (and ${problems.length - 20} more)` : ''}`,
    );
  return list;
}

/** A JSON object as a Map of its own keys; anything else is one problem. */
function mapping(value: unknown, at: string, problems: Problems): Map<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${at}: expected a mapping, got ${quoteInput(value, 60)}`);
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_NAMES) {
    problems.push(`${at}: more than ${MAX_NAMES} entries`);
    return undefined;
  }
  return new Map(keys.map((k) => [k, (value as Record<string, unknown>)[k]]));
}

function named(name: string, at: string, problems: Problems): boolean {
  if (SSH_ALIAS.pattern.test(name)) return true;
  problems.push(`${at}: expected ${SSH_ALIAS.expected}, got ${quoteInput(name, 60)}`);
  return false;
}

/** An optional list of names; each one checked, duplicates kept once. */
function names(value: unknown, at: string, problems: Problems): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_NAMES) {
    problems.push(
      `${at}: expected a list of at most ${MAX_NAMES} names, got ${quoteInput(value, 60)}`,
    );
    return [];
  }
  const out = new Set<string>();
  value.forEach((name: unknown, i) => {
    if (typeof name !== 'string')
      problems.push(`${at}[${i}]: expected a name, got ${quoteInput(name, 60)}`);
    else if (named(name, `${at}[${i}]`, problems)) out.add(name);
  });
  return [...out];
}
