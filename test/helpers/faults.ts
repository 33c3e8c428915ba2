/**
 * The fault suite's bench (test/integration/faults.test.ts): the real bin/oneroof against the
 * testbed replica through a cut-proxy (ssh2 → proxy → loopback sshd → docker exec → psql), a
 * fault placed at a moment read from the run's own records or from the server's state (never
 * a sleep), and one check after every trial: what the client said against what the server has.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { Testbed } from '../testbed/global-setup.js';
import { runCli } from './cli.js';
import { startCutProxy, type CutProxy } from './cut-proxy.js';
import { APR, STATE, TIERS } from './e2e.js';
import type { PacketBench } from './packet.js';
import { startCli, type RunningCli } from './spawn-cli.js';
import { tempDir } from './tmp.js';

const run = promisify(execFile);
/** The target of the fault inventory: the testbed's replica, reached through the proxy. */
const FAULT_TARGET = 'faulty';
const ORDER = TIERS.map(([tier]) => tier);

export interface FaultBed {
  proxy: CutProxy;
  inventory: string;
  close(): Promise<void>;
}

/**
 * An ssh_config alias and an inventory whose only target goes through a fresh cut-proxy. The
 * proxy's port differs from sshd's: the same host key is pinned under a HostKeyAlias.
 * Keepalives every second, three missed: a frozen link ends the run as *connection lost*.
 */
export async function openFaultBed(testbed: Testbed): Promise<FaultBed> {
  const proxy = await startCutProxy(testbed.ssh.port);
  const dir = await tempDir('oneroof-faults-');
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `oneroof-cut-proxy ${testbed.ssh.hostKeyPub.trim()}\n`);
  const sshConfig = join(dir, 'ssh_config');
  await writeFile(
    sshConfig,
    [
      'Host oneroof-fault',
      '  HostName 127.0.0.1',
      `  Port ${proxy.port}`,
      `  User ${testbed.ssh.user}`,
      `  IdentityFile ${testbed.ssh.userKey}`,
      '  IdentitiesOnly yes',
      '  HostKeyAlias oneroof-cut-proxy',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  ServerAliveInterval 1',
      '  ServerAliveCountMax 3',
      '',
    ].join('\n'),
  );
  const inventory = join(dir, 'inventory');
  await run('mkdir', ['-p', inventory]);
  await writeFile(
    join(inventory, 'targets.yml'),
    `targets:
  ${FAULT_TARGET}:
    ssh: oneroof-fault
    ssh_config: ${sshConfig}
    container: ${testbed.container}
    database: ${testbed.database}
    user: ${testbed.user}
`,
  );
  return { proxy, inventory, close: () => proxy.close() };
}

/** `oneroof apply --json` on the fault target, started; its log folder is fresh. */
export async function startApply(
  bed: FaultBed,
  extra: string[] = [],
  logDir?: string,
): Promise<{ cli: RunningCli; logDir: string }> {
  const dir = logDir ?? join(await tempDir('oneroof-fault-logs-'), 'logs');
  const cli = startCli([
    '--inventory',
    bed.inventory,
    '--log-dir',
    dir,
    'apply',
    '--target',
    FAULT_TARGET,
    '--apr',
    APR,
    '--yes',
    '--json',
    ...extra,
  ]);
  return { cli, logDir: dir };
}

/** The run's records file once it exists. */
export function recordsIn(logDir: string): string | undefined {
  if (!existsSync(logDir)) return undefined;
  const file = readdirSync(logDir).find((f) => f.endsWith('.jsonl'));
  return file === undefined ? undefined : join(logDir, file);
}

/**
 * Resolves when the run's records satisfy `moment` (a record count, or a text in them), polled
 * every 20 ms, for at most 60 s; rejects when the run ended first. The records are the run's
 * own, written synchronously as things happen: the moment is a state, not a time.
 */
/**
 * The records reached `moment`: a record naming it (`"record":"start"`), or, for a packet
 * marker (`ONEROOF …`), a psql event the run recorded that says it. Only records that hold
 * events count for a marker (an event record, an output record's `events`): a log of format /1
 * held the packet's marker formats (ONEROOF TIER 20 BEGIN …) in its stream record's source map
 * before any of them ran. A log of format /3 or /4 holds no events: there the marker must be in the
 * .log's bytes that its output records already index (`log`: the .log's bytes).
 */
