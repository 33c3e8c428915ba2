/**
 * Every phase's live view under a real pseudo-terminal (util-linux `script`, test/helpers/pty.ts)
 * through the real bin/oneroof on the testbed's chain (ssh2 → loopback sshd → docker exec →
 * psql), as golden screens (test/golden/tty-*.txt): each holds the view's last frame (every
 * phase finished, as the terminal showed it just before the view erased it) and the screen at
 * the end (the report, printed once). Durations, times, pids, ports, paths and the stream's
 * byte count are normalised (test/helpers/golden.ts, local() below); every other byte, colour
 * codes included, is compared. Then the same runs without a terminal: one plain line per phase,
 * or per member of a group, as golden stderr.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { APR } from '../helpers/e2e.js';
import { expectGolden } from '../helpers/golden.js';
import { PacketBench } from '../helpers/packet.js';
import { onPty, type PtyRun } from '../helpers/pty.js';
import { lastFrame, screen } from '../helpers/screen.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const ESC = String.fromCharCode(27);
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
const RED_BOLD = `${ESC}[31m${ESC}[1m`;
/** Wide enough that no row is cut: where a cut falls would hang on the port's digits. */
const SIZE = { columns: 200, rows: 60 };
/** The real bin/oneroof on a pty of that size. */
const pty = (argv: string[], env: NodeJS.ProcessEnv = {}) => onPty(argv, env, undefined, SIZE);

/** What differs per worktree and testbed id, and the packet's byte count (its own golden). */
function local(shown: string): string {
  return shown
    .replaceAll(process.cwd(), '<REPO>')
    .replaceAll(testbed.container, '<CONTAINER>')
    .replace(/\b\d+ bytes\b/g, '<N> bytes');
}

/** The golden of a pty run: the view's last frame, then the screen at the end. */
function captured(run: PtyRun): string {
  const frame = lastFrame(run.transcript);
  expect(frame, 'the live view drew a block').toBeDefined();
  return local(
    `${frame}\n--- the live view erased; the screen at the end ---\n${screen(run.transcript)}`,
  );
}

/** An extra active user without a role: tier 60's scanner assertion fails (exit 4). */
async function strayUser(bench: PacketBench): Promise<void> {
  await bench.query(
    "INSERT INTO public.directus_users (id, email, status) VALUES (md5('tty/stray')::uuid, 'stray@oneroof.example', 'active')",
  );
}

