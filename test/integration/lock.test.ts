/**
 * Exit 6 and the run lock, end to end through ssh2 (issue 5): another session holding the run
 * lock or the preflight lock (src/engine/lock.ts), `--wait`, two applies started at once (ten
 * times), and a client lost halfway whose run goes on by itself on the server. The other
 * sessions are plain psql in the testbed container (test/helpers/held-session.ts); the code
 * under test is always the real bin/oneroof.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { applicationName, lockKeyValue, LOCKS, RUN_LOCK } from '../../src/engine/lock.js';
import { whoAmI } from '../../src/local/who.js';
import {
  APR,
  SSH_TARGET,
  STATE,
  TIERS,
  expectOneLog,
  lastRecord,
  ledger,
  ledgerOf,
  logFiles,
  oneroof,
  oneJsonDocument,
  tierLines,
} from '../helpers/e2e.js';
import { expectGolden } from '../helpers/golden.js';
import {
  blockInTier20,
  holdSession,
  terminateByName,
  TIER20_BLOCKERS,
  type HeldSession,
  type Tier20Block,
} from '../helpers/held-session.js';
import { PacketBench } from '../helpers/packet.js';
import { startCli, type RunningCli } from '../helpers/spawn-cli.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';

const testbed = inject('testbed');
let bench: PacketBench;
const T = ['--target', SSH_TARGET];
const HOLDER = 'holder test';

/** Everything this file starts, ended even when a test fails halfway. */
const held: HeldSession[] = [];
const blocks: Tier20Block[] = [];
const children: RunningCli[] = [];
const applyDurations: number[] = [];

async function hold(...args: Parameters<typeof holdSession>): Promise<HeldSession> {
  const session = await holdSession(...args);
  held.push(session);
  return session;
}

function start(args: string[], logDir: string): RunningCli {
  const cli = startCli(['--inventory', testbed.inventory, '--log-dir', logDir, ...args]);
  children.push(cli);
  return cli;
}

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
});

afterEach(async () => {
  for (const cli of children.splice(0))
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGKILL');
      await cli.done;
    }
  for (const session of held.splice(0)) await session.release();
  for (const block of blocks.splice(0)) await block.release();
  for (const name of [HOLDER, ...TIER20_BLOCKERS]) await terminateByName(bench, name);
});

afterAll(async () => {
  if (applyDurations.length > 0)
    console.error(`lock.test.ts: apply durationMs seen: ${applyDurations.join(', ')}`);
  await bench.emptyDatabase();
  await bench.uninstall();
});

const runLockSql = `SELECT pg_advisory_lock(${lockKeyValue(RUN_LOCK)})`;
const preflightLockSql = `SELECT pg_advisory_lock(${lockKeyValue(LOCKS.preflight[0].key)})`;

/** The holder as a refusal names it: `holder test (server pid N, exclusive lock, connected …)`. */
function named(session: HeldSession): RegExp {
  return new RegExp(
    `${session.name} \\(server pid ${session.pid}, exclusive lock, connected \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)`,
  );
}

/** A oneroof session of this CLI process, waiting for a lock on the server. */
async function waitingOnLock(cli: RunningCli, command: string): Promise<string> {
  const name = applicationName(command, { ...whoAmI(), pid: cli.pid });
  for (let attempt = 0; attempt < 600; attempt++) {
    const pid = await bench.query(
      `SELECT pid FROM pg_stat_activity WHERE application_name = '${name}' AND wait_event_type = 'Lock'`,
    );
    if (/^\d+$/.test(pid)) return pid;
    if (cli.child.exitCode !== null)
      throw new Error(`oneroof ended before it waited on a lock:\n${cli.stdout()}${cli.stderr()}`);
    await sleep(50);
  }
  throw new Error(`${name}: never seen waiting on a lock`);
}