export function recordsReached(records: string, moment: string | RegExp, log?: Buffer): boolean {
  const marker = typeof moment === 'string' && moment.startsWith('ONEROOF ');
  const lines = records.split('\n');
  if (marker && log !== undefined && /"format":"oneroof-runlog\/[34]"/.test(lines[0] ?? '')) {
    let indexed = 0;
    for (const line of lines)
      if (line.includes('"record":"output"') && line.endsWith('}')) {
        const r = JSON.parse(line) as { offset: number; length: number };
        indexed = Math.max(indexed, r.offset + r.length);
      }
    return log.subarray(0, indexed).includes(moment);
  }
  return lines.some(
    (line) =>
      (!marker || line.includes('"record":"event"') || line.includes('"events":[')) &&
      (typeof moment === 'string' ? line.includes(moment) : moment.test(line)),
  );
}

export async function untilRecords(
  cli: RunningCli,
  logDir: string,
  moment: number | string | RegExp,
): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    const file = recordsIn(logDir);
    if (file !== undefined) {
      const text = readFileSync(file, 'utf8');
      const reached =
        typeof moment === 'number'
          ? text.split('\n').length - 1 >= moment
          : recordsReached(text, moment, logOf(file));
      if (reached) return;
    }
    if (cli.child.exitCode !== null || cli.child.signalCode !== null)
      throw new Error(`the run ended before ${String(moment)}:\n${cli.stderr()}`);
    await sleep(20);
  }
  throw new Error(`the run never reached ${String(moment)} in 60 s`);
}

/** Nothing of oneroof left on the server: no staged script, no psql, no oneroof session. */
export async function settle(bench: PacketBench): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const top = (await bench.docker.getContainer(bench.container).top({
      ps_args: '-eo pid,args',
    })) as { Processes?: string[][] };
    const busy = (top.Processes ?? []).some((row) =>
      /oneroof-stage|(^|\s|\/)psql\s/.test(row.join(' ')),
    );
    const sessions = await bench.query(
      "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'oneroof %' OR application_name LIKE 'oneroof-test-%'",
    );
    if (!busy && sessions === '0') return;
    await sleep(200);
  }
  throw new Error('the far side did not settle within 60 s');
}

/** PostgreSQL answers again (after a restart or a stop/start of its container). */
export async function untilReady(bench: PacketBench): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await bench.query('SELECT 1')) === '1') return;
    } catch {
      // starting up
    }
    await sleep(200);
  }
  throw new Error('PostgreSQL did not come back within 60 s');
}

/** The ledger on the server, read with psql (test-side): tier → applied. */
async function serverLedger(bench: PacketBench): Promise<Map<number, boolean>> {
  const exists = await bench.query("SELECT to_regclass('governance.v_tier_status') IS NOT NULL");
  const out = new Map<number, boolean>(ORDER.map((t) => [t, false]));
  if (exists !== 't') return out;
  const rows = await bench.query(
    "SELECT tier || '|' || CASE WHEN applied THEN 't' ELSE 'f' END FROM governance.v_tier_status ORDER BY tier",
  );
  for (const row of rows.split('\n')) {
    const [tier, applied] = row.split('|');
    out.set(Number(tier), applied === 't');
  }
  return out;
}

interface ClientTier {
  tier: number;
  name: string;
  status: 'pending' | 'running' | 'ok' | 'failed' | 'skipped' | 'unknown';
}

export interface ClientResult {
  exitCode: number;
  outcome: string;
  message: string;
  tiers: ClientTier[];
  /** The run's .log and its records (null: no log was opened). */
  log: string | null;
  records: string | null;
}

/** The --json document of a finished run, or undefined when it printed none (killed). */
export function clientResult(stdout: string): ClientResult | undefined {
  const text = stdout.trim();
  if (text === '') return undefined;
  const result = JSON.parse(text) as ClientResult;
  result.tiers ??= []; // a run that could not start (--json: outcome "error") has none
  return result;
}

/** Replay says the live run's words; a tier still running when the log ended is unknown. */
const REPLAY_OUTCOME: Record<ClientTier['status'], string> = {
  ok: 'ok',
  failed: 'failed',
  skipped: 'skipped',
  pending: 'pending',
  unknown: 'unknown',
  running: 'unknown',
};

export interface Truth {
  ledger: Map<number, boolean>;
  state: string;
  replay?: {
    outcome: { outcome: string; exitCode: number | null; summary: string };
    tiers: { tier: number; status: string }[];
  };
}

/**
 * After a trial (the server settled): the client claimed only what the server has.
 *   - the ledger's applied tiers are a prefix of 10..60 (each tier whole, in order);
 *   - the state vector is the approved baseline with no tier applied, the release with all;
 *   - every tier the client calls `ok` is applied; every tier it calls `failed` (rolled back)
 *     is not; with `goesOn` false (the client's session ended with the run), a `pending` tier
 *     is not either; exit 0 means every tier applied;
 *   - the message names exactly the tiers it calls committed;
 *   - replay of the log says the run's outcome and exit code, and the same tier outcomes; a
 *     log without an end record has a tier begun and not committed only as `unknown`.
 */