describe('every phase live on a terminal, and line by line without one', { shuffle: false }, () => {
  let bench: PacketBench;
  let logDir: string;
  let inventory: string;
  let ini: string;
  const args = (...rest: string[]) => ['--inventory', inventory, '--log-dir', logDir, ...rest];
  const one = (...rest: string[]) => args(...rest, '--target', testbed.ssh.alias);

  beforeAll(async () => {
    bench = await PacketBench.open(testbed);
    await bench.install();
    const dir = await tempDir('oneroof-tty-phases-');
    logDir = join(dir, 'logs');
    inventory = join(dir, 'inventory');
    await mkdir(inventory);
    await writeFile(
      join(inventory, 'targets.yml'),
      `targets:
  ${testbed.ssh.alias}:
    ssh: ${testbed.ssh.alias}
    ssh_config: ${testbed.ssh.sshConfig}
    container: ${testbed.container}
    database: directus
    user: workflow_admin
  replica:
    transport: local
    container: ${testbed.container}
    database: directus
    user: workflow_admin
groups:
  both: [${testbed.ssh.alias}, replica]
`,
    );
    ini = join(dir, 'fleet.ini');
    await writeFile(
      ini,
      `[fleet]
${testbed.ssh.alias} oneroof_ssh_config=${testbed.ssh.sshConfig}
replica ansible_connection=local
ghost ansible_connection=local

[fleet:vars]
oneroof_container=${testbed.container}
oneroof_database=directus
oneroof_user=workflow_admin
`,
    );
  });
  afterAll(async () => {
    await bench.uninstall();
    await bench.emptyDatabase();
  });

  it('preflight GO: every check PASS and the GO in green, then the report', async () => {
    await bench.reset(APR);
    const run = await pty(one('preflight', '--apr', APR));
    expect(run.code, run.transcript).toBe(0);
    expect(run.transcript).toContain(`${ESC}[32m  GO `);
    await expectGolden('tty-preflight-go', captured(run));
  });

  it('apply with a failed tier: tier 60 failed stands out in red, exit 4', async () => {
    await bench.reset(APR);
    await strayUser(bench);
    const run = await pty(one('apply', '--apr', APR, '--yes'));
    expect(run.code, run.transcript).toBe(4);
    expect(lastFrame(run.transcript)).toContain(`${RED_BOLD}  tier 60 scanner_baseline`);
    await expectGolden('tty-apply-failed-tier', captured(run));
  });

  it('verify after an apply: the count of checks passed, then the report', async () => {
    await bench.reset(APR);
    const applied = await runCli(one('apply', '--apr', APR, '--yes'));
    expect(applied.code, applied.stderr).toBe(0);
    const run = await pty(one('verify'));
    expect(run.code, run.transcript).toBe(0);
    expect(lastFrame(run.transcript)).toMatch(/^ {2}verify {2}\d+ checks passed/m);
    await expectGolden('tty-verify', captured(run));
  });

  it('status: the read-only phases, then the ledger', async () => {
    const run = await pty(one('status'));
    expect(run.code, run.transcript).toBe(0);
    await expectGolden('tty-status', captured(run));
  });

  it('rollback --full: every tier rolled back, live, then the report', async () => {
    const run = await pty(one('rollback', '--full', '--yes'));
    expect(run.code, run.transcript).toBe(0);
    await expectGolden('tty-rollback', captured(run));
  });

  it('a group preflight: one row per member with its exit, then the recap once', async () => {
    await bench.reset();
    const run = await pty(args('preflight', '--target', 'both'));
    expect(run.code, run.transcript).toBe(3);
    const frame = lastFrame(run.transcript)!;
    expect(frame).toContain(`${RED_BOLD}  ${testbed.ssh.alias} `);
    expect(frame).toContain(`${RED_BOLD}  replica `);
    const shown = screen(run.transcript);
    expect(shown.match(/^GO 0, NO-GO 2, unreachable 0, locked 0, failed 0/gm)).toHaveLength(1);
    // No member's line above the block: on a terminal the view is what shows each end.
    expect(shown).not.toMatch(/^(contabo-replica|replica): /m);
    await expectGolden('tty-group-preflight', captured(run));
  });

  it('an Ansible group with --limit and --serial 1: members one by one, then the recap', async () => {
    await bench.reset(APR);
    const run = await pty([
      '--inventory',
      `ansible:${ini}`,
      '--log-dir',
      logDir,
      'apply',
      '--target',
      'fleet',
      '--limit',
      `${testbed.ssh.alias}:replica`,
      '--serial',
      '1',
      '--apr',
      APR,
      '--yes',
    ]);
    expect(run.code, run.transcript).toBe(0);
    const frame = lastFrame(run.transcript)!;
    expect(frame).not.toContain('ghost');
    expect(frame).not.toContain('waiting');
    await expectGolden('tty-group-apply-serial', captured(run));
  });

  it.each([
    ['NO_COLOR=1', { NO_COLOR: '1' }, []],
    ['--color=never', {}, ['--color=never']],
  ])('%s on a terminal: the same screens, with no colour code', async (_, env, flags) => {
    await bench.reset();
    const run = await pty([...flags, ...one('preflight')], env);
    expect(run.code, run.transcript).toBe(3);
    expect(run.transcript).not.toMatch(SGR);
    await expectGolden('tty-preflight-no-go-no-color', captured(run));
  });

  it('not a terminal: one plain line per phase, as golden stderr', async () => {
    await bench.reset();
    const run = await runCli(one('preflight'));
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).not.toContain(ESC);
    await expectGolden('lines-preflight-no-go', local(run.stderr));
  });

  it('a group not on a terminal: one plain line per member as it ends', async () => {
    const run = await runCli(args('preflight', '--target', 'both', '--concurrency', '1'));
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).not.toContain(ESC);
    await expectGolden('lines-group-preflight', local(run.stderr));
  });
});
