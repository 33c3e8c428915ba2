import { runMain } from '../helpers/in-process.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => runMain(argv, { env });

describe('cli', () => {
  it('--version prints the package version, exit 0', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown option is a usage error (2)', async () => {
    const r = await run(['targets', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('an unknown command is a usage error (2)', async () => {
    expect((await run(['launch'])).code).toBe(2);
  });

  it('--help on a command, exit 0', async () => {
    const r = await run(['replica', 'up', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--target <name>/);
  });

  it('targets --json prints exactly one JSON document on stdout', async () => {
    const r = await run(['targets', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { targets: { name: string; transport: string }[] };
    expect(doc.targets.map((t) => t.name)).toEqual(['contabo', 'replica']);
  });

  it('global options work after the command too', async () => {
    const r = await run(['targets', '--json', '--inventory', 'inventory/targets.yml']);
    expect(r.code).toBe(0);
  });

  it('--transport is validated', async () => {
    const r = await run(['--transport', 'telnet', 'targets']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--transport: expected one of ssh2, openssh, local, got "telnet"/);
  });

  it('a bad inventory: exit 2, file and key named, no stack trace', async () => {
    const dir = await tempDir('oneroof-cli-');
    await writeFile(
      join(dir, 'bad.yml'),
      'targets:\n  x:\n    container: "a b"\n    database: d\n    user: u\n',
    );
    const r = await run(['targets'], { ONEROOF_INVENTORY: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yml:3:16: targets\.x\.container: expected a container name/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('replica commands refuse a non-local target before touching Docker', async () => {
    const r = await run(['replica', 'down', '--target', 'contabo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a local replica/);
  });
});