describe('another session holds the run lock', () => {
  it('apply exits 6 naming the holder; nothing was run', async () => {
    await bench.reset(APR);
    const holder = await hold(bench, HOLDER, [runLockSql]);
    const run = await oneroof(testbed, ['apply', ...T, '--apr', APR, '--yes']);
    expect(run.code, run.stderr).toBe(6);
    expect(run.stdout).toMatch(
      new RegExp(
        `^${SSH_TARGET} is locked: ${named(holder).source} holds the run lock on this database; nothing was run$`,
        'm',
      ),
    );
    expect(tierLines(run.stdout)).toEqual(TIERS.map(([n, name]) => `tier ${n} ${name} pending`));
    const { records } = await expectOneLog(run, 'rollout');
    expect(await lastRecord(records)).toMatchObject({ outcome: 'locked', exitCode: 6 });
    expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf(() => false));
    expect(await bench.probe('state_vector')).toBe(STATE.approved);
    await expectGolden('apply-locked', run.stdout);
  });

  it('preflight and verify exit 6 too (they take it shared); status answers and lists the holder', async () => {
    await bench.reset(APR); // its own golden clone: status judges the database (shuffled order)
    const holder = await hold(bench, HOLDER, [runLockSql]);
    // Side by side: neither waits. Then status (alone, or it would list them too).
    const [preflight, verify] = await Promise.all(
      ['preflight', 'verify'].map((command) => oneroof(testbed, [command, ...T])),
    );
    const status = await oneroof(testbed, ['status', ...T]);
    for (const run of [preflight!, verify!]) {
      expect(run.code, `${run.stdout}${run.stderr}`).toBe(6);
      expect(run.stdout).toMatch(
        new RegExp(`^${SSH_TARGET} is locked: ${named(holder).source} holds the run lock`, 'm'),
      );
    }
    await expectOneLog(preflight!, 'preflight');
    await expectOneLog(verify!, 'verify');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(
        `^ {2}runs {12}ALIVE: ${HOLDER} \\(server pid ${holder.pid}, active, .*holds the run lock\\)$`,
        'm',
      ),
    );
    expect(status.stdout.match(/ALIVE/g)).toHaveLength(1);
  });

  it('apply --wait 60 waits for it, and runs once the holder lets go', async () => {
    await bench.reset(APR); // its own golden clone: the test before it may not have run
    const holder = await hold(bench, HOLDER, [runLockSql]);
    const logDir = join(await tempDir('oneroof-e2e-logs-'), 'logs');
    const metrics = join(await tempDir('oneroof-e2e-metrics-'), 'oneroof.prom');
    const cli = start(
      ['apply', ...T, '--apr', APR, '--yes', '--wait', '60', '--json', '--metrics', metrics],
      logDir,
    );
    await waitingOnLock(cli, 'apply');
    // Seen waiting on the server: it did not exit 6; and it says who it waits for (one line:
    // stderr is not a terminal).
    expect(cli.child.exitCode).toBeNull();
    const waiting = new RegExp(`^ {2}lock {4}waiting for ${named(holder).source} {2}…$`, 'm');
    await cli.waitForStderr(waiting);
    await holder.release();
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.match(waiting)).toHaveLength(1);
    expect(run.stderr).toMatch(/^ {2}lock {4}held after waiting \d+(\.\d+)? s/m);
    const doc = oneJsonDocument(run.stdout);
    expect(doc.message).toBe(`applied on ${SSH_TARGET}: 6 tier(s) committed; verify passed`);
    const wait = doc.lockWait as { holder: string; seconds: number };
    expect(wait.holder).toMatch(named(holder));
    expect(wait.seconds).toBeGreaterThan(0);
    // The same wait in the run log (format 3: its .log holds psql's notices, which replay
    // re-parses from the chained records' byte ranges), and in --metrics.
    const { log } = await expectOneLog({ ...run, logDir }, 'rollout');
    const tee = await readFile(log, 'utf8');
    expect(tee).toMatch(/ONEROOF LOCK WAIT: .* holds the run lock on this database/);
    expect(tee).toContain('ONEROOF LOCK WAITING');
    expect(tee).toMatch(/ONEROOF LOCK ACQUIRED: waited [0-9.]+ s/);
    expect(await readFile(metrics, 'utf8')).toContain(
      `oneroof_lock_wait_seconds{command="apply",target="${SSH_TARGET}"} ${wait.seconds}\n`,
    );
    expect(await bench.probe('state_vector')).toBe(STATE.released);
    expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf(() => true));
  });

  it.each([
    ['escapes', 'evil\u001b]0;pwned\u0007\u001b[2J'],
    ['newlines', 'first\nONEROOF LOCK ACQUIRED: waited 0.000 s\r\nlast'],
    ['non-ascii', 'd\u00e9j\u00e0 \u202eright-to-left'],
  ])('hostile lock-holder: an application_name with %s is shown sanitised', async (_what, name) => {
    await bench.reset(APR);
    // A plain psql session as the holder, its application_name set by libpq (PGAPPNAME).
    const exec = await bench.docker.getContainer(bench.container).exec({
      Cmd: [
        'psql',
        '-X',
        '-q',
        '-U',
        testbed.user,
        '-d',
        testbed.database,
        '-c',
        runLockSql,
        '-c',
        'SELECT pg_sleep(90)',
      ],
      Env: [`PGAPPNAME=${name}`],
      AttachStdout: false,
      AttachStderr: false,
    });
    await exec.start({ Detach: true });
    const holderPid = async () =>
      bench.query(
        `SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND (l.classid::bigint << 32 | l.objid::bigint) = ${lockKeyValue(RUN_LOCK)}`,
      );
    let pid = '';
    for (let i = 0; i < 200 && !/^\d+$/.test(pid); i++) {
      pid = await holderPid();
      if (!/^\d+$/.test(pid)) await sleep(50);
    }
    expect(pid).toMatch(/^\d+$/);
    try {
      const logDir = join(await tempDir('oneroof-e2e-logs-'), 'logs');
      const cli = start(['preflight', ...T, '--apr', APR, '--wait', '60'], logDir);
      await cli.waitForStderr(/^ {2}lock {4}waiting for .*$/m);
      await bench.query(`SELECT pg_terminate_backend(${Number(pid)})`);
      const run = await cli.done;
      expect(run.code, run.stderr).toBe(0);
      const line = /^ {2}lock {4}waiting for (.*)$/m.exec(run.stderr)![1]!;
      // Whatever the server kept of the name, nothing a terminal obeys reaches stderr: no
      // escape, no line of its own, no bidirectional override.
      expect(line).toMatch(new RegExp(`\\(server pid ${pid}, exclusive lock, connected `));
      for (const c of ['\u001b', '\u0007', '\u202e']) expect(run.stderr).not.toContain(c);
      expect(run.stderr).not.toMatch(/^ONEROOF LOCK ACQUIRED/m);
      expect(run.stderr).not.toMatch(/^last/m);
    } finally {
      await bench.query(
        `SELECT count(pg_terminate_backend(${Number(pid)})) WHERE ${Number(pid)} > 0`,
      );
    }
  });
});

