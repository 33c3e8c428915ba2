/**
 * An Ansible inventory as oneroof's (src/inventory/ansible-*.ts), from the JSON that
 * `ansible-inventory --list` prints: test/fixtures/ansible/fleet-list.json is its real output for
 * fleet.ini beside it (test/integration/ansible.test.ts checks that it still is). Hostile
 * documents are that one with one thing changed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryFromList } from '../../src/inventory/ansible-load.js';
import { selectTargets } from '../../src/inventory/load.js';
import { OneroofError } from '../../src/errors.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ansible');
const FLEET = JSON.parse(readFileSync(join(FIXTURES, 'fleet-list.json'), 'utf8')) as Record<
  string,
  unknown
>;
type Vars = Record<string, unknown>;
const hostvars = (doc: Record<string, unknown>) =>
  (doc._meta as { hostvars: Record<string, Vars> }).hostvars;

function fleet(change: (doc: Record<string, unknown>) => void = () => undefined) {
  const doc = structuredClone(FLEET);
  change(doc);
  return doc;
}

const load = (doc: unknown) => inventoryFromList(doc, '/inv/fleet.ini', 'fleet.ini', '/inv');

function refusal(doc: unknown): string {
  try {
    load(doc);
  } catch (error) {
    expect(error).toBeInstanceOf(OneroofError);
    expect((error as OneroofError).exitCode).toBe(2);
    return (error as OneroofError).message;
  }
  throw new Error('expected the inventory to be refused');
}

describe('an Ansible inventory as targets and groups', () => {
  const inventory = load(fleet());

  it('hosts that set oneroof_* variables are targets; the others are left out', () => {
    expect([...inventory.targets.keys()]).toEqual(['db1', 'db2.example.com', 'db3', 'db4']);
    expect(inventory.leftOut).toEqual(['web1', 'web2']);
  });

  it('children are flattened: own hosts, then the children breadth first, each host once', () => {
    expect(inventory.groups.get('db')?.members).toEqual(['db1', 'db2.example.com', 'db3', 'db4']);
    expect(inventory.groups.get('db_us')?.members).toEqual(['db3', 'db4']);
    expect(inventory.groups.get('all')).toMatchObject({
      members: ['db1', 'db2.example.com', 'db3', 'db4'],
      leftOut: ['web1', 'web2'],
    });
    expect(inventory.groups.get('web')).toMatchObject({ members: [], leftOut: ['web1', 'web2'] });
    // Ansible printed no ungrouped hosts: the group has none.
    expect(inventory.groups.has('ungrouped')).toBe(false);
  });

  it('a group of hosts that are not targets is named as such when selected', () => {
    expect(() => selectTargets(inventory, 'web')).toThrow(/group web has no oneroof target/);
    expect(selectTargets(inventory, 'db_eu').map((t) => t.name)).toEqual([
      'db1',
      'db2.example.com',
    ]);
  });

  it.each([
    [
      'db1',
      'endpoint: ansible_host, ansible_port, ansible_user',
      'ssh2',
      {
        kind: 'endpoint',
        host: '10.0.0.11',
        port: 2222,
        user: 'deploy',
        identity: undefined,
      },
    ],
    [
      'db2.example.com',
      'no connection variable: the host name as an ssh_config alias',
      'ssh2',
      {
        kind: 'alias',
        alias: 'db2.example.com',
        configFile: undefined,
      },
    ],
    ['db3', 'ansible_connection=local: docker on this machine', 'local', undefined],
    [
      'db4',
      'ansible_host alone',
      'ssh2',
      {
        kind: 'endpoint',
        host: 'db4.internal',
        port: undefined,
        user: undefined,
        identity: undefined,
      },
    ],
  ])('%s (%s)', (name, _why, transport, ssh) => {
    const target = inventory.targets.get(name)!;
    expect(target).toMatchObject({
      transport,
      container: 'postgres',
      database: 'directus',
      user: 'workflow_admin',
      hostKeyPolicy: 'strict',
      source: '/inv/fleet.ini',
    });
    expect(target.ssh).toEqual(ssh);
  });

  it('the oneroof_* keys are the native ones; paths are from the inventory folder', () => {
    const inv = load(
      fleet((doc) => {
        Object.assign(hostvars(doc)['db2.example.com']!, {
          oneroof_transport: 'openssh',
          oneroof_ssh_config: 'ssh/config',
          oneroof_known_hosts: ['/etc/pinned_hosts'],
          oneroof_read_user: 'reader',
          oneroof_read_timeouts: { statement: '30s' },
          oneroof_description: 'the EU primary',
        });
        Object.assign(hostvars(doc).db1!, {
          ansible_port: '2200',
          ansible_ssh_private_key_file: 'keys/db1',
        });
      }),
    );
    expect(inv.targets.get('db2.example.com')).toMatchObject({
      transport: 'openssh',
      ssh: { kind: 'alias', alias: 'db2.example.com', configFile: '/inv/ssh/config' },
      knownHosts: ['/etc/pinned_hosts'],
      reader: { user: 'reader', timeouts: { statement: 30_000 } },
      description: 'the EU primary',
    });
    expect(inv.targets.get('db1')?.ssh).toMatchObject({ port: 2200, identity: '/inv/keys/db1' });
  });

  it('the older ansible_ssh_* spellings mean the same; the same value twice is fine', () => {
    const inv = load(
      fleet((doc) => {
        const db4 = hostvars(doc).db4!;
        delete db4.ansible_host;
        Object.assign(db4, { ansible_ssh_host: 'db4.internal', ansible_ssh_user: 'deploy' });
        Object.assign(hostvars(doc).db1!, { ansible_ssh_host: '10.0.0.11' });
      }),
    );
    expect(inv.targets.get('db4')?.ssh).toMatchObject({ host: 'db4.internal', user: 'deploy' });
  });
});

describe('Ansible inventories oneroof refuses, naming the host and the variable', () => {
  const cases: [string, (doc: Record<string, unknown>) => void, RegExp][] = [
    [
      'a target without oneroof_database',
      (doc) => delete hostvars(doc).db3!.oneroof_database,
      /host db3: oneroof_database: is missing; expected a PostgreSQL identifier/,
    ],
    [
      'a mistyped oneroof variable',
      (doc) => (hostvars(doc).db3!.oneroof_databse = 'directus'),
      /host db3: oneroof_databse: unknown variable; expected one of oneroof_container/,
    ],
    [
      'a database name that would be SQL',
      (doc) => (hostvars(doc).db1!.oneroof_database = 'directus; DROP TABLE x'),
      /host db1: oneroof_database: expected a PostgreSQL identifier.*got "directus; DROP TABLE x"/,
    ],
    [
      'a container name with a shell metacharacter',
      (doc) => (hostvars(doc).db1!.oneroof_container = 'pg$(touch /tmp/x)'),
      /host db1: oneroof_container: expected a container name/,
    ],
    [
      'an ansible_host that is an option to ssh',
      (doc) => (hostvars(doc).db1!.ansible_host = '-oProxyCommand=touch /tmp/x'),
      /host db1: ansible_host: expected a DNS host name or an IP address/,
    ],
    [
      'an ansible_user with a newline',
      (doc) => (hostvars(doc).db1!.ansible_user = 'deploy\nroot'),
      /host db1: ansible_user: expected a login name/,
    ],
    [
      'a port out of range',
      (doc) => (hostvars(doc).db1!.ansible_port = 70000),
      /host db1: ansible_port: expected a port number from 1 to 65535, got 70000/,
    ],
    [
      'ansible_host and ansible_ssh_host that differ',
      (doc) => (hostvars(doc).db1!.ansible_ssh_host = '10.0.0.99'),
      /host db1: ansible_host: and ansible_ssh_host differ; set one of them/,
    ],
    [
      'ssh options oneroof would not follow',
      (doc) => (hostvars(doc).db1!.ansible_ssh_common_args = '-o StrictHostKeyChecking=no'),
      /host db1: ansible_ssh_common_args: is set; oneroof reads ssh options from ssh_config/,
    ],
    [
      'a connection oneroof does not have',
      (doc) => (hostvars(doc).db1!.ansible_connection = 'community.docker.docker'),
      /host db1: ansible_connection: "community.docker.docker": oneroof reaches a host by ssh/,
    ],
    [
      'a local connection with an ssh transport',
      (doc) => (hostvars(doc).db3!.oneroof_transport = 'ssh2'),
      /host db3: oneroof_transport: "ssh2" disagrees with ansible_connection local/,
    ],
    [
      'an ssh host with transport local',
      (doc) => (hostvars(doc).db4!.oneroof_transport = 'local'),
      /host db4: oneroof_transport: local disagrees with ansible_connection ssh/,
    ],
    [
      'oneroof_ssh_config beside ansible_host',
      (doc) => (hostvars(doc).db1!.oneroof_ssh_config = '/etc/ssh/other'),
      /host db1: oneroof_ssh_config: names the ssh_config of an alias/,
    ],
    [
      'a host name that cannot be an ssh destination, with ansible_port',
      (doc) => {
        hostvars(doc).db_5 = { ...hostvars(doc).db3!, ansible_connection: 'ssh', ansible_port: 22 };
        (doc.db_us as { hosts: string[] }).hosts.push('db_5');
      },
      /host db_5: db_5 \(the host name, what ssh connects to without ansible_host\): expected a DNS host name/,
    ],
    [
      'an inline-vaulted variable (ansible-inventory prints it encrypted)',
      (doc) =>
        (hostvars(doc).db1!.oneroof_database = {
          __ansible_vault: '$ANSIBLE_VAULT;1.1;AES256\n3865',
        }),
      /host db1: oneroof_database: is vault-encrypted inline \(!vault\).*encrypt the whole vars file/,
    ],
    [
      'a group and a target of the same name',
      (doc) => (doc.db1 = { hosts: ['db3'] }),
      /group db1: a host has the same name; a name must mean one thing/,
    ],
  ];
  it.each(cases)('hostile ansible-inventory: %s', (_name, change, message) => {
    expect(refusal(fleet(change))).toMatch(message);
  });

  it('hostile ansible-inventory: a password is refused by name, its value never shown', () => {
    const message = refusal(
      fleet((doc) => (hostvars(doc).db1!.ansible_password = 'hunter2-secret')),
    );
    expect(message).toMatch(/host db1: ansible_password: is set; oneroof logs in with keys only/);
    expect(message).not.toContain('hunter2');
  });

  it('hostile ansible-inventory: the values of variables oneroof does not read are never shown', () => {
    const message = refusal(
      fleet((doc) => {
        hostvars(doc).db3!.ansible_become_password = 'hunter2-secret';
        delete hostvars(doc).db3!.oneroof_user;
      }),
    );
    expect(message).toMatch(/host db3: oneroof_user: is missing/);
    expect(message).not.toContain('hunter2');
  });

  it('hostile ansible-inventory: every problem of every host is listed at once', () => {
    const message = refusal(
      fleet((doc) => {
        delete hostvars(doc).db3!.oneroof_user;
        hostvars(doc).db4!.oneroof_container = '';
      }),
    );
    expect(message.split('\n').slice(1)).toEqual([
      expect.stringMatching(/^host db3: oneroof_user: is missing/),
      expect.stringMatching(/^host db4: oneroof_container: expected a container name/),
    ]);
  });
});

describe('documents that are not what ansible-inventory --list prints', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not a mapping', [1, 2], /\(top level\): expected a mapping, got \[1,2\]/],
    ['null', null, /\(top level\): expected a mapping, got null/],
    [
      'a host name with a terminal escape',
      fleet((doc) => (hostvars(doc)['db\u001b[2J'] = { oneroof_user: 'x' })),
      /_meta\.hostvars: host name: expected an ssh_config host alias.*got "db\\u001b\[2J"/,
    ],
    [
      'a host name that is an ssh option',
      fleet((doc) => ((doc.db_us as { hosts: string[] }).hosts = ['-oProxyCommand=x'])),
      /db_us\.hosts\[0\]: expected an ssh_config host alias.*got "-oProxyCommand=x"/,
    ],
    [
      'a group name with a space',
      fleet((doc) => (doc['db eu'] = { hosts: ['db1'] })),
      /\(top level\): group name: expected an ssh_config host alias.*got "db eu"/,
    ],
    [
      'hosts that are not a list',
      fleet((doc) => ((doc.db_us as Record<string, unknown>).hosts = 'db3')),
      /db_us\.hosts: expected a list of at most 10000 names, got "db3"/,
    ],
    [
      'a host name that is not a string',
      fleet((doc) => ((doc.db_us as Record<string, unknown>).hosts = [{ name: 'db3' }])),
      /db_us\.hosts\[0\]: expected a name, got \{"name":"db3"\}/,
    ],
    [
      'a group with an unknown key',
      fleet((doc) => ((doc.db_us as Record<string, unknown>).hostz = ['db3'])),
      /db_us\.hostz: unknown key/,
    ],
    [
      'hostvars that are not a mapping',
      fleet((doc) => (hostvars(doc).db1 = 'x' as unknown as Vars)),
      /_meta\.hostvars\.db1: expected a mapping, got "x"/,
    ],
    [
      'more hosts than any fleet',
      {
        _meta: { hostvars: {} },
        big: { hosts: Array.from({ length: 10_001 }, (_, i) => `h${i}`) },
      },
      /big\.hosts: expected a list of at most 10000 names/,
    ],
  ];
  it.each(cases)('hostile ansible-inventory: %s', (_name, doc, message) => {
    const text = refusal(doc);
    expect(text).toMatch(
      /^inventory ansible:fleet\.ini: not a usable ansible-inventory --list document\n/,
    );
    expect(text).toMatch(message);
    expect(text).not.toContain('\u001b');
  });

  it('hostile ansible-inventory: a host named __proto__ is a name like any other', () => {
    const doc = JSON.parse(
      '{"_meta":{"hostvars":{"__proto__":{"oneroof_container":"pg","oneroof_database":"d","oneroof_user":"u","ansible_connection":"local"}}},"all":{"children":["ungrouped"]},"ungrouped":{"hosts":["__proto__"]}}',
    ) as unknown;
    const inv = load(doc);
    expect([...inv.targets.keys()]).toEqual(['__proto__']);
    expect(inv.groups.get('ungrouped')?.members).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).oneroof_container).toBeUndefined();
  });

  it('no oneroof target at all is an error, not an empty fleet', () => {
    expect(
      refusal({ _meta: { hostvars: { web1: { ansible_host: 'w' } } }, all: { children: [] } }),
    ).toMatch(/no host sets a oneroof_\* variable/);
  });

  it('a cycle of children (which Ansible never prints) ends: each group is walked once', () => {
    const inv = load(fleet((doc) => ((doc.db_us as Record<string, unknown>).children = ['db'])));
    expect(inv.groups.get('db_us')?.members).toEqual(['db3', 'db4', 'db1', 'db2.example.com']);
  });
});
