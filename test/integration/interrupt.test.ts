/**
 * Ctrl-C during a run: dropping the connection would not stop the staged script, so oneroof
 * asks the server to cancel its own session's running statement (found by application_name),
 * as psql does on Ctrl-C. The real bin over ssh2, interrupted while a blocker holds it up.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const APR = 'APR-2026-0142';

describe('an interrupted apply', () => {
  let bench: PacketBench;
  beforeAll(async () => {
    bench = await PacketBench.open(testbed);
    await bench.install();
    await bench.reset(APR);
  });
  afterAll(async () => {
    await bench.uninstall();
    await bench.emptyDatabase();
  });

  it('cancels its own statement on the server, leaves no session and commits nothing', async () => {
    // Another session holds the table every probe and the preflight read: the run waits.
    const holder = spawn('docker', [
      'exec',
      '-e',
      'PGAPPNAME=oneroof-test-holder',
      testbed.container,
      'psql',
      '-X',
      '-U',
      testbed.user,
      '-d',
      testbed.database,
      '-c',
      'BEGIN',
      '-c',
      'LOCK TABLE public.directus_collections IN ACCESS EXCLUSIVE MODE',
      '-c',
      'SELECT pg_sleep(60)',
    ]);
    const release = () =>
      bench.query(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'oneroof-test-holder'",
      );
    const logDir = await tempDir();
    try {
      let held = '0';
      for (let i = 0; i < 100 && held === '0'; i++) {
        held = await bench.query(
          "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'oneroof-test-holder' AND state = 'active'",
        );
        if (held === '0') await new Promise((r) => setTimeout(r, 100));
      }
      expect(held).toBe('1');
      const child = spawn(
        process.execPath,
        [
          BIN,
          '--inventory',
          testbed.inventory,
          '--log-dir',
          logDir,
          'apply',
          '--target',
          testbed.ssh.alias,
          '--apr',
          APR,
          '--yes',
        ],
        { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Interrupt once the run's session is waiting on the server.
      let waiting = '';
      for (let i = 0; i < 100 && waiting === ''; i++) {
        waiting = await bench.query(
          "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'oneroof apply %' AND wait_event_type = 'Lock'",
        );
        if (waiting === '') await new Promise((r) => setTimeout(r, 100));
      }
      expect(waiting, 'the apply session never waited on the lock').toMatch(/^\d+$/);
      child.kill('SIGINT');
      // The blocker stays until the run's session is gone: the cancel, not the blocker, ends it.
      let alive = '';
      for (let i = 0; i < 200 && alive !== '0'; i++) {
        alive = await bench.query(
          "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'oneroof apply %'",
        );
        if (alive !== '0') await new Promise((r) => setTimeout(r, 100));
      }
      expect(alive, 'the run was not cancelled').toBe('0');
      await release();
      const code = await exited;
      expect(code, stderr).toBe(1);
      expect(stderr).toContain('asking the server to cancel the running statement');
      expect(stdout).toContain(`apply on ${testbed.ssh.alias} interrupted`);
      expect(stdout).toContain('canceling statement due to user request');
      expect(
        await bench.query(
          "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'oneroof apply %'",
        ),
      ).toBe('0');
      expect(
        await bench.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'governance'"),
        stdout + stderr,
      ).toBe('0');
    } finally {
      await release();
      holder.kill();
    }
  });
});