describe('another session holds the preflight lock', () => {
  it('preflight exits 6 naming it; status lists no run (not a oneroof session, no run lock)', async () => {
    await bench.reset(APR); // its own golden clone: status judges the database (shuffled order)
    const holder = await hold(bench, HOLDER, [preflightLockSql]);
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR]);
    expect(run.code, run.stderr).toBe(6);
    expect(run.stdout).toMatch(
      new RegExp(
        `^${SSH_TARGET} is locked: ${named(holder).source} holds the preflight lock on this database; nothing was run$`,
        'm',
      ),
    );
    await expectOneLog(run, 'preflight');
    const status = await oneroof(testbed, ['status', ...T, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(oneJsonDocument(status.stdout)).toMatchObject({ exitCode: 0, probes: { alive: [] } });
  });
});

// Ten rounds, each a test of its own (each resets the clone first): a slow machine gives each
// round the whole test timeout instead of sharing one among ten.
const ROUNDS = Array.from({ length: 10 }, (_, i) => i + 1);

describe('two applies started at once, ten times', () => {
  it.each(ROUNDS)(
    'round %i: exactly one runs; the other exits 6 naming the first; every tier applied once',
    async (round) => {
      await bench.reset(APR);
      const dir = await tempDir('oneroof-e2e-race-');
      // One of the two speaks --json (its document's exitCode must be its exit code), so both
      // outcomes are seen in both forms over the rounds.
      const both = [
        start(['apply', ...T, '--apr', APR, '--yes', '--json'], join(dir, 'a')),
        start(['apply', ...T, '--apr', APR, '--yes'], join(dir, 'b')),
      ];
      const results = await Promise.all(both.map((cli) => cli.done));
      const codes = results.map((r) => r.code);
      expect([...codes].sort(), `round ${round}: ${JSON.stringify(results)}`).toEqual([0, 6]);
      const doc = oneJsonDocument(results[0]!.stdout);
      expect(doc.exitCode).toBe(codes[0]);
      /** The verdict line: the document's message, or the human report's last-but-one line. */
      const message = (i: number) =>
        i === 0 ? (doc.message as string) : results[i]!.stdout.trimEnd().split('\n').at(-2)!;
      const winner = codes.indexOf(0);
      const loser = 1 - winner;
      expect(message(winner)).toBe(`applied on ${SSH_TARGET}: 6 tier(s) committed; verify passed`);
      const first = applicationName('apply', { ...whoAmI(), pid: both[winner]!.pid });
      expect(message(loser), `round ${round}`).toMatch(
        new RegExp(
          `^${SSH_TARGET} is locked: ${first.replace(/[.?]/g, '\\$&')} \\(server pid \\d+, exclusive lock, connected \\S+Z\\) holds the run lock on this database; nothing was run$`,
        ),
      );
      expect(ledger(await bench.probe('tier_status')), `round ${round}`).toEqual(
        ledgerOf(() => true, '1'),
      );
      const winnerLogs = join(dir, winner === 0 ? 'a' : 'b');
      const records = (await logFiles(winnerLogs)).find((f) => f.endsWith('.jsonl'))!;
      applyDurations.push((await lastRecord(join(winnerLogs, records))).durationMs as number);
    },
  );
});

