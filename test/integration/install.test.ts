/**
 * The install story (README: Install): `npm pack` (the runtime dependencies ride inside the
 * tarball: bundleDependencies), then `npm install -g --offline` of the tarball into a temporary
 * prefix with an empty npm cache (nothing can come from a registry), the installed versions
 * checked against package-lock.json, and the
 * installed `oneroof` run from an empty working folder with HOME and the XDG folders pointed at
 * temporary ones: its help, its refusal to guess an inventory, its inventory from the XDG config
 * folder, ONEROOF_INVENTORY or -i, and a real read-only preflight against the testbed replica whose
 * log lands in the XDG state folder, not in ./logs. Everything is removed when the file ends.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { bashComplete } from '../helpers/bash-complete.js';
import { zshComplete } from '../helpers/zsh-complete.js';
import { APR } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const exec = promisify(execFile);
const testbed = inject('testbed');

let root: string;
let prefix: string;
let packed: string[];
let bench: PacketBench;

beforeAll(async () => {
  root = await tempDir('oneroof-install-');
  prefix = join(root, 'prefix');
  const pack = await exec(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', root],
    { cwd: PACKAGE_ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packed = info!.files.map((f) => f.path);
  const cache = join(root, 'npm-cache'); // empty: the tarball must hold every dependency
  await mkdir(cache);
  try {
    await exec(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        join(root, info!.filename),
      ],
      {
        env: { ...process.env, npm_config_cache: cache },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 600_000,
      },
    );
  } catch (error) {
    throw new Error(
      `npm install -g --offline with an empty cache failed (the tarball should bundle every runtime dependency; was node_modules installed by npm ci?): ${String((error as { stderr?: string }).stderr ?? error)}`,
      { cause: error },
    );
  }
  bench = await PacketBench.open(testbed);
  await bench.install();
  await bench.reset();
});

afterAll(async () => {
  await bench?.emptyDatabase();
  await bench?.uninstall();
});

interface Installed {
  code: number;
  stdout: string;
  stderr: string;
}

/** A user's shell: a fresh HOME, the XDG folders given, an empty working folder. */
async function user(xdg: { state?: boolean; config?: boolean } = {}) {
  const home = await tempDir('oneroof-install-home-');
  const cwd = await tempDir('oneroof-install-cwd-');
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
    HOME: home,
    NO_COLOR: '1',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...(xdg.state ? { XDG_STATE_HOME: join(home, 'xdg-state') } : {}),
    ...(xdg.config ? { XDG_CONFIG_HOME: join(home, 'xdg-config') } : {}),
  };
  const run = async (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Installed> => {
    try {
      const r = await exec(join(prefix, 'bin', 'oneroof'), args, {
        cwd,
        env: { ...env, ...extra },
        timeout: 120_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw error;
      return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  return { home, cwd, env, run };
}

/** The testbed inventory copied to where an installed oneroof looks: $XDG_CONFIG_HOME/oneroof/. */
async function configInventory(home: string): Promise<string> {
  const dir = join(home, 'xdg-config', 'oneroof');
  await mkdir(dir, { recursive: true });
  await copyFile(join(testbed.inventory, 'targets.yml'), join(dir, 'targets.yml'));
  return dir;
}

/** package-lock.json's production tree: each package's path (nested ones too) and its version. */
async function lockedProduction(): Promise<Record<string, string>> {
  const lock = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; dev?: boolean }>;
  };
  return Object.fromEntries(
    Object.entries(lock.packages)
      .filter(([path, pkg]) => path !== '' && pkg.dev !== true)
      .map(([path, pkg]) => [path, pkg.version ?? '(no version)']),
  );
}

/** Every package installed under dir/base (scoped and nested ones too) with its version. */
async function installedTree(dir: string, base = 'node_modules'): Promise<Record<string, string>> {
  if (!existsSync(join(dir, base))) return {};
  const tree: Record<string, string> = {};
  for (const name of await readdir(join(dir, base))) {
    if (name.startsWith('.')) continue; // .bin, .package-lock.json
    const names = name.startsWith('@')
      ? (await readdir(join(dir, base, name))).map((n) => `${name}/${n}`)
      : [name];
    for (const n of names) {
      const path = `${base}/${n}`;
      const manifest = await readFile(join(dir, path, 'package.json'), 'utf8');
      tree[path] = (JSON.parse(manifest) as { version: string }).version;
      Object.assign(tree, await installedTree(dir, `${path}/node_modules`));
    }
  }
  return tree;
}

/** The package folders a list of tarball paths holds under node_modules/ (nested ones too). */
function bundledPackages(paths: string[]): string[] {
  const dep =
    /^(node_modules\/(?:@[^/]+\/)?[^/]+(?:\/node_modules\/(?:@[^/]+\/)?[^/]+)*)\/package\.json$/;
  return paths.flatMap((p) => dep.exec(p)?.[1] ?? []).sort();
}

describe('install: npm pack, npm install -g', () => {
  it('the tarball bundles exactly the lockfile’s production tree, no dev dependency', async () => {
    expect(bundledPackages(packed)).toEqual(Object.keys(await lockedProduction()).sort());
    for (const dev of ['typescript', 'vitest', 'eslint', 'knip', 'prettier', 'esbuild'])
      expect(packed.filter((p) => p.startsWith(`node_modules/${dev}/`))).toEqual([]);
  });

  it('the tarball holds the built program, the packet, the example inventory; no sources or tests', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'bin/oneroof',
        'bundle/main.js',
        'dist/cli/main.js',
        'sql/packet.yml',
        'inventory/targets.yml',
        'templates/starter/packet.yml',
        'src/replica/entrypoint.sh',
      ]),
    );
    const own = packed.filter((p) => !p.startsWith('node_modules/'));
    expect(own.filter((p) => /^test\/|\.ts$|^\.git/.test(p))).toEqual([]);
  });

  it('the install holds exactly package-lock.json’s production versions and is not a clone', async () => {
    const pkg = join(prefix, 'lib', 'node_modules', 'oneroof');
    const installed = await installedTree(pkg);
    expect(installed).toEqual(await lockedProduction());
    expect(Object.keys(installed)).toEqual(
      expect.arrayContaining(['node_modules/commander', 'node_modules/ssh2', 'node_modules/zod']),
    );
    for (const dev of ['typescript', 'vitest', 'eslint', 'knip', 'prettier', 'esbuild'])
      expect(installed).not.toHaveProperty([`node_modules/${dev}`]);
    expect(existsSync(join(pkg, '.git'))).toBe(false);
  });

  it('oneroof --help works from anywhere', async () => {
    const { run } = await user();
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: oneroof \[options\] \[command\]/);
    expect(r.stdout).toMatch(/Examples:\n[\s\S]*oneroof apply --target contabo --apr/);
  });

  it('no inventory anywhere: exit 2, where it looked and how to start; never the shipped example', async () => {
    const { run, cwd, home } = await user({ config: true });
    const r = await run(['targets']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('oneroof: error: no inventory found');
    expect(r.stderr).toContain(join(cwd, 'inventory'));
    expect(r.stderr).toContain(join(home, 'xdg-config', 'oneroof'));
    expect(r.stderr).toContain(
      `cp ${join(prefix, 'lib', 'node_modules', 'oneroof', 'inventory', 'targets.yml')}`,
    );
  });

  it.each([
    ['$XDG_CONFIG_HOME/oneroof/', 'config'],
    ['ONEROOF_INVENTORY', 'env'],
    ['-i', 'flag'],
    ['./inventory/', 'cwd'],
  ])('oneroof targets reads the inventory from %s', async (_where, how) => {
    const { run, home, cwd } = await user({ config: true });
    let args = ['targets'];
    let extra: NodeJS.ProcessEnv = {};
    if (how === 'config') await configInventory(home);
    if (how === 'env') extra = { ONEROOF_INVENTORY: testbed.inventory };
    if (how === 'flag') args = ['-i', join(testbed.inventory, 'targets.yml'), 'targets'];
    if (how === 'cwd') {
      await mkdir(join(cwd, 'inventory'));
      await copyFile(join(testbed.inventory, 'targets.yml'), join(cwd, 'inventory', 't.yml'));
    }
    const r = await run(args, extra);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^replica {2}local {2}docker on this machine$/m);
    expect(r.stdout).not.toMatch(/^contabo /m);
  });

  it.each([
    ['XDG_STATE_HOME', true, 'xdg-state/oneroof/logs'],
    ['~/.local/state without XDG_STATE_HOME', false, '.local/state/oneroof/logs'],
  ])('a preflight from an empty folder logs to %s, not ./logs', async (_name, state, logDir) => {
    const { run, home, cwd } = await user({ state, config: true });
    await configInventory(home);
    const r = await run(['preflight', '-t', 'replica', '--apr', APR]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/NO-GO/);
    const logs = await readdir(join(home, logDir));
    expect(logs.filter((n) => /^preflight_\d{8}T\d{6}Z\.(log|jsonl)$/.test(n)).length).toBe(2);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('the installed completion script completes the installed inventory’s targets', async () => {
    const { run, home, env, cwd } = await user({ config: true });
    await configInventory(home);
    const script = join(home, 'oneroof.bash');
    await writeFile(script, (await run(['completion', 'bash'])).stdout);
    const { replies } = await bashComplete(script, ['oneroof', 'status', '-t', ''], env, cwd);
    expect(replies).toEqual(['replica', 'scratch', 'contabo-replica']);
  });

  it('the installed zsh completion, autoloaded from $fpath, completes the same targets', async () => {
    const { run, home, env, cwd } = await user({ config: true });
    await configInventory(home);
    await mkdir(join(home, '.zfunc'));
    const script = join(home, '.zfunc', '_oneroof');
    await writeFile(script, (await run(['completion', 'zsh'])).stdout);
    const r = await zshComplete(script, 'oneroof status -t ', env, { mode: 'fpath', cwd });
    expect(r.registered).toBe('_oneroof');
    expect(r.matches).toEqual(['replica', 'scratch', 'contabo-replica']);
    expect(r.noise).toEqual([]);
  });
});
