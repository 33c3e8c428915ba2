/**
 * The fault suite: real faults against a real `oneroof apply` on the testbed (ssh2 → a TCP
 * proxy → the loopback sshd → docker exec → psql), each placed at a moment read from the run's
 * own records (written synchronously as things happen) or from the server's state — never a
 * sleep. After every trial, once the server has settled, `expectTruth` (test/helpers/faults.ts)
 * checks that the exit code, the summary and the tier table claim only what the server's
 * ledger shows, that no tier is half-applied, and that replay of the log tells the same story.
 * Every trial is one test named `fault <class>: <case>`: scripts/reliability.mjs counts them
 * into docs/reliability.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lockKeyValue, RUN_LOCK } from '../../src/engine/lock.js';
import {
  clientResult,
  docker,
  expectTruth,
  freshReplica,
  openFaultBed,
  recordsIn,
  settle,
  startApply,
  untilReady,
  untilRecords,
  type FaultBed,
} from '../helpers/faults.js';
import { blockInTier20, holdSession } from '../helpers/held-session.js';
import { PacketBench } from '../helpers/packet.js';
import type { RunningCli } from '../helpers/spawn-cli.js';

const testbed = inject('testbed');
const TRIAL_MS = 120_000;
const APPLY_ALIVE =
  "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'oneroof apply %'";

let bench: PacketBench;
let bed: FaultBed;
/** A whole run through the proxy, measured once: its records and the client's bytes. */
const baseline = { records: 0, bytes: 0 };

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
  bed = await openFaultBed(testbed);
  await freshReplica(bench);
  const { cli, logDir } = await startApply(bed);
  const done = await cli.done;
  expect(done.code, done.stderr).toBe(0);
  baseline.bytes = bed.proxy.forwarded;
  baseline.records = readFileSync(recordsIn(logDir)!, 'utf8').trimEnd().split('\n').length;
}, TRIAL_MS);

afterAll(async () => {
  await bed?.close();
  await settle(bench).catch(() => undefined);
  await bench.uninstall();
  await bench.emptyDatabase();
});

/** Waits for the run and reads its --json document (none when it was killed). */
async function finish(cli: RunningCli) {
  const done = await cli.done;
  return { done, result: clientResult(done.stdout) };
}

function killLeft(cli: RunningCli | undefined): void {
  if (cli && cli.child.exitCode === null && cli.child.signalCode === null)
    cli.child.kill('SIGKILL');
}

/** The records a trial waits for: psql's markers as the run logged them. */
const tierMoments = (phases: readonly ('BEGIN' | 'COMMIT')[]) =>
  [10, 20, 30, 40, 50, 60].flatMap((tier) => phases.map((phase) => `TIER ${tier} ${phase}`));

/**
 * One trial: a fresh replica, an apply, `fault` once its records show `ONEROOF <moment>`, then
 * the exit (0 only when the run had finished anyway), `check`, and the truth.
 */
async function atMoment(
  moment: string,
  fault: (cli: RunningCli) => void,
  check: (result: ReturnType<typeof clientResult>, code: number | null) => void,
  goesOn: boolean,
): Promise<void> {
  await freshReplica(bench);
  const { cli, logDir } = await startApply(bed);
  try {
    await untilRecords(cli, logDir, `ONEROOF ${moment}`);
    fault(cli);
    const { done, result } = await finish(cli);
    expect([0, 1], done.stderr).toContain(done.code);
    check(result, done.code);
    bed.proxy.thaw();
    bed.proxy.cutNow();
    await expectTruth(bench, result, logDir, { goesOn, inventory: bed.inventory });
  } finally {
    bed.proxy.thaw();
    killLeft(cli);
  }
}

/** A link fault: the run ends as *connection lost*, unless it had finished before it. */
const lostUnlessDone = (result: ReturnType<typeof clientResult>, code: number | null) => {
  if (code === 1) expect(result?.outcome).toBe('lost');
};

describe('fault connection-cut', () => {
  // The link cut after a share of the bytes a whole run sends (handshake, staging, …) …
  it.each(Array.from({ length: 10 }, (_, i) => (i + 1) / 11))(
    'fault connection-cut: after %f of the client bytes',
    async (share) => {
      await freshReplica(bench);
      bed.proxy.cutAfter = Math.max(1, Math.round(share * baseline.bytes));
      const { cli, logDir } = await startApply(bed);
      try {
        const { done, result } = await finish(cli);
        expect(done.code, done.stderr).toBe(1);
        await expectTruth(bench, result, logDir, { goesOn: true });
      } finally {
        bed.proxy.cutAfter = undefined;
        killLeft(cli);
      }
    },
    TRIAL_MS,
  );

  // … and at each tier's BEGIN and COMMIT, as the run logged them.
  it.each(tierMoments(['BEGIN', 'COMMIT']))(
    'fault connection-cut: on ONEROOF %s',
    (moment) => atMoment(moment, () => bed.proxy.cutNow(), lostUnlessDone, true),
    TRIAL_MS,
  );
});

