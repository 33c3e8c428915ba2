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

/** Runs the CLI with `answer` typed on a terminal. */
async function onTerminal(args: string[], answer: string): Promise<Terminal> {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  let stdout = '';
  let stderr = '';
  stdin.end(`${answer}\n`);
  const io: Io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: true },
    env: { ...process.env, NO_COLOR: '1' },
    cwd: process.cwd(),
    stdin,
  };
  const code = await main(['--inventory', testbed.inventory, ...args], io);
  return { code, stdout, stderr };
}

describe('confirmation on a terminal', () => {
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
    // What will change, from the packet's contract (sql/packet.yml), not hard-coded.
    expect(run.stderr).toContain(
      'tiers      10 structure, 20 responsibility_axis, 30 sovereign_ownership, 40 containment, 50 topic_finalization, 60 scanner_baseline (a tier already applied is skipped)',
    );
    expect(run.stderr).toMatch(/state {6}expected after: 1\|210\|0\|0\|5\|0 {2}\(ospa\|/);
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
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
    const done = await onTerminal(
      ['--log-dir', logDir, 'rollback', '--target', testbed.ssh.alias, '--full'],
      testbed.ssh.alias,
    );
    expect(done.code, done.stderr).toBe(0);
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
  });
});
