/**
 * --limit in Ansible's pattern words (src/inventory/limit.ts), over the fleet of
 * test/fixtures/ansible/fleet-list.json (db_eu: db1, db2.example.com; db_us: db3, db4; db: both;
 * web: web1, web2, which set no oneroof_* variable). Expected sets are Ansible's for the same
 * pattern (`ansible -i fleet.ini --list-hosts PATTERN`), save that oneroof refuses a word that
 * matches nothing where Ansible warns and goes on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryFromList } from '../../src/inventory/ansible-load.js';
import { applyLimit, matchPattern } from '../../src/inventory/limit.js';
import { selectTargets } from '../../src/inventory/load.js';

const doc = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ansible', 'fleet-list.json'), 'utf8'),
) as unknown;
const inventory = inventoryFromList(doc, '/inv/fleet.ini', 'fleet.ini', '/inv');
const ALL = ['db1', 'db2.example.com', 'db3', 'db4'];

describe('Ansible patterns', () => {
  it.each([
    ['all', [...ALL, 'web1', 'web2']],
    ['*', [...ALL, 'web1', 'web2']],
    ['db1', ['db1']],
    ['db_eu', ['db1', 'db2.example.com']],
    ['db1:db4', ['db1', 'db4']],
    ['db1,db4', ['db1', 'db4']],
    ['db:!db_us', ['db1', 'db2.example.com']],
    ['!db_us:db', ['db1', 'db2.example.com']],
    ['db:&db_us', ['db3', 'db4']],
    ['db:&db_us:!db3', ['db4']],
    ['!web', ALL],
    ['&db_eu', ['db1', 'db2.example.com']],
    ['db?', ALL.filter((h) => h !== 'db2.example.com')],
    ['*.example.com', ['db2.example.com']],
    ['db_*', ALL],
    ['web*', ['web1', 'web2']],
    ['db1:db1:db_eu', ['db1', 'db2.example.com']],
    [' db1 : db3 ', ['db1', 'db3']],
  ])('%s', (pattern, hosts) => {
    expect([...matchPattern(inventory, pattern)].sort()).toEqual([...hosts].sort());
  });

  it('--limit keeps the group order, whatever the pattern order', () => {
    const db = selectTargets(inventory, 'db');
    expect(applyLimit(inventory, db, 'db4:db1').map((t) => t.name)).toEqual(['db1', 'db4']);
  });

  it('a pattern that leaves no member of the group is refused', () => {
    expect(() => applyLimit(inventory, selectTargets(inventory, 'db_eu'), 'db_us')).toThrow(
      /--limit "db_us" leaves no target to run on/,
    );
  });

  it.each([
    [
      'a word that matches nothing (Ansible only warns)',
      'db:!db9',
      /"!db9" matches no host and no group/,
    ],
    ['a glob that matches nothing', 'x*', /"x\*" matches no host and no group/],
    ['a regular expression', '~db[0-9]', /regular expressions \(~\) are not supported/],
    ['a subscript', 'db[0]', /subscripts and ranges/],
    ['a range', 'db[0:2]', /subscripts and ranges/],
    ['a file of patterns', '@retry.txt', /a file of patterns \(@FILE\) is not supported/],
    [', and : mixed', 'db1,db2:db3', /mixes , and :/],
    ['an empty pattern', '  ', /is empty/],
    ['a terminal escape', 'db\u001b[2J', /subscripts and ranges|expected a host or group name/],
    ['a space inside a word', 'db 1', /"db 1": expected a host or group name/],
    ['a regex character', 'db+', /"db\+": expected a host or group name/],
  ])('hostile limit-pattern: %s', (_name, pattern, message) => {
    let error: unknown;
    try {
      matchPattern(inventory, pattern);
    } catch (e) {
      error = e;
    }
    expect((error as { exitCode?: number }).exitCode).toBe(2);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\u001b');
  });
});