export async function expectTruth(
  bench: PacketBench,
  result: ClientResult | undefined,
  logDir: string,
  options: { goesOn: boolean; replay?: boolean; logIncomplete?: boolean; inventory?: string },
): Promise<Truth> {
  await settle(bench);
  const ledger = await serverLedger(bench);
  const applied = ORDER.filter((t) => ledger.get(t));
  expect(applied, 'the applied tiers are a prefix of 10..60').toEqual(
    ORDER.slice(0, applied.length),
  );
  const vector = await bench.probe('state_vector');
  if (applied.length === 0) expect(vector).toBe(STATE.approved);
  if (applied.length === ORDER.length) expect(vector).toBe(STATE.released);
  if (result !== undefined) {
    const says = (status: ClientTier['status']) =>
      result.tiers.filter((t) => t.status === status).map((t) => t.tier);
    for (const tier of says('ok')) expect(ledger.get(tier), `tier ${tier} said ok`).toBe(true);
    for (const tier of says('failed'))
      expect(ledger.get(tier), `tier ${tier} said rolled back`).toBe(false);
    if (!options.goesOn)
      for (const tier of says('pending'))
        expect(ledger.get(tier), `tier ${tier} said pending`).toBe(false);
    expect(says('running'), 'no tier left running').toEqual([]);
    if (result.exitCode === 0) expect(applied).toEqual(ORDER);
    if (result.exitCode !== 0 && says('ok').length > 0 && result.outcome !== 'assertion-failed')
      expect(result.message).toContain(`committed: ${says('ok').join(', ')}`);
    if (says('unknown').length > 0) {
      expect(result.message).toContain(`unknown: ${says('unknown').join(', ')}`);
      expect(result.message).toContain('oneroof status --target');
    }
  }
  const truth: Truth = { ledger, state: vector };
  const records = recordsIn(logDir);
  if (records !== undefined && options.replay !== false) {
    const replayed = await runCli(['replay', records, '--json']);
    const report = JSON.parse(replayed.stdout) as NonNullable<Truth['replay']>;
    truth.replay = report;
    // A tier the log left unknown: `replay --target` asks the target's ledger (read-only).
    if (
      options.inventory !== undefined &&
      report.tiers.some((t) => t.status === 'unknown') &&
      ['lost', 'incomplete'].includes(report.outcome.outcome)
    ) {
      const asked = await runCli([
        '--inventory',
        options.inventory,
        '--log-dir',
        join(logDir, 'replay-status'),
        'replay',
        records,
        '--json',
        '--target',
        FAULT_TARGET,
      ]);
      const onTarget = (
        JSON.parse(asked.stdout) as { onTarget?: { applied: number[]; message: string } }
      ).onTarget;
      expect(onTarget?.applied, asked.stdout.slice(-2000)).toEqual(applied);
      expect(onTarget?.message).not.toMatch(/could not read/);
    }
    if (result !== undefined && options.logIncomplete && report.outcome.exitCode === null) {
      // The log failed: its records are a prefix without an end; it claims no exit code.
      for (const tier of report.tiers)
        if (tier.status === 'ok') expect(ledger.get(tier.tier)).toBe(true);
    } else if (result !== undefined) {
      expect(report.outcome.outcome, replayed.stdout).toBe(result.outcome);
      expect(report.outcome.exitCode).toBe(result.exitCode);
      expect(replayed.code, 'replay exits with the run').toBe(0);
      for (const tier of result.tiers) {
        const seen = report.tiers.find((t) => t.tier === tier.tier);
        expect(seen?.status ?? 'pending', `replay of tier ${tier.tier}`).toBe(
          REPLAY_OUTCOME[tier.status],
        );
      }
    } else {
      // A killed runner: without an end record the log claims no exit code; with one (killed
      // while sealing), exit 0 means every tier applied.
      if (report.outcome.exitCode === 0) expect(applied).toEqual(ORDER);
      for (const tier of report.tiers) {
        if (tier.status === 'ok') expect(ledger.get(tier.tier)).toBe(true);
        if (tier.status === 'failed') expect(ledger.get(tier.tier)).toBe(false);
      }
    }
  }
  return truth;
}

/** Reset between trials: the golden clone and the rehearsal approval. */
export async function freshReplica(bench: PacketBench): Promise<void> {
  await settle(bench);
  await bench.reset(APR);
}

export async function docker(...args: string[]): Promise<void> {
  await run('docker', args);
}

/** The .log beside a records file, as far as it is written (none yet: empty). */
function logOf(records: string): Buffer {
  try {
    return readFileSync(records.replace(/\.jsonl$/, '.log'));
  } catch {
    return Buffer.alloc(0);
  }
}