describe('fault runner-sigkill', () => {
  it.each(Array.from({ length: 20 }, (_, i) => i + 1))(
    'fault runner-sigkill: at record %i of 21 parts of a run',
    async (part) => {
      await freshReplica(bench);
      const { cli, logDir } = await startApply(bed);
      try {
        const at = Math.max(1, Math.round((part * baseline.records) / 21));
        const reached = await untilRecords(cli, logDir, at).then(
          () => true,
          () => false,
        );
        if (reached) cli.child.kill('SIGKILL');
        const { done, result } = await finish(cli);
        if (reached && done.signal === 'SIGKILL') expect(result).toBeUndefined();
        await expectTruth(bench, result, logDir, { goesOn: true, inventory: bed.inventory });
      } finally {
        killLeft(cli);
      }
    },
    TRIAL_MS,
  );
});

describe('fault sigint', () => {
  it(
    'fault sigint: before the connection is up (the link held)',
    async () => {
      await freshReplica(bench);
      bed.proxy.freeze();
      let cli: RunningCli | undefined;
      try {
        const started = await startApply(bed);
        cli = started.cli;
        await untilRecords(cli, started.logDir, '"record":"start"');
        cli.child.kill('SIGINT');
        await cli.waitForStderr(/asking the server to cancel/);
        bed.proxy.thaw();
        const { done, result } = await finish(cli);
        expect(done.code, done.stderr).toBe(1);
        expect(result).toMatchObject({ outcome: 'cancelled' });
        expect(result!.message).toMatch(/cancelled before any tier: nothing was run$/);
        // The main session never started: no exec of it in the records.
        expect(readFileSync(recordsIn(started.logDir)!, 'utf8')).not.toMatch(
          /"record":"exec","step":"main"/,
        );
        await expectTruth(bench, result, started.logDir, { goesOn: false });
      } finally {
        bed.proxy.thaw();
        killLeft(cli);
      }
    },
    TRIAL_MS,
  );

  it(
    'fault sigint: while waiting for the run lock (--wait)',
    async () => {
      await freshReplica(bench);
      const holder = await holdSession(bench, 'oneroof-test-runlock', [
        `SELECT pg_advisory_lock(${lockKeyValue(RUN_LOCK)})`,
      ]);
      let cli: RunningCli | undefined;
      try {
        const started = await startApply(bed, ['--wait', '60']);
        cli = started.cli;
        const waiting = `${APPLY_ALIVE} AND wait_event_type = 'Lock'`;
        for (let i = 0; i < 600 && (await bench.query(waiting)) !== '1'; i++) await sleep(50);
        expect(await bench.query(waiting), 'the apply never waited for the lock').toBe('1');
        cli.child.kill('SIGINT');
        const { done, result } = await finish(cli);
        expect(done.code, done.stderr).toBe(1);
        expect(result).toMatchObject({ outcome: 'cancelled' });
        await holder.release();
        await expectTruth(bench, result, started.logDir, { goesOn: false });
      } finally {
        killLeft(cli);
        await holder.release();
      }
    },
    TRIAL_MS,
  );

  it(
    'fault sigint: while tier 20 is held on the server',
    async () => {
      await freshReplica(bench);
      let started: Awaited<ReturnType<typeof startApply>> | undefined;
      const block = await blockInTier20(
        bench,
        () => void startApply(bed).then((s) => (started = s)),
        () => started === undefined || started.cli.child.exitCode === null,
      );
      try {
        await untilRecords(started!.cli, started!.logDir, 'ONEROOF TIER 20 BEGIN');
        // The record came while tier 20 waits on the server, not once it stopped waiting (psql's
        // stdout may overtake its stderr: the marker must not wait for a line after it).
        expect(
          await bench.query(
            `SELECT wait_event_type FROM pg_stat_activity WHERE pid = ${block.serverPid}`,
          ),
          'TIER 20 BEGIN was logged only after tier 20 stopped waiting',
        ).toBe('Lock');
        started!.cli.child.kill('SIGINT');
        for (let i = 0; i < 400 && (await bench.query(APPLY_ALIVE)) !== '0'; i++) await sleep(50);
        await block.release();
        const { done, result } = await finish(started!.cli);
        expect(done.code, done.stderr).toBe(1);
        expect(result).toMatchObject({ outcome: 'interrupted' });
        expect(result!.tiers.slice(0, 2).map((t) => t.status)).toEqual(['ok', 'failed']);
        expect(result!.message).toContain('committed: 10; rolled back: 20');
        await expectTruth(bench, result, started!.logDir, { goesOn: false });
      } finally {
        await block.release();
        killLeft(started?.cli);
      }
    },
    TRIAL_MS,
  );

  it.each([...tierMoments(['COMMIT']), 'TIER 30 BEGIN', 'TIER 50 BEGIN', 'VERIFY PASS'])(
    'fault sigint: on ONEROOF %s',
    (moment) =>
      atMoment(
        moment,
        (cli) => cli.child.kill('SIGINT'),
        // Never a silent success: a run that ended well after the Ctrl-C says it came too late.
        (result, code) => {
          if (code === 0) expect(result!.message).toContain('the cancel came too late');
          else expect(['interrupted', 'cancelled']).toContain(result!.outcome);
        },
        false,
      ),
    TRIAL_MS,
  );
});

