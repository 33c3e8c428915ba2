/**
 * Ctrl-C during a run: dropping the connection would not stop the staged script, so oneroof
 * asks the server to cancel its own session's running statement (found by application_name),
 * as psql does on Ctrl-C. The real bin over ssh2, interrupted while a blocker holds it up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { holdSession } from '../helpers/held-session.js';
import { PacketBench } from '../helpers/packet.js';
import { startCli } from '../helpers/spawn-cli.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const APR = 'APR-2026-0142';
const ALIVE = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'oneroof apply %'";

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
    const holder = await holdSession(bench, 'oneroof-test-holder', [
      'BEGIN',
      'LOCK TABLE public.directus_collections IN ACCESS EXCLUSIVE MODE',
    ]);
    const logDir = await tempDir();
    const cli = startCli([
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
    ]);
    try {
      // Interrupt once the run's session is waiting on the server.
      const waiting =
        "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'oneroof apply %' AND wait_event_type = 'Lock'";
      for (let i = 0; i < 100 && (await bench.query(waiting)) === '0'; i++) await sleep(100);
      expect(await bench.query(waiting), 'the apply session never waited on the lock').toBe('1');
      cli.child.kill('SIGINT');
      // The blocker stays until the run's session is gone: the cancel, not the blocker, ends it.
      for (let i = 0; i < 200 && (await bench.query(ALIVE)) !== '0'; i++) await sleep(100);
      expect(await bench.query(ALIVE), 'the run was not cancelled').toBe('0');
      await holder.release();
      const { code, stdout, stderr } = await cli.done;
      expect(code, stderr).toBe(1);
      expect(stderr).toContain('asking the server to cancel the running statement');
      // Held before tier 10 began: the run says so, never "interrupted" with nothing to name.
      expect(stdout).toContain(
        `apply on ${testbed.ssh.alias} cancelled before any tier: nothing was run`,
      );
      expect(stdout).toContain('canceling statement due to user request');
      expect(
        await bench.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'governance'"),
        stdout + stderr,
      ).toBe('0');
    } finally {
      cli.child.kill('SIGKILL');
      await holder.release();
    }
  });
});
