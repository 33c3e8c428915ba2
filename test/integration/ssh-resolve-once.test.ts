/**
 * `ssh -G` runs once per target per command (src/inventory/endpoint.ts): the transport, the
 * signing-key lookup and the reach check share one answer. Counted through a wrapper on PATH that
 * notes each `-G` call and then runs the real OpenSSH client, so the alias still resolves as
 * `ssh ALIAS` would.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { SSH_TARGET, oneroof } from '../helpers/e2e.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');

/** A PATH whose `ssh` writes its arguments to `calls` when they hold -G, then runs the real one. */
async function countingSsh(): Promise<{ env: NodeJS.ProcessEnv; calls: () => Promise<string[]> }> {
  const dir = await tempDir('oneroof-ssh-g-');
  const real = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
  const calls = join(dir, 'calls');
  await mkdir(join(dir, 'bin'));
  const wrapper = join(dir, 'bin', 'ssh');
  await writeFile(
    wrapper,
    `#!/bin/sh\nfor a in "$@"; do [ "$a" = -G ] && printf '%s\\n' "$*" >> '${calls}'; done\nexec '${real}' "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  await writeFile(calls, '');
  return {
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
    calls: async () => (await readFile(calls, 'utf8')).split('\n').filter(Boolean),
  };
}

/** The testbed's inventory plus a second name for the same ssh alias, and a group of both. */
async function twoNamesInventory(): Promise<string> {
  const inventory = join(await tempDir('oneroof-ssh-g-inventory-'), 'inventory');
  await mkdir(inventory);
  const base = await readFile(join(testbed.inventory, 'targets.yml'), 'utf8');
  await writeFile(
    join(inventory, 'targets.yml'),
    `${base}  again:
    ssh: ${testbed.ssh.alias}
    ssh_config: ${testbed.ssh.sshConfig}
    container: ${testbed.container}
    database: ${testbed.database}
    user: ${testbed.user}
groups:
  both: [${SSH_TARGET}, again]
`,
  );
  return inventory;
}

describe('ssh -G once per target per command', () => {
  it.each([
    ['status', ['status', '--target', SSH_TARGET]],
    ['preflight (runs, then signs its log)', ['preflight', '--target', SSH_TARGET]],
    ['targets (every ssh target of the inventory: one here)', ['targets']],
  ])('%s resolves the alias once', async (_name, args) => {
    const ssh = await countingSsh();
    const run = await oneroof(testbed, args, { env: ssh.env });
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace, whatever the outcome
    expect(await ssh.calls()).toEqual([expect.stringContaining(testbed.ssh.alias)]);
  });

  it('a group of two targets on one alias: once per target, not once per use', async () => {
    const ssh = await countingSsh();
    const inventory = await twoNamesInventory();
    const run = await oneroof(testbed, ['status', '--target', 'both', '--concurrency', '1'], {
      inventory,
      env: ssh.env,
    });
    expect(run.stdout).toContain('(2 targets)');
    expect(await ssh.calls()).toHaveLength(2);
  });
});