describe('fault frozen-link', () => {
  // Keepalives every second, three missed (the fault inventory's ssh_config): the run ends as
  // *connection lost* by itself; the test's timeout is the bound.
  it.each(['TIER 20 BEGIN', 'TIER 40 BEGIN'])(
    'fault frozen-link: frozen on ONEROOF %s',
    (moment) => atMoment(moment, () => bed.proxy.freeze(), lostUnlessDone, true),
    TRIAL_MS,
  );
});

describe('fault ssh-child-kill', () => {
  // The openssh transport: the system ssh, a child of the runner, SIGKILLed (found by its
  // parent's pid: only our own process). The run ends; the open tier is unknown.
  it.each(['TIER 20 BEGIN', 'TIER 30 COMMIT', 'TIER 50 BEGIN'])(
    'fault ssh-child-kill: on ONEROOF %s',
    async (moment) => {
      await freshReplica(bench);
      const { cli, logDir } = await startApply(bed, ['--transport', 'openssh']);
      try {
        await untilRecords(cli, logDir, `ONEROOF ${moment}`);
        const children = execFileSync('pgrep', ['-P', String(cli.pid), '-x', 'ssh'])
          .toString()
          .trim()
          .split('\n');
        for (const pid of children) process.kill(Number(pid), 'SIGKILL');
        const { done, result } = await finish(cli);
        expect([0, 1], done.stderr).toContain(done.code);
        await expectTruth(bench, result, logDir, { goesOn: true, inventory: bed.inventory });
      } finally {
        killLeft(cli);
      }
    },
    TRIAL_MS,
  );
});

/** Tier 20 held on the server, then `fault` (a restart, a stop) while it is open. */
async function whileTier20Held(fault: () => Promise<void>, after: () => Promise<void>) {
  await freshReplica(bench);
  let started: Awaited<ReturnType<typeof startApply>> | undefined;
  const block = await blockInTier20(
    bench,
    () => void startApply(bed).then((s) => (started = s)),
    () => started === undefined || started.cli.child.exitCode === null,
  );
  try {
    // The client saw tier 10 commit and tier 20 begin: the fault lands inside tier 20.
    await untilRecords(started!.cli, started!.logDir, 'ONEROOF TIER 20 BEGIN');
    await fault();
    const { done, result } = await finish(started!.cli);
    await after();
    await block.release().catch(() => undefined);
    // 1: the fault ended the run. On a loaded machine the run's own lock_timeout (10 s) in
    // tier 20 may fire first (exit 4, tier 20 rolled back): still only the truth is checked.
    if (done.code === 4) expect(result!.message).toContain('lock timeout');
    else expect(done.code, done.stdout).toBe(1);
    // Tier 10 committed before; tier 20 was open: rolled back, or unknown, never ok.
    expect(result!.tiers[0]!.status).toBe('ok');
    expect(['failed', 'unknown']).toContain(result!.tiers[1]!.status);
    const truth = await expectTruth(bench, result, started!.logDir, { goesOn: false });
    expect(truth.ledger.get(20)).toBe(false);
  } finally {
    await block.release().catch(() => undefined);
    killLeft(started?.cli);
  }
}

describe('fault postgres-restart', () => {
  it(
    'fault postgres-restart: fast shutdown and start while tier 20 is open',
    () =>
      // A fast shutdown (SIGINT to the postmaster, PID 1: every backend gets FATAL), then the
      // container started again; well within the run's lock_timeout in tier 20.
      whileTier20Held(
        async () => {
          await docker('kill', '--signal', 'INT', testbed.container);
          await docker('wait', testbed.container);
        },
        async () => {
          await docker('start', testbed.container);
          await untilReady(bench);
        },
      ),
    TRIAL_MS,
  );
});