describe('a client lost halfway', () => {
  it('SIGKILLed during tier 20: the run goes on on the server, status shows it alive, a new apply exits 6; then every tier is applied', async () => {
    await bench.reset(APR);
    // Tier 20 must be blocked after tier 10 committed (the recipe is in blockInTier20).
    const logDir = join(await tempDir('oneroof-e2e-logs-'), 'logs');
    let cli: RunningCli | undefined;
    const block = await blockInTier20(
      bench,
      () => (cli = start(['apply', ...T, '--apr', APR, '--yes'], logDir)),
      () => cli?.child.exitCode === null,
    );
    blocks.push(block);
    const { serverPid } = block;
    if (!cli) throw new Error('the apply was not started');
    await cli.waitForStderr(/^ {2}tier 10 structure +ok /m);
    cli.child.kill('SIGKILL');
    const killed = await cli.done;
    expect(killed.signal).toBe('SIGKILL');

    // From here to the release of directus_roles, tier 20 waits under its lock_timeout (10 s):
    // only what must happen while the run is alive and blocked.
    const [status, again] = await Promise.all([
      oneroof(testbed, ['status', ...T]),
      oneroof(testbed, ['apply', ...T, '--apr', APR, '--yes']),
    ]);
    const waiting = await bench.query(
      `SELECT wait_event_type FROM pg_stat_activity WHERE pid = ${serverPid}`,
    );
    await block.release();
    expect(
      waiting,
      'the orphan no longer waited for directus_roles: its lock_timeout (10 s) ran out first — too slow a machine for this test?',
    ).toBe('Lock');

    const orphan = applicationName('apply', { ...whoAmI(), pid: cli.pid }).replace(/[.?]/g, '\\$&');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(
        `^ {2}runs {12}ALIVE: ${orphan} \\(server pid ${serverPid}, active, in a transaction since \\S+Z, holds the run lock\\)$`,
        'm',
      ),
    );
    expect(status.stdout).toContain('  ledger          1 of 6 tiers applied\n');
    expect(again.code, again.stdout).toBe(6);
    expect(again.stdout).toMatch(
      new RegExp(`^${SSH_TARGET} is locked: ${orphan} \\(server pid ${serverPid}, `, 'm'),
    );

    // Bounded: the orphan has five small tiers and the verify left.
    let alive: unknown[] = [{}];
    for (let attempt = 0; attempt < 30 && alive.length > 0; attempt++) {
      if (attempt > 0) await sleep(1000);
      const poll = await oneroof(testbed, ['status', ...T, '--json']);
      expect(poll.code, poll.stderr).toBe(0);
      const doc = oneJsonDocument(poll.stdout);
      expect(doc.exitCode).toBe(0);
      alive = (doc.probes as { alive: unknown[] }).alive;
    }
    expect(alive).toEqual([]);
    expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf(() => true));
    expect(await bench.probe('state_vector')).toBe(STATE.released);
    // The killed client's log holds what arrived before it died, and no end record.
    const files = await logFiles(logDir);
    expect(files).toHaveLength(2);
    const output = await readFile(
      join(
        logDir,
        files.find((f) => f.endsWith('.log'))!,
      ),
      'utf8',
    );
    expect(output).toContain('ONEROOF TIER 10 COMMIT structure');
    expect(output).not.toContain('ONEROOF END 99_run_all');
    expect(
      await lastRecord(
        join(
          logDir,
          files.find((f) => f.endsWith('.jsonl'))!,
        ),
      ),
    ).not.toMatchObject({ record: 'end' });

    // status, on the machine that holds the killed client's log: the run went on by itself.
    const after = await runCli([
      '--inventory',
      testbed.inventory,
      '--log-dir',
      logDir,
      'status',
      ...T,
    ]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(
      /^ {2}last run {8}the last apply \(\S+rollout_\d{8}T\d{6}Z\.log\) ended without an end record; it went on on the server: tier 20, 30, 40, 50, 60 committed after the client left$/m,
    );
  });
});
