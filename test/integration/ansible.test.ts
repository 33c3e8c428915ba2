/**
 * Fleets where they already live (issue 15, item 7): the real bin/oneroof with an Ansible
 * inventory — a real .ini file read by the real ansible-inventory — whose hosts are the
 * testbed's targets: `contabo-replica` (the loopback sshd through its ssh_config alias, host key
 * pinned), `endpoint` (the same sshd as ansible_host/ansible_port/ansible_user and a key file),
 * `replica` (ansible_connection=local: docker here) and `ghost` (a container that does not
 * exist). Database state is read back with the packet's own probes (PacketBench), never
 * through the code under test.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { APR, STATE, ledger, ledgerOf, logFiles, oneroof } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';
import { ansibleInventoryList } from '../../src/inventory/ansible-run.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';

const testbed = inject('testbed');
let bench: PacketBench;
let dir: string;
let ini: string;

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
  dir = await tempDir('oneroof-ansible-');
  ini = join(dir, 'fleet.ini');
  await mkdir(join(dir, 'group_vars'));
  await writeFile(
    ini,
    `[db]
${testbed.ssh.alias} oneroof_ssh_config=${testbed.ssh.sshConfig}
endpoint ansible_host=127.0.0.1 ansible_port=${testbed.ssh.port} ansible_user=${testbed.ssh.user} ansible_ssh_private_key_file=${testbed.ssh.userKey} oneroof_known_hosts=${testbed.ssh.knownHosts}
replica ansible_connection=local

[serial]
${testbed.ssh.alias}
ghost ansible_connection=local oneroof_container=oneroof-e2e-no-such-container
replica

[down]
nowhere ansible_host=127.0.0.1 ansible_port=1 ansible_user=${testbed.ssh.user} ansible_ssh_private_key_file=${testbed.ssh.userKey} oneroof_known_hosts=${testbed.ssh.knownHosts}

[web]
web1

[all:children]
db
serial
down
`,
  );
  // Group vars, as an Ansible user keeps them (ansible-inventory merges them in).
  await writeFile(
    join(dir, 'group_vars', 'db.yml'),
    `oneroof_container: ${testbed.container}\noneroof_database: directus\noneroof_user: workflow_admin\n`,
  );
  await writeFile(
    join(dir, 'group_vars', 'serial.yml'),
    `oneroof_container: ${testbed.container}\noneroof_database: directus\noneroof_user: workflow_admin\n`,
  );
  await writeFile(
    join(dir, 'group_vars', 'down.yml'),
    'oneroof_container: postgres\noneroof_database: directus\noneroof_user: workflow_admin\n',
  );
});

afterAll(async () => {
  await bench.emptyDatabase();
  await bench.uninstall();
});

const run = (args: string[], env?: NodeJS.ProcessEnv) =>
  oneroof(testbed, args, { inventory: `ansible:${ini}`, ...(env ? { env } : {}) });

describe('an Ansible inventory through ansible-inventory', () => {
  it('the unit tests fixture is what ansible-inventory --list prints for its .ini', async () => {
    const fixtures = join(PACKAGE_ROOT, 'test', 'fixtures', 'ansible');
    const printed = execFileSync(
      'ansible-inventory',
      ['-i', join(fixtures, 'fleet.ini'), '--list'],
      {
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(printed)).toEqual(
      JSON.parse(await readFile(join(fixtures, 'fleet-list.json'), 'utf8')),
    );
  });

  it('targets: hosts with oneroof_* vars, resolved by ssh -G; groups; web1 left out', async () => {
    const result = await run(['targets', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      targets: {
        name: string;
        transport: string;
        ssh: { hostname: string; port: number } | null;
      }[];
      groups: Record<string, string[]>;
    };
    expect(doc.targets.map((t) => [t.name, t.transport, t.ssh?.hostname, t.ssh?.port])).toEqual([
      [testbed.ssh.alias, 'ssh2', '127.0.0.1', testbed.ssh.port],
      ['endpoint', 'ssh2', '127.0.0.1', testbed.ssh.port],
      ['replica', 'local', undefined, undefined],
      ['ghost', 'local', undefined, undefined],
      ['nowhere', 'ssh2', '127.0.0.1', 1],
    ]);
    expect(doc.groups.db).toEqual([testbed.ssh.alias, 'endpoint', 'replica']);
    expect(doc.groups.serial).toEqual([testbed.ssh.alias, 'ghost', 'replica']);
    const text = await run(['targets']);
    expect(text.stdout).toContain('web  group: (no target)  (no oneroof_* variable: web1)\n');
  });

  it('a path ending in .ini needs no prefix; a YAML inventory takes ansible:', async () => {
    const plain = await oneroof(testbed, ['targets', '--json'], { inventory: ini });
    expect(plain.code, plain.stderr).toBe(0);
    const yml = join(dir, 'fleet.yml');
    await writeFile(
      yml,
      `all:\n  hosts:\n    replica:\n      ansible_connection: local\n      oneroof_container: ${testbed.container}\n      oneroof_database: directus\n      oneroof_user: workflow_admin\n`,
    );
    const yaml = await oneroof(testbed, ['targets', '--json'], { inventory: `ansible:${yml}` });
    expect(yaml.code, yaml.stderr).toBe(0);
    expect((JSON.parse(yaml.stdout) as { groups: Record<string, string[]> }).groups).toEqual({
      all: ['replica'],
      ungrouped: ['replica'],
    });
  });
});

describe('group runs on an Ansible group', () => {
  it('preflight --limit on a closed gate: both chosen members NO-GO, the recap says so', async () => {
    await bench.reset();
    const result = await run([
      'preflight',
      '--target',
      'db',
      '--limit',
      `db:!endpoint`,
      '--wait',
      '60',
      '--concurrency',
      '1',
    ]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toContain('preflight on group db (2 targets)\n');
    expect(result.stdout).toMatch(new RegExp(`^ {2}${testbed.ssh.alias} +NO-GO +exit 3 `, 'm'));
    expect(result.stdout).toMatch(/^ {2}replica +NO-GO +exit 3 /m);
    expect(result.stdout).not.toMatch(/^ {2}endpoint /m);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      'GO 0, NO-GO 2, unreachable 0, locked 0, failed 0',
    );
  });

  it('status --json over ssh -G and an endpoint: one document, a summary, --limit echoed', async () => {
    await bench.reset();
    const result = await run(['status', '--target', 'db', '--limit', 'end*:contabo-*', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as Record<string, unknown> & {
      results: { target: string; exitCode: number; peer: { port: number } }[];
    };
    expect(doc).toMatchObject({
      command: 'status',
      group: 'db',
      limit: 'end*:contabo-*',
      serial: null,
      exitCode: 0,
      summary: { targets: 2, ok: 2, noGo: 0, unreachable: 0, locked: 0, failed: 0, notStarted: 0 },
    });
    expect(doc.results.map((r) => [r.target, r.exitCode, r.peer.port])).toEqual([
      [testbed.ssh.alias, 0, testbed.ssh.port],
      ['endpoint', 0, testbed.ssh.port],
    ]);
  });

  it('a host whose ssh port answers nothing is unreachable in the recap', async () => {
    const result = await run(['status', '--target', 'down', '--json']);
    expect(result.code, result.stderr).toBe(1);
    const doc = JSON.parse(result.stdout) as {
      results: { outcome: string }[];
      summary: Record<string, unknown>;
    };
    expect(doc.results.map((r) => r.outcome)).toEqual(['unreachable']);
    expect(doc.summary).toMatchObject({ unreachable: 1, failed: 0 });
  });

  it('apply --serial 1: the first member applies, the second fails, the third is not started', async () => {
    await bench.reset(APR);
    const result = await run([
      'apply',
      '--target',
      'serial',
      '--apr',
      APR,
      '--yes',
      '--serial',
      '1',
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^ {2}${testbed.ssh.alias} +applied +exit 0 `, 'm'));
    expect(result.stdout).toMatch(
      /^ {2}ghost +error +exit 1 .*oneroof-e2e-no-such-container does not exist/m,
    );
    expect(result.stdout).toMatch(/^ {2}replica +not started +- +an earlier member failed$/m);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      'ok 1, NO-GO 0, unreachable 0, locked 0, failed 1, not started 1',
    );
    // Whole tiers only, each applied once: the first member's run; the third never ran.
    expect(await bench.probe('state_vector')).toBe(STATE.released);
    expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf(() => true));
    const logs = (await logFiles(result.logDir)).filter((f) => f.endsWith('.jsonl'));
    expect(logs).toHaveLength(2);
    const targets = await Promise.all(
      logs.map(async (f) => {
        const first = (await readFile(join(result.logDir, f), 'utf8')).split('\n')[0]!;
        return (JSON.parse(first) as { target: string }).target;
      }),
    );
    expect(targets.sort()).toEqual([testbed.ssh.alias, 'ghost'].sort());
  });

  it('apply --serial 1 --json: the members that ran, and who was not started', async () => {
    await bench.reset(APR);
    const result = await run(['apply', '--target', 'serial', '--apr', APR, '--yes', '--json']);
    expect(result.code, result.stderr).toBe(1);
    const doc = JSON.parse(result.stdout) as {
      serial: number;
      results: { target: string }[];
      summary: { members: { target: string; status: string }[]; notStarted: number };
    };
    expect(doc.serial).toBe(1);
    expect(doc.results.map((r) => r.target)).toEqual([testbed.ssh.alias, 'ghost']);
    expect(doc.summary.members).toEqual([
      { target: testbed.ssh.alias, status: 'ok' },
      { target: 'ghost', status: 'failed' },
      { target: 'replica', status: 'not-started' },
    ]);
  });

  it('a group of hosts without oneroof_* vars, and a --limit word that matches nothing', async () => {
    const web = await run(['preflight', '--target', 'web']);
    expect(web.code).toBe(2);
    expect(web.stderr).toContain('oneroof: error: group web has no oneroof target\n');
    const typo = await run(['preflight', '--target', 'db', '--limit', 'db:!endpont']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('"!endpont" matches no host and no group of the inventory');
    expect(await logFiles(typo.logDir)).toEqual([]);
  });
});

describe('what ansible-inventory prints is hostile input', () => {
  /** A dynamic inventory: an executable that prints the --list document. */
  async function script(name: string, body: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  it('hostile ansible-inventory: a dynamic inventory whose database name is SQL is refused', async () => {
    const file = await script(
      'evil.sh',
      `cat <<'EOF'\n{"_meta":{"hostvars":{"db1":{"ansible_connection":"local","oneroof_container":"pg","oneroof_database":"d; DROP TABLE x","oneroof_user":"u"}}},"all":{"children":["ungrouped"]},"ungrouped":{"hosts":["db1"]}}\nEOF`,
    );
    const result = await oneroof(testbed, ['preflight', '--target', 'db1'], {
      inventory: `ansible:${file}`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/host db1: oneroof_database: expected a PostgreSQL identifier/);
    expect(await logFiles(result.logDir)).toEqual([]);
  });

  it('hostile ansible-inventory: a source Ansible cannot parse is an error, not an empty fleet', async () => {
    const bad = join(dir, 'bad.ini');
    await writeFile(bad, '[db\nhost ansible_port=\n');
    const result = await oneroof(testbed, ['targets'], { inventory: bad });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ansible-inventory -i .*bad\.ini --list` failed \(exit 1\)/);
  });

  it('fault ansible-inventory: output past the bound is refused, nothing of it used', async () => {
    // ansible-inventory prints its own JSON of what the script gave: many hosts make it large.
    const file = await script(
      'big.sh',
      `python3 -c 'import json; print(json.dumps({"_meta": {"hostvars": {}}, "big": {"hosts": ["h%05d" % i for i in range(3000)]}}))'`,
    );
    await expect(ansibleInventoryList(file, 'big.sh', { maxBytes: 30_000 })).rejects.toThrow(
      /printed more than 30000 bytes; nothing of it was used/,
    );
  });

  it('fault ansible-inventory: a dynamic inventory that hangs is stopped at the time limit', async () => {
    const file = await script('hang.sh', 'exec sleep 600');
    await expect(ansibleInventoryList(file, 'hang.sh', { timeoutMs: 2000 })).rejects.toThrow(
      /did not finish within 2 s and was stopped/,
    );
  });

  it('vaults: an encrypted group_vars file is read with ANSIBLE_VAULT_PASSWORD_FILE, refused without', async () => {
    const vdir = join(dir, 'vaulted');
    await mkdir(join(vdir, 'group_vars'), { recursive: true });
    await writeFile(join(vdir, 'hosts.ini'), '[db]\nreplica ansible_connection=local\n');
    const vars = join(vdir, 'group_vars', 'db.yml');
    await writeFile(
      vars,
      `oneroof_container: ${testbed.container}\noneroof_database: directus\noneroof_user: workflow_admin\n`,
    );
    const password = join(dir, 'vault-password');
    await writeFile(password, 'not-a-real-secret\n');
    execFileSync('ansible-vault', ['encrypt', '--vault-password-file', password, vars], {
      stdio: 'ignore',
    });
    expect(await readFile(vars, 'utf8')).toMatch(/^\$ANSIBLE_VAULT;/);
    const inventory = `ansible:${join(vdir, 'hosts.ini')}`;
    const without = await oneroof(testbed, ['targets', '--json'], { inventory });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/no vault secrets found/);
    expect(without.stderr).toContain('set ANSIBLE_VAULT_PASSWORD_FILE');
    const withIt = await oneroof(testbed, ['targets', '--json'], {
      inventory,
      env: { ANSIBLE_VAULT_PASSWORD_FILE: password },
    });
    expect(withIt.code, withIt.stderr).toBe(0);
    expect(
      (JSON.parse(withIt.stdout) as { targets: { database: string }[] }).targets[0]?.database,
    ).toBe('directus');
  });
});