describe('fault container-stop', () => {
  it(
    'fault container-stop: docker stop while tier 20 is open',
    () =>
      whileTier20Held(
        () => docker('stop', '--time', '1', testbed.container),
        async () => {
          await docker('start', testbed.container);
          await untilReady(bench);
        },
      ),
    TRIAL_MS,
  );
});

describe('fault log-disk-full', () => {
  // A small tmpfs as --log-dir (root only: CI runs as root). Unmounted even on failure.
  let mountPoint: string | undefined;
  beforeAll(() => {
    mountPoint = mkdtempSync(join(tmpdir(), 'oneroof-fault-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mountPoint]);
  });
  afterAll(() => {
    if (mountPoint === undefined) return;
    try {
      execFileSync('umount', [mountPoint]);
    } finally {
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
  let fills = 0;
  const fill = () => {
    // Until the disk is full: ENOSPC ends it. (A counter, not the time: two fills in one
    // millisecond would write the same file and fill nothing.)
    try {
      writeFileSync(join(mountPoint!, `fill-${fills++}`), Buffer.alloc(8 * 1024 * 1024));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    }
  };
  const empty = () => {
    for (const name of execFileSync('ls', ['-A', mountPoint!]).toString().split('\n'))
      if (name !== '') rmSync(join(mountPoint!, name), { recursive: true, force: true });
  };

  it(
    'fault log-disk-full: full before the run',
    async () => {
      await freshReplica(bench);
      empty();
      fill();
      const logDir = join(mountPoint!, 'logs');
      const { cli } = await startApply(bed, [], logDir);
      try {
        const { done } = await finish(cli);
        expect(done.code, done.stderr).toBe(1);
        expect(done.stderr).toMatch(
          /log not writable: .*oneroof-fault-tmpfs-.*ENOSPC.*nothing was run/,
        );
        const truth = await expectTruth(bench, undefined, logDir, {
          goesOn: false,
          replay: false,
        });
        expect([...truth.ledger.values()].some(Boolean), 'nothing was run').toBe(false);
      } finally {
        killLeft(cli);
        empty();
      }
    },
    TRIAL_MS,
  );

  it.each(['TIER 20 BEGIN', 'TIER 40 BEGIN'])(
    'fault log-disk-full: fills on ONEROOF %s',
    async (moment) => {
      await freshReplica(bench);
      empty();
      const logDir = join(mountPoint!, 'logs');
      const { cli } = await startApply(bed, [], logDir);
      try {
        await untilRecords(cli, logDir, `ONEROOF ${moment}`);
        fill();
        const { done, result } = await finish(cli);
        expect(done.code, done.stderr).toBe(1);
        expect(result).toMatchObject({ outcome: 'log-failed' });
        expect(result!.message).toContain('the log is incomplete');
        expect(done.stderr).not.toContain('log head anchored on the target');
        expect(done.stderr).toContain('not anchored on the target: the log is incomplete');
        await expectTruth(bench, result, logDir, { goesOn: false, logIncomplete: true });
      } finally {
        killLeft(cli);
        empty();
      }
    },
    TRIAL_MS,
  );
});

describe('fault concurrent-applies', () => {
  it(
    'fault concurrent-applies: 10 at once, exactly one applies, the others exit 6 naming it',
    async () => {
      await freshReplica(bench);
      const runs: Awaited<ReturnType<typeof startApply>>[] = [];
      const block = await blockInTier20(
        bench,
        () => {
          for (let i = 0; i < 10; i++) void startApply(bed).then((s) => runs.push(s));
        },
        () => runs.length < 10 || runs.some((r) => r.cli.child.exitCode === null),
      );
      try {
        // Nine refuse at once, while the winner is held in tier 20.
        for (
          let i = 0;
          i < 600 && runs.filter((r) => r.cli.child.exitCode !== null).length < 9;
          i++
        )
          await sleep(50);
        const losers = runs.filter((r) => r.cli.child.exitCode !== null);
        const winner = runs.filter((r) => r.cli.child.exitCode === null);
        expect(losers).toHaveLength(9);
        expect(winner).toHaveLength(1);
        for (const loser of losers) {
          const { done, result } = await finish(loser.cli);
          expect(done.code, done.stderr).toBe(6);
          expect(result!.message).toContain(`pid ${winner[0]!.cli.pid} `);
          expect(result!.tiers.every((t) => t.status === 'pending')).toBe(true);
        }
        await block.release();
        const { done, result } = await finish(winner[0]!.cli);
        expect(done.code, done.stderr).toBe(0);
        await expectTruth(bench, result, winner[0]!.logDir, { goesOn: false });
      } finally {
        await block.release();
        for (const r of runs) killLeft(r.cli);
      }
    },
    TRIAL_MS,
  );
});
