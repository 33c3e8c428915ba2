/**
 * The operator on a terminal: apply and rollback name what they reached (target, resolved host,
 * host key fingerprint, APR) and go on only when the target's name is typed back. main() runs in
 * process with a terminal-like stdin and stderr, over ssh2 to the testbed's sshd.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/commands/io.js';
import { fingerprintSha256 } from '../../src/ssh/known-hosts.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const APR = 'APR-2026-0142';

interface Terminal {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI with `answer` typed on a terminal; with `meanwhile`, typed only once the prompt
 * is on the screen and `meanwhile` has run (another session, between the prompt and the lock).
 */
async function onTerminal(
  args: string[],
  answer: string,
  meanwhile?: () => Promise<void>,
): Promise<Terminal> {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  let stdout = '';
  let stderr = '';
  let asked = false;
  let typed: Promise<void> = Promise.resolve();
  if (meanwhile === undefined) stdin.end(`${answer}\n`);
  const io: Io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: {
      write: (text: string) => {
        stderr += text;
        if (meanwhile !== undefined && !asked && stderr.includes('Type the target name')) {
          asked = true;
          typed = meanwhile().finally(() => stdin.end(`${answer}\n`));
        }
        return true;
      },
      isTTY: true,
    },
    env: { ...process.env, NO_COLOR: '1' },
    cwd: process.cwd(),
    stdin,
  };
  const code = await main(['--inventory', testbed.inventory, ...args], io);
  await typed;
  return { code, stdout, stderr };
}

// One packet bench for both suites (file-level hooks).
let bench: PacketBench;
let logDir: string;
beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
  logDir = await tempDir();
});
afterAll(async () => {
  await bench.uninstall();
  await bench.emptyDatabase();
});

describe('confirmation on a terminal', () => {
  // Each test sets the state it starts from: none relies on what another left (vitest may shuffle).
  it('names target, host, host key and APR, and stops on anything but the target name', async () => {
    await bench.reset(APR);
    const run = await onTerminal(
      ['--log-dir', logDir, 'apply', '--target', testbed.ssh.alias, '--apr', APR],
      'yes',
    );
    expect(run.code).toBe(2);
    const hostKey = fingerprintSha256(Buffer.from(testbed.ssh.hostKeyPub.split(' ')[1]!, 'base64'));
    expect(run.stderr).toContain(`About to apply the release on ${testbed.ssh.alias}`);
    expect(run.stderr).toContain(`127.0.0.1:${testbed.ssh.port}`);
    expect(run.stderr).toContain(hostKey);
    expect(run.stderr).toContain(`APR        ${APR}`);
    // What will change: every tier of the packet's contract (sql/packet.yml) as the target's
    // ledger shows it now → after, and the state vector read now → the packet's promise.
    expect(run.stderr).toContain(
      [
        '  tiers      10 structure            pending → applied',
        '             20 responsibility_axis  pending → applied',
        '             30 sovereign_ownership  pending → applied',
        '             40 containment          pending → applied',
        '             50 topic_finalization   pending → applied',
        '             60 scanner_baseline     pending → applied',
        '  state      1|0|210|0|0|0 → 1|210|0|0|5|0  (ospa|',
      ].join('\n'),
    );
    expect(run.stderr).toContain('if it is not the same under the run lock, nothing is changed');
    expect(run.stderr).toContain('not confirmed; nothing was run');
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
  });

  it('goes on when the target name is typed, with live tier progress', async () => {
    await bench.reset(APR);
    const run = await onTerminal(
      ['--log-dir', logDir, 'apply', '--target', testbed.ssh.alias, '--apr', APR],
      testbed.ssh.alias,
    );
    expect(run.code, run.stderr).toBe(0);
    // The live view is a block redrawn in place on a terminal (src/commands/live/view.ts).
    expect(run.stderr).toContain('\r\u001b[J');
    expect(run.stderr).toMatch(/tier 60 scanner_baseline\s+ok/);
    expect(run.stdout).toMatch(/applied on contabo-replica: 6 tier\(s\) committed/);
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
  });

  it('asks before a rollback too', async () => {
    await bench.reset(APR);
    const applied = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(applied.exitCode, applied.stderr).toBe(0);
    const declined = await onTerminal(
      ['--log-dir', logDir, 'rollback', '--target', testbed.ssh.alias, '--full'],
      '',
    );
    expect(declined.code).toBe(2);
    expect(declined.stderr).toContain('About to roll back the whole release');
    expect(declined.stderr).toContain('  tiers      10 structure            applied → pending');
    expect(declined.stderr).toContain(
      '  state      1|210|0|0|5|0 → none promised by the packet after a rollback',
    );
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
    const done = await onTerminal(
      ['--log-dir', logDir, 'rollback', '--target', testbed.ssh.alias, '--full'],
      testbed.ssh.alias,
    );
    expect(done.code, done.stderr).toBe(0);
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
  });

  it('shows tiers already applied as applied', async () => {
    await bench.reset(APR);
    const tier10 = await bench.runFile('prod/10_structure.sql', { ratified_apr: APR });
    expect(tier10.exitCode, tier10.stderr).toBe(0);
    const run = await onTerminal(
      ['--log-dir', logDir, 'apply', '--target', testbed.ssh.alias, '--apr', APR],
      'no',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('  tiers      10 structure            applied\n');
    expect(run.stderr).toContain('             20 responsibility_axis  pending → applied\n');
  });
});

describe('fault state-moved: the state changes between the prompt and the run lock', () => {
  it('fault state-moved: apply confirmed on the baseline, another session applied meanwhile: refused, nothing changed', async () => {
    await bench.reset(APR);
    const run = await onTerminal(
      ['--log-dir', logDir, 'apply', '--json', '--target', testbed.ssh.alias, '--apr', APR],
      testbed.ssh.alias,
      async () => {
        const other = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
        expect(other.exitCode, other.stderr).toBe(0);
      },
    );
    expect(run.code, run.stderr).toBe(3);
    const doc = JSON.parse(run.stdout) as {
      outcome: string;
      refused: string;
      tiers: { status: string }[];
      state: { before: { text: string }; entry: { text: string } };
    };
    expect(doc.outcome).toBe('refused');
    expect(doc.refused).toBe(
      'the state moved since the confirmation: shown 1|0|210|0|0|0, now 1|210|0|0|5|0 under the run lock',
    );
    expect(doc.state.before.text).toBe('1|0|210|0|0|0');
    expect(doc.state.entry.text).toBe('1|210|0|0|5|0');
    expect(doc.tiers.every((t) => t.status === 'pending')).toBe(true);
    // Only the other session's run is in the ledger: one attempt per tier.
    expect(await bench.query('SELECT count(*) FROM governance.ledger')).toBe('6');
  });

  it('fault state-moved: rollback confirmed on the result, another session rolled back meanwhile: refused, nothing changed', async () => {
    await bench.reset(APR);
    const applied = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(applied.exitCode, applied.stderr).toBe(0);
    const run = await onTerminal(
      ['--log-dir', logDir, 'rollback', '--target', testbed.ssh.alias, '--tier', '60'],
      testbed.ssh.alias,
      async () => {
        const other = await bench.runFile('prod_rollback/99_rollback_full.sql');
        expect(other.exitCode, other.stderr).toBe(0);
      },
    );
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout + run.stderr).toContain(
      'the state moved since the confirmation: shown 1|210|0|0|5|0, now 1|0|210|0|0|0 under the run lock',
    );
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
  });
});
