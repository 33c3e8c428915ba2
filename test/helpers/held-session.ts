/**
 * Another session on the testbed replica, started detached through `docker exec psql` (the
 * test's own tool, never the code under test), named by `SET application_name`, that holds
 * something (an advisory lock, a table lock) while it sleeps in pg_sleep, until released: its
 * backend is terminated, which ends its transaction and its session locks at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PacketBench } from './packet.js';

export interface HeldSession {
  name: string;
  /** The server pid of the session. */
  pid: number;
  /** Terminates the backend and waits until it is gone. Idempotent. */
  release(): Promise<void>;
}

/** When the session counts as started: sleeping (it holds what it took) or waiting on a lock. */
export type Readiness = 'sleeping' | 'waiting';

const NAME = /^[a-z0-9 _-]{1,60}$/;

/**
 * Runs `SET application_name = NAME`, then each statement with its own `-c` (one session; wrap
 * them in BEGIN to keep a transaction open), then `SELECT pg_sleep(sleepSeconds)`.
 * Resolves once pg_stat_activity shows the session in the wanted state.
 */
export async function holdSession(
  bench: PacketBench,
  name: string,
  statements: string[],
  ready: Readiness = 'sleeping',
  sleepSeconds = 90,
): Promise<HeldSession> {
  if (!NAME.test(name)) throw new Error(`session name ${JSON.stringify(name)}: keep it simple`);
  const { user, database } = bench.testbed;
  const exec = await bench.docker.getContainer(bench.container).exec({
    Cmd: [
      'psql',
      '-X',
      '-q',
      '-U',
      user,
      '-d',
      database,
      '-c',
      `SET application_name = '${name}'`,
      ...statements.flatMap((s) => ['-c', s]),
      '-c',
      `SELECT pg_sleep(${sleepSeconds})`,
    ],
    AttachStdout: false,
    AttachStderr: false,
  });
  await exec.start({ Detach: true });
  const condition = ready === 'sleeping' ? "wait_event = 'PgSleep'" : "wait_event_type = 'Lock'";
  for (let attempt = 0; attempt < 200; attempt++) {
    const pid = await bench.query(
      `SELECT pid FROM pg_stat_activity WHERE application_name = '${name}' AND ${condition}`,
    );
    if (/^\d+$/.test(pid)) return held(bench, name, Number(pid));
    await sleep(50);
  }
  await terminateByName(bench, name);
  throw new Error(`session "${name}" not ${ready} after 200 polls`);
}

function held(bench: PacketBench, name: string, pid: number): HeldSession {
  let released = false;
  return {
    name,
    pid,
    release: async () => {
      if (released) return;
      released = true;
      await bench.query(`SELECT pg_terminate_backend(${pid})`);
      for (let attempt = 0; attempt < 200; attempt++) {
        if ((await bench.query(`SELECT count(*) FROM pg_stat_activity WHERE pid = ${pid}`)) === '0')
          return;
        await sleep(50);
      }
      throw new Error(`session "${name}" (server pid ${pid}) still there after terminating it`);
    },
  };
}

/** Cleanup: ends every session with this application_name (a test that failed halfway). */
export async function terminateByName(bench: PacketBench, name: string): Promise<void> {
  await bench.query(
    `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '${name}'`,
  );
}

/** The two sessions of {@link blockInTier20}, by application_name. */
export const TIER20_BLOCKERS = [
  'oneroof-test-block-namespace',
  'oneroof-test-block-roles',
] as const;

export interface Tier20Block {
  /** The server pid of the run's session, waiting in tier 20. */
  serverPid: string;
  /** Lets the run go on (terminates the session holding directus_roles). Idempotent. */
  release(): Promise<void>;
}

/**
 * Stops a packet run (started by `startRun`) inside tier 20, after tier 10 committed. Tier 10
 * holds ACCESS SHARE on directus_roles from its fingerprint to its COMMIT, and tier 20 reads it
 * again. So:
 *   1. a session holds pg_namespace in SHARE mode: tier 10 stops at CREATE SCHEMA (its catalog
 *      insert needs ROW EXCLUSIVE), holding directus_roles;
 *   2. a second session asks ACCESS EXCLUSIVE on directus_roles: it queues behind tier 10;
 *   3. the first lets go: tier 10 commits, the second gets directus_roles, tier 20 waits.
 * The run waits under its lock_timeout (10 s): the caller must act and release within it.
 * `running()` says whether the run's process is still there (to fail fast when it is not).
 */
export async function blockInTier20(
  bench: PacketBench,
  startRun: () => void,
  running: () => boolean,
): Promise<Tier20Block> {
  const [namespaceName, rolesName] = TIER20_BLOCKERS;
  const namespace = await holdSession(bench, namespaceName, [
    'BEGIN',
    'LOCK TABLE pg_catalog.pg_namespace IN SHARE MODE',
  ]);
  let roles: HeldSession | undefined;
  try {
    startRun();
    const blocked = `SELECT pid FROM pg_stat_activity WHERE ${namespace.pid} = ANY (pg_blocking_pids(pid))`;
    let serverPid = await bench.query(blocked);
    for (let attempt = 0; attempt < 600 && serverPid === ''; attempt++) {
      if (!running()) throw new Error('the run ended before it waited on pg_namespace');
      await sleep(50);
      serverPid = await bench.query(blocked);
    }
    if (!/^\d+$/.test(serverPid)) throw new Error('the run never waited on pg_namespace');
    const held = await bench.query(
      `SELECT mode FROM pg_locks WHERE pid = ${serverPid} AND granted AND relation = 'public.directus_roles'::regclass`,
    );
    if (held !== 'AccessShareLock')
      throw new Error(
        `tier 10 waits without ACCESS SHARE on directus_roles (${JSON.stringify(held)}): the recipe no longer stops the run in tier 20`,
      );
    roles = await holdSession(
      bench,
      rolesName,
      ['BEGIN', 'LOCK TABLE public.directus_roles IN ACCESS EXCLUSIVE MODE'],
      'waiting',
    );
    await namespace.release();
    const block = roles;
    return { serverPid, release: () => block.release() };
  } catch (error) {
    await roles?.release();
    throw error;
  } finally {
    await namespace.release();
  }
}
