import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { OneroofError } from '../../src/errors.js';
import { loadInventory, selectTargets } from '../../src/inventory/load.js';

const GOOD = `targets:
  contabo:
    ssh: contabo
    container: postgres
    database: directus
    user: workflow_admin
  replica:
    transport: local
    container: oneroof-replica
    database: directus
    user: workflow_admin
groups:
  all: [contabo, replica]
`;

async function inventoryWith(
  text: string,
  name = 'targets.yml',
): Promise<{ dir: string; file: string }> {
  const dir = await tempDir('oneroof-inv-');
  const file = join(dir, name);
  await writeFile(file, text);
  return { dir, file };
}

async function failure(text: string): Promise<OneroofError> {
  const { dir } = await inventoryWith(text);
  try {
    await loadInventory(dir, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(OneroofError);
    return error as OneroofError;
  }
  throw new Error('expected the inventory to be refused');
}

describe('inventory', () => {
  it('reads targets and groups, with defaults', async () => {
    const { dir } = await inventoryWith(GOOD);
    const inventory = await loadInventory(dir, dir);
    const contabo = inventory.targets.get('contabo')!;
    expect(contabo).toMatchObject({
      transport: 'ssh2',
      container: 'postgres',
      database: 'directus',
      user: 'workflow_admin',
      hostKeyPolicy: 'strict',
    });
    expect(contabo.ssh).toEqual({ kind: 'alias', alias: 'contabo', configFile: undefined });
    expect(inventory.targets.get('replica')).toMatchObject({
      transport: 'local',
      replica: { image: 'postgres:15', pull: 'missing' },
    });
    expect(selectTargets(inventory, 'all').map((t) => t.name)).toEqual(['contabo', 'replica']);
  });

  it('the shipped inventory is valid', async () => {
    const inventory = await loadInventory('inventory');
    expect([...inventory.targets.keys()]).toEqual(['contabo', 'replica']);
  });

  it('an unknown key is named with its file, line and path', async () => {
    const error = await failure(
      GOOD.replace('    container: postgres\n', '    container: postgres\n    contianer: typo\n'),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/targets\.yml:5:5: targets\.contabo\.contianer: unknown key/);
  });

  it('a wrong type names the key, what was found and what was expected', async () => {
    const error = await failure(
      GOOD.replace(
        '    database: directus\n    user: workflow_admin\n  replica',
        '    database: 42\n    user: workflow_admin\n  replica',
      ),
    );
    expect(error.message).toMatch(
      /targets\.yml:5:15: targets\.contabo\.database: expected a PostgreSQL identifier.*got 42/,
    );
  });

  it('a missing field says it is missing', async () => {
    const error = await failure(GOOD.replace('    user: workflow_admin\n  replica', '  replica'));
    expect(error.message).toMatch(/targets\.contabo\.user: is missing/);
  });

  it.each([
    ['container', 'postgres; rm -rf /'],
    ['container', '-it'],
    ['container', '$(id)'],
    ['database', "directus' or '1'='1"],
    ['user', 'workflow admin'],
    ['user', '`id`'],
    ['ssh', '-oProxyCommand=sh'],
    ['ssh', 'contabo\\nHost *'],
  ])('a hostile %s (%s) is refused, never reaching a shell', async (key, value) => {
    const line =
      key === 'ssh'
        ? '    ssh: contabo\n'
        : key === 'container'
          ? '    container: postgres\n'
          : key === 'database'
            ? '    database: directus\n    user: workflow_admin\n  replica'
            : '    user: workflow_admin\n  replica';
    const replaced = line.replace(/: [^\n]+/, `: ${JSON.stringify(value)}`);
    const error = await failure(GOOD.replace(line, replaced));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`targets.contabo.${key}`);
    expect(error.message).toContain('expected');
  });

  it('transport local with ssh settings is a contradiction, named', async () => {
    const error = await failure(
      GOOD.replace('    transport: local\n', '    transport: local\n    ssh: somewhere\n'),
    );
    expect(error.message).toMatch(/targets\.replica\.ssh: is not used by transport local/);
  });

  it('ssh transports need an endpoint', async () => {
    const error = await failure(GOOD.replace('    ssh: contabo\n', '    transport: openssh\n'));
    expect(error.message).toMatch(/targets\.contabo\.ssh: is missing/);
  });

  it('invalid YAML is located', async () => {
    const error = await failure('targets:\n  a: [unclosed\n');
    expect(error.message).toMatch(/invalid YAML\ntargets\.yml:\d+:\d+:/);
  });

  it('duplicate keys are refused', async () => {
    const error = await failure(
      GOOD.replace('    database: directus\n', '    database: directus\n    database: other\n'),
    );
    expect(error.message).toMatch(/invalid YAML/);
  });

  it('a group naming an unknown target is refused', async () => {
    const error = await failure(GOOD.replace('[contabo, replica]', '[contabo, nowhere]'));
    expect(error.message).toMatch(/groups\.all: "nowhere" is not a target/);
  });

  it('the same target in two files is refused, naming both', async () => {
    const { dir } = await inventoryWith(GOOD, 'a.yml');
    await writeFile(join(dir, 'b.yaml'), GOOD.split('groups:')[0]!);
    await expect(loadInventory(dir, dir)).rejects.toThrow(
      /b\.yaml: targets\.contabo: defined again \(first in a\.yml\)/,
    );
  });

  it('a missing inventory and an empty folder are clear errors', async () => {
    const dir = await tempDir('oneroof-inv-');
    await expect(loadInventory(join(dir, 'nope'), dir)).rejects.toThrow(
      /inventory .*nope: cannot be read \(ENOENT\)/,
    );
    await mkdir(join(dir, 'empty'));
    await expect(loadInventory(join(dir, 'empty'), dir)).rejects.toThrow(
      /holds no \.yml or \.yaml file/,
    );
  });

  it('an unknown target names the known ones', async () => {
    const { dir } = await inventoryWith(GOOD);
    const inventory = await loadInventory(dir, dir);
    expect(() => selectTargets(inventory, 'prod')).toThrow(/unknown target "prod"/);
  });

  it('relative paths are the inventory file’s, ~ is home', async () => {
    const { dir } = await inventoryWith(
      GOOD.replace(
        '    ssh: contabo\n',
        '    ssh: contabo\n    ssh_config: ./ssh_config\n    known_hosts: ~/.ssh/known_hosts\n',
      ),
    );
    const target = (await loadInventory(dir, dir)).targets.get('contabo')!;
    expect(target.ssh).toMatchObject({ configFile: join(dir, 'ssh_config') });
    expect(target.knownHosts?.[0]).toMatch(/\.ssh\/known_hosts$/);
    expect(target.knownHosts?.[0]?.startsWith('~')).toBe(false);
  });
});
