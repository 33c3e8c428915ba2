/**
 * `--limit PATTERN` in Ansible's words (its "Patterns: targeting hosts and groups"): names of
 * hosts and groups joined by `:` or `,` (union), `&name` (intersection), `!name` (exclusion),
 * `all` or `*`, and the globs `*` and `?` in a name. As Ansible does, the plain words are taken
 * first, then the `&`, then the `!` ones, whatever their order; only `&` and `!` words start from
 * all. Two differences, both on the safe side: a word that matches no host and no group is an
 * error (Ansible warns and goes on: a mistyped `!db3` would leave db3 in), and regular
 * expressions (`~`), subscripts (`[0]`, `[0:2]`) and `@file` are refused, not guessed at.
 */
import { OneroofError } from '../errors.js';
import { quoteInput } from '../safe-text.js';
import type { Inventory, Target } from './target.js';

const WORD = /^[A-Za-z0-9_.*?-]+$/;

/** The targets of `selected` (in their order) that PATTERN matches in the inventory. */
export function applyLimit(inventory: Inventory, selected: Target[], pattern: string): Target[] {
  const chosen = matchPattern(inventory, pattern);
  const kept = selected.filter((t) => chosen.has(t.name));
  if (kept.length === 0)
    throw new OneroofError('usage', `--limit ${quoteInput(pattern)} leaves no target to run on`, {
      hint: `it matches none of: ${selected.map((t) => t.name).join(', ')}`,
    });
  return kept;
}

/** Every host name (target or not) PATTERN matches. */
export function matchPattern(inventory: Inventory, pattern: string): Set<string> {
  const words = splitPattern(pattern);
  const regular = words.filter((w) => w[0] !== '&' && w[0] !== '!');
  const ordered = [
    ...(regular.length === 0 ? ['all'] : regular),
    ...words.filter((w) => w[0] === '&'),
    ...words.filter((w) => w[0] === '!'),
  ];
  const universe = [...inventory.targets.keys(), ...(inventory.leftOut ?? [])];
  let hosts = new Set<string>();
  for (const word of ordered) {
    const body = word[0] === '&' || word[0] === '!' ? word.slice(1) : word;
    const that = matchWord(inventory, universe, body, word);
    if (word[0] === '&') hosts = new Set([...hosts].filter((h) => that.has(h)));
    else if (word[0] === '!') hosts = new Set([...hosts].filter((h) => !that.has(h)));
    else for (const h of that) hosts.add(h);
  }
  return hosts;
}

function splitPattern(pattern: string): string[] {
  const refuse = (why: string): never => {
    throw new OneroofError('usage', `--limit ${quoteInput(pattern)}: ${why}`, {
      hint: 'Ansible pattern words: host1:host2, group, &group, !group, all, globs with * and ?',
    });
  };
  if (pattern.trim() === '') refuse('is empty');
  if (pattern.startsWith('@')) refuse('a file of patterns (@FILE) is not supported');
  if (pattern.includes(',') && pattern.includes(':'))
    refuse('mixes , and : (Ansible splits only on the commas then); use one of them');
  const words = pattern
    .split(pattern.includes(',') ? ',' : ':')
    .map((w) => w.trim())
    .filter((w) => w !== '');
  for (const word of words) {
    const body = word[0] === '&' || word[0] === '!' ? word.slice(1) : word;
    if (body.startsWith('~'))
      refuse(`${quoteInput(word)}: regular expressions (~) are not supported`);
    if (/[[\]]/.test(body))
      refuse(`${quoteInput(word)}: subscripts and ranges ([…]) are not supported`);
    if (!WORD.test(body))
      refuse(`${quoteInput(word)}: expected a host or group name, with * and ? as globs`);
  }
  return words;
}

/** Ansible's _enumerate_matches: groups first; hosts when no group matched or the word is a glob. */
function matchWord(
  inventory: Inventory,
  universe: string[],
  body: string,
  word: string,
): Set<string> {
  if (body === 'all' || body === '*') return new Set(universe);
  const test = globTest(body);
  const out = new Set<string>();
  let groups = 0;
  for (const [name, group] of inventory.groups)
    if (test(name)) {
      groups++;
      for (const h of [...group.members, ...(group.leftOut ?? [])]) out.add(h);
    }
  if (groups === 0 || /[.?*]/.test(body)) for (const h of universe) if (test(h)) out.add(h);
  if (out.size === 0 && groups === 0)
    throw new OneroofError(
      'usage',
      `--limit: ${quoteInput(word)} matches no host and no group of the inventory`,
      { hint: `groups: ${[...inventory.groups.keys()].join(', ') || '(none)'}` },
    );
  return out;
}

/** fnmatch's * and ? (case-sensitive, as on POSIX); every other character stands for itself. */
function globTest(body: string): (name: string) => boolean {
  if (!/[*?]/.test(body)) return (name) => name === body;
  const source = body
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.\\^$+(){}|-]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(name);
}
