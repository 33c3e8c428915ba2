/**
 * The release engine without a database: the lock SQL and application_name, the generated
 * plans (bundled against the real packet), the read-only refusal, the probe parsers, the
 * pre-filled tier list, and how a run's end and psql's messages become one exit code — with a
 * scripted transport that answers like psql would (the real chain: test/integration/commands*).
 */
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';

const COLUMNS = SHIPPED_PACKET.state.columns;
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { EXIT, OneroofError } from '../../src/errors.js';
import type { Target } from '../../src/inventory/load.js';
import {
  applicationName,
  LOCK_WAIT_VARIABLE,
  lockKeyValue,
  lockSql,
  LOCKS,
  RUN_LOCK,
} from '../../src/engine/lock.js';
import {
  applyPlan,
  preflightPlan,
  rollbackPlan,
  statePlan,
  statusPlan,
  verifyPlan,
} from '../../src/engine/plans.js';
import {
  parseAlive,
  parseLedger,
  parseStateVector,
  ProbeCollector,
  sameState,
} from '../../src/engine/probes.js';
import { runRelease, type ReleaseCommand, type ReleaseOptions } from '../../src/engine/release.js';
import { TierTracker } from '../../src/model/tiers.js';
import { releaseTiers } from '../../src/contract/summary.js';
import { worstExit } from '../../src/model/group-exit.js';
import { prepareStep } from '../../src/runner/run.js';
import type { PsqlEvent } from '../../src/psql/events.js';
import type { ExecEnd } from '../../src/transport/types.js';
import { tempDir } from '../helpers/tmp.js';
import { error, notice, PACKET, PsqlLikeTransport, STATE, target } from '../helpers/psql-like.js';
import { HOSTILE_VALUES } from '../helpers/hostile.js';

const READ_OPTIONS =
  '-c statement_timeout=300000 -c lock_timeout=10000 -c idle_in_transaction_session_timeout=60000';

/** The preflight lock: the one preflight takes exclusive. */
const PREFLIGHT_LOCK = LOCKS.preflight[0].key;
/** The shipped packet's own tier lock (sql/prod/_guard.sql takes it). */
const PACKET_LOCK_KEY = 31365104405540710n;

describe('the run lock', () => {
  it('uses keys of its own, apart from the packet tier lock', () => {
    expect(lockKeyValue(RUN_LOCK)).toBe(0x6f6e65726f6f6652n);
    expect(lockKeyValue(PREFLIGHT_LOCK)).toBe(0x6f6e65726f6f6650n);
    expect(
      new Set([lockKeyValue(RUN_LOCK), lockKeyValue(PREFLIGHT_LOCK), PACKET_LOCK_KEY]).size,
    ).toBe(3);
    expect(LOCKS.preflight[0].mode).toBe('exclusive');
    expect(readFileSync(join(PACKAGE_ROOT, 'sql', 'prod', '_guard.sql'), 'utf8')).toContain(
      `pg_try_advisory_xact_lock(${PACKET_LOCK_KEY})`,
    );
    // Both fit a signed bigint, as pg_advisory_lock(bigint) takes it.
    expect(lockKeyValue(RUN_LOCK) < 2n ** 63n).toBe(true);
  });

  it('takes the locks with constants only; the wait travels as a psql variable', () => {
    const sql = lockSql(LOCKS.preflight);
    expect(sql).toContain(`pg_try_advisory_lock(${lockKeyValue(PREFLIGHT_LOCK)})`);
    expect(sql).toContain(`pg_try_advisory_lock_shared(${lockKeyValue(RUN_LOCK)})`);
    expect(sql).toContain(`:'${LOCK_WAIT_VARIABLE}'`);
    expect(sql).toContain("RAISE EXCEPTION 'ONEROOF LOCKED: %");
    expect(lockSql(LOCKS.mutating)).toContain(`pg_try_advisory_lock(${lockKeyValue(RUN_LOCK)})`);
    expect(lockSql(LOCKS.mutating)).not.toContain('_shared');
    expect(lockSql(LOCKS.none)).toBe('');
  });

  it('names the session with printable ASCII only, at most 63 bytes', () => {
    for (const value of HOSTILE_VALUES) {
      const name = applicationName('apply', { user: value, host: value, pid: 42 });
      expect(name).toMatch(
        /^oneroof apply [A-Za-z0-9._?-]*@[A-Za-z0-9._?-]* pid 42$|^oneroof apply /,
      );
      expect(name).toMatch(/^[\x20-\x7e]{1,63}$/);
      expect(name).not.toMatch(/['"`$;\\|]/);
    }
    expect(applicationName('apply', { user: 'ana', host: 'laptop', pid: 7 })).toBe(
      'oneroof apply ana@laptop pid 7',
    );
  });
});

describe('the plans', () => {
  const plans = {
    preflight: preflightPlan(SHIPPED_PACKET),
    apply: applyPlan(SHIPPED_PACKET),
    verify: verifyPlan(SHIPPED_PACKET),
    'rollback-full': rollbackPlan(SHIPPED_PACKET, 'full'),
    'rollback-tier': rollbackPlan(SHIPPED_PACKET, 'tier'),
    status: statusPlan(SHIPPED_PACKET),
    state: statePlan(SHIPPED_PACKET),
  };

  it('include the packet entry each command runs', () => {
    expect(plans.preflight.text).toContain('\\ir prod/00_preflight.sql');
    expect(plans.apply.text).toContain('\\ir prod/99_run_all.sql');
    expect(plans.verify.text).toContain('\\ir prod/90_verify.sql');
    expect(plans['rollback-full'].text).toContain('\\ir prod_rollback/99_rollback_full.sql');
    expect(plans['rollback-tier'].text).toContain('\\ir prod_rollback/per_tier_rollback.sql');
    expect(plans.status.text).not.toContain('advisory_lock');
    // The lock is the first thing the session does, before the probes and the packet.
    const apply = plans.apply.text;
    expect(apply.indexOf('pg_try_advisory_lock')).toBeLessThan(apply.indexOf('ONEROOF PROBE'));
    expect(apply.indexOf('ONEROOF PROBE')).toBeLessThan(apply.indexOf('99_run_all'));
  });

  it('bundle against the real packet, and the read-only ones pass the read-only check', async () => {
    for (const [name, plan] of Object.entries(plans)) {
      const readOnly = ['preflight', 'verify', 'status', 'state'].includes(name);
      const step = await prepareStep(target, {
        source: { kind: 'plan', root: PACKET, ...plan },
        readOnly,
      });
      expect(step.prepared.length, name).toBeGreaterThan(0);
      expect(step.prepared.map?.lookup(1)?.file, name).toBe(plan.name);
      if (readOnly)
        expect(step.env?.PGOPTIONS).toBe(`${READ_OPTIONS} -c default_transaction_read_only=on`);
      expect(step.staged.includes(readOnly ? 'oneroof_reader' : 'workflow_admin'), name).toBe(true);
    }
  });
});

describe('a read-only step', () => {
  const psqlArgv = (staged: string[]) => staged.slice(staged.indexOf('psql'));

  it('logs in as the read role, with the read timeouts and read-only last', async () => {
    const step = await prepareStep(target, {
      source: { kind: 'text', label: 'probe', text: 'SELECT 1;' },
      readOnly: true,
    });
    expect(psqlArgv(step.staged).slice(0, 6)).toEqual([
      'psql',
      '-X',
      '-U',
      'oneroof_reader',
      '-d',
      'directus',
    ]);
    expect(step.env?.PGOPTIONS).toBe(`${READ_OPTIONS} -c default_transaction_read_only=on`);
  });

  it('read_only: session logs in as the apply role, with the same settings', async () => {
    const weak = { ...target, reader: { ...target.reader, mode: 'session' } } as Target;
    const step = await prepareStep(weak, {
      source: { kind: 'text', label: 'probe', text: 'SELECT 1;' },
      readOnly: true,
    });
    expect(psqlArgv(step.staged).slice(2, 4)).toEqual(['-U', 'workflow_admin']);
    expect(step.env?.PGOPTIONS).toBe(`${READ_OPTIONS} -c default_transaction_read_only=on`);
  });

  it('a mutating step logs in as the apply role, without the read settings', async () => {
    const step = await prepareStep(target, {
      source: { kind: 'text', label: 'probe', text: 'SELECT 1;' },
    });
    expect(psqlArgv(step.staged).slice(2, 4)).toEqual(['-U', 'workflow_admin']);
    expect(step.env).toBeUndefined();
  });

  it('keeps a PGOPTIONS it was given after the timeouts (it may shorten them), read-only last', async () => {
    const step = await prepareStep(target, {
      source: { kind: 'text', label: 'probe', text: 'SELECT 1;' },
      env: { PGOPTIONS: '-c statement_timeout=5s' },
      readOnly: true,
    });
    expect(step.env?.PGOPTIONS).toBe(
      `${READ_OPTIONS} -c statement_timeout=5s -c default_transaction_read_only=on`,
    );
  });

  it.each([
    'SET default_transaction_read_only = off;',
    'BEGIN READ/**/WRITE;',
    "SELECT set_config('transaction_read_only', 'off', false);",
  ])(
    'streams %j as it is: the server, not a pattern, refuses what it would lead to',
    async (text) => {
      const step = await prepareStep(target, {
        source: { kind: 'text', label: 'probe', text },
        readOnly: true,
      });
      expect(step.prepared.length).toBeGreaterThan(text.length);
    },
  );
});

function outputEvents(lines: string[]): PsqlEvent[] {
  return lines.map((line) => ({ kind: 'output', stream: 'stdout', raw: [line] }));
}

describe('the probes', () => {
  it('collect the lines between their markers, and only finished probes count', () => {
    const probes = new ProbeCollector();
    for (const e of outputEvents([
      'noise',
      'ONEROOF PROBE state_vector BEGIN',
      '1|210|0|0|5|0',
      'ONEROOF PROBE state_vector END',
      'ONEROOF PROBE tier_status BEGIN',
      '10|structure|t|1|abc|APR-1|2026-01-01T00:00:00Z',
    ]))
      probes.take(e);
    expect(parseStateVector(probes.lines('state_vector'), COLUMNS)?.values[2]).toBe(0);
    expect(probes.lines('tier_status')).toBeUndefined();
    expect(probes.lines('gate')).toBeUndefined();
  });

  it('parse with zod and refuse what does not fit', () => {
    expect(parseStateVector(['0|0|210|0|0|0'], COLUMNS)).toEqual({
      text: '0|0|210|0|0|0',
      values: [0, 0, 210, 0, 0, 0],
    });
    expect(parseStateVector(['0|0|210|0|0'], COLUMNS)).toBeUndefined();
    expect(parseStateVector(['0|0|210|0|0|0', '1|1|1|1|1|1'], COLUMNS)).toBeUndefined();
    expect(parseStateVector(['x|0|210|0|0|0'], COLUMNS)).toBeUndefined();
    expect(parseLedger(['10|structure|t|1|ab|APR-1|2026'])?.[0]).toMatchObject({
      tier: 10,
      applied: true,
    });
    expect(parseLedger(['10|structure|maybe|1|ab|APR-1|2026'])).toBeUndefined();
    expect(
      parseAlive(['42|oneroof apply a@b pid 1|active|t1|t2|ExclusiveLock'])?.[0],
    ).toMatchObject({ pid: 42, holdsRunLock: true });
    const a = parseStateVector(['1|210|0|0|5|0'], COLUMNS)!;
    const b = parseStateVector(['1|210|0|0|5|3'], COLUMNS)!;
    expect(sameState(a, b, COLUMNS)).toBe(true); // the volatile column comes and goes
    expect(sameState(a, parseStateVector(['1|209|1|0|5|0'], COLUMNS)!, COLUMNS)).toBe(false);
  });
});

describe('the tier list', () => {
  it('starts pending and follows the markers', () => {
    let now = 0;
    const tracker = new TierTracker(releaseTiers(SHIPPED_PACKET), 'tier', () => now);
    const tier = (n: number, phase: 'BEGIN' | 'SKIP' | 'COMMIT'): PsqlEvent => ({
      kind: 'tier',
      stream: 'stderr',
      raw: [],
      severity: 'NOTICE',
      tier: n,
      phase,
      name: SHIPPED_PACKET.tiers.find((t) => t.tier === n)!.name,
    });
    expect(tracker.steps.every((s) => s.status === 'pending')).toBe(true);
    tracker.take(tier(10, 'SKIP'));
    tracker.take(tier(20, 'BEGIN'));
    now = 250;
    tracker.take(tier(20, 'COMMIT'));
    tracker.take(tier(30, 'BEGIN'));
    tracker.take({
      kind: 'message',
      stream: 'stderr',
      raw: [],
      severity: 'ERROR',
      text: 'ASSERT tier30.gap_zero: expected 0, got 1',
    });
    tracker.finish();
    expect(tracker.steps.map((s) => s.status)).toEqual([
      'skipped',
      'ok',
      'failed',
      'pending',
      'pending',
      'pending',
    ]);
    expect(tracker.steps[1]!.durationMs).toBe(250);
  });
});

describe('a group exit code', () => {
  it('is the worst of its members', () => {
    expect(worstExit([])).toBe(0);
    expect(worstExit([0, 3, 0])).toBe(3);
    expect(worstExit([3, 6])).toBe(6);
    expect(worstExit([6, 4, 3])).toBe(4);
    expect(worstExit([4, 1])).toBe(1);
    expect(worstExit([1, 5])).toBe(5);
    expect(worstExit([5, 2, 0])).toBe(2);
  });
});

async function release(
  command: ReleaseCommand,
  main: { stderr: string; end: ExecEnd; stdout?: string },
  extra: Partial<ReleaseOptions> = {},
  exitState = '1|0|210|0|0|0',
) {
  const transport = new PsqlLikeTransport((_, index) =>
    index === 0 ? main : { stdout: STATE(exitState), stderr: '', end: { kind: 'exit', code: 0 } },
  );
  const result = await runRelease(command, {
    target,
    transport,
    logDir: await tempDir(),
    packet: PACKET,
    ...extra,
  });
  return { result, transport };
}

describe('one exit code per run (docs/usage.md, Exit codes)', () => {
  const ok = { kind: 'exit', code: 0 } as const;
  const stopped = { kind: 'exit', code: 3 } as const;

  it.each(['preflight', 'verify', 'status'] as const)(
    '%s as a read role that does not exist: exit 1 naming reader setup, one session only',
    async (command) => {
      const transport = new PsqlLikeTransport(() => ({
        stdout: '',
        stderr:
          'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  role "oneroof_reader" does not exist\n',
        end: { kind: 'exit', code: 2 },
      }));
      const error = await runRelease(command, {
        target,
        transport,
        logDir: await tempDir(),
        packet: PACKET,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OneroofError);
      expect((error as OneroofError).exitCode).toBe(EXIT.runtime);
      expect((error as OneroofError).message).toBe(
        `${command} on replica: the read role oneroof_reader does not exist on the server; nothing was run. Create it with \`oneroof reader setup --target replica\``,
      );
      expect(transport.requests).toHaveLength(1);
    },
  );

  it('GO: 0, with the state at entry and exit equal', async () => {
    const { result, transport } = await release('preflight', {
      stdout: STATE('1|0|210|0|0|0'),
      stderr: notice('ONEROOF PREFLIGHT PASS gate.ospa: 1') + notice('ONEROOF PREFLIGHT GO'),
      end: ok,
    });
    expect(result).toMatchObject({ exitCode: 0, outcome: 'GO', state: { unchanged: true } });
    // Read-only: the main session and the state session both; nothing written on the target.
    expect(transport.requests).toHaveLength(2);
    for (const r of transport.requests)
      expect(r.env?.PGOPTIONS).toContain('default_transaction_read_only=on');
    expect(transport.requests[0]!.env?.PGAPPNAME).toMatch(/^oneroof preflight /);
  });

  it('takes the state at exit in the main session when it got that far: one session only', async () => {
    const { result, transport } = await release(
      'apply',
      {
        stdout:
          STATE('1|0|210|0|0|0') +
          'ONEROOF PROBE state_vector_exit BEGIN\n1|210|0|0|5|0\nONEROOF PROBE state_vector_exit END\n',
        stderr:
          notice('ONEROOF TIER 10 BEGIN structure') + notice('ONEROOF TIER 10 COMMIT structure'),
        end: ok,
      },
      { apr: 'APR-2026-0142' },
    );
    const psql = transport.requests.filter((r) => r.argv.includes('psql'));
    expect(psql).toHaveLength(1);
    // A mutating run leaves its log's head on the target, after the log is sealed.
    const anchor = transport.requests.filter((r) => r.argv.includes('oneroof-anchor'));
    expect(anchor).toHaveLength(1);
    expect(transport.requests.at(-1)).toBe(anchor[0]);
    expect(result.state.exit?.text).toBe('1|210|0|0|5|0');
    expect(result.state.unchanged).toBe(false);
  });

  it('NO-GO: 3', async () => {
    const { result } = await release(
      'preflight',
      {
        stdout: STATE('0|0|210|0|0|0'),
        stderr:
          notice('ONEROOF PREFLIGHT FAIL gate.ospa: expected >= 1, got 0') +
          error('ONEROOF NO-GO: gate.ospa'),
        end: stopped,
      },
      {},
      '0|0|210|0|0|0',
    );
    expect(result).toMatchObject({ exitCode: 3, outcome: 'NO-GO', noGo: ['gate.ospa'] });
  });

  it('a state that moved during a read-only preflight is not a GO', async () => {
    const { result } = await release(
      'preflight',
      {
        stdout: STATE('1|0|210|0|0|0'),
        stderr: notice('ONEROOF PREFLIGHT GO'),
        end: ok,
      },
      {},
      '1|210|0|0|5|0',
    );
    expect(result).toMatchObject({ exitCode: 3, state: { unchanged: false } });
  });

  it('locked: 6, naming the holder', async () => {
    const { result } = await release(
      'apply',
      {
        stderr: error(
          'ONEROOF LOCKED: oneroof apply ana@laptop pid 7 (server pid 99, exclusive lock, connected x) holds the run lock on this database',
        ),
        end: stopped,
      },
      { apr: 'APR-2026-0142' },
    );
    expect(result.exitCode).toBe(6);
    expect(result.message).toContain('oneroof apply ana@laptop pid 7');
  });

  it('--wait behind another run: the holder and the seconds waited, in the result', async () => {
    const { result } = await release(
      'preflight',
      {
        stdout: STATE('1|0|210|0|0|0'),
        stderr:
          notice(
            'ONEROOF LOCK WAIT: oneroof apply ana@laptop pid 7 (server pid 99, exclusive lock, connected x) holds the run lock on this database',
          ) +
          notice('ONEROOF LOCK WAITING') +
          notice('ONEROOF LOCK ACQUIRED: waited 12.345 s') +
          notice('ONEROOF PREFLIGHT GO'),
        end: ok,
      },
      { waitSeconds: 60 },
    );
    expect(result).toMatchObject({
      exitCode: 0,
      lockWait: {
        holder: 'oneroof apply ana@laptop pid 7 (server pid 99, exclusive lock, connected x)',
        seconds: 12.345,
      },
    });
  });

  it('apply on a target without the read role: the state at exit as the apply role', async () => {
    const answers = [
      {
        stdout: STATE('1|0|210|0|0|0'),
        stderr:
          notice('ONEROOF TIER 10 BEGIN structure') + error('ASSERT tier10.x: expected 1, got 2'),
        end: stopped,
      },
      {
        stderr:
          'psql: error: connection to server on socket "/s" failed: FATAL:  role "oneroof_reader" does not exist\n',
        end: { kind: 'exit', code: 2 } as const,
      },
      { stdout: STATE('1|0|210|0|0|0'), stderr: '', end: ok },
    ];
    const transport = new PsqlLikeTransport((_, index) => answers[index]!);
    const result = await runRelease('apply', {
      target,
      transport,
      logDir: await tempDir(),
      packet: PACKET,
      apr: 'APR-2026-0142',
    });
    expect(result).toMatchObject({ exitCode: 4, state: { unchanged: true } });
    // (the last exec is the anchor, not psql)
    const users = transport.requests
      .filter((r) => r.argv.includes('-U'))
      .map((r) => r.argv[r.argv.indexOf('-U') + 1]);
    expect(users).toEqual(['workflow_admin', 'oneroof_reader', 'workflow_admin']);
    expect(transport.requests[2]!.env?.PGOPTIONS).toContain('default_transaction_read_only=on');
  });

  it('an assertion: 4, the tier failed and the ones before it ok', async () => {
    const { result } = await release(
      'apply',
      {
        stdout: STATE('1|0|210|0|0|0'),
        stderr:
          notice('ONEROOF TIER 10 BEGIN structure') +
          notice('ONEROOF TIER 10 COMMIT structure') +
          notice('ONEROOF TIER 20 BEGIN responsibility_axis') +
          error('ASSERT tier20.placed: expected 210, got 209'),
        end: stopped,
      },
      { apr: 'APR-2026-0142' },
    );
    expect(result.exitCode).toBe(4);
    expect(result.tiers.slice(0, 3).map((t) => t.status)).toEqual(['ok', 'failed', 'pending']);
    expect(result.message).toContain('tier 20 responsibility_axis was not committed');
  });

  it('a guard refusal before anything committed: 3; after a tier committed: 4', async () => {
    const refused = await release(
      'rollback',
      {
        stderr:
          notice('ONEROOF ROLLBACK 40 BEGIN containment') +
          error(
            'ONEROOF REFUSED: rollback of tier 40 while tier 60 is applied; roll back 60 first (applied: 10,20,30,40,50,60)',
          ),
        end: stopped,
      },
      { rollback: 40 },
    );
    expect(refused.result).toMatchObject({ exitCode: 3, outcome: 'refused' });
    expect(refused.result.tiers[0]!.status).toBe('pending');
    const partly = await release(
      'apply',
      {
        stdout: STATE('1|0|210|0|0|0'),
        stderr:
          notice('ONEROOF TIER 10 BEGIN structure') +
          notice('ONEROOF TIER 10 COMMIT structure') +
          notice('ONEROOF TIER 20 BEGIN responsibility_axis') +
          error('ONEROOF REFUSED: tier 20 needs tier 10 applied first (applied: none)'),
        end: stopped,
      },
      { apr: 'APR-2026-0142' },
    );
    expect(partly.result).toMatchObject({ exitCode: 4 });
    expect(partly.result.tiers.slice(0, 2).map((t) => t.status)).toEqual(['ok', 'failed']);
  });

  it('Ctrl-C before the main session started: it never starts; exit 1, cancelled before any tier', async () => {
    const interrupt = new AbortController();
    interrupt.abort();
    const { result, transport } = await release(
      'apply',
      { stderr: notice('ONEROOF TIER 10 BEGIN structure'), end: ok },
      { apr: 'APR-2026-0142', interrupt: interrupt.signal },
    );
    expect(result).toMatchObject({ exitCode: 1, outcome: 'cancelled' });
    expect(result.message).toBe('apply on replica cancelled before any tier: nothing was run');
    expect(transport.requests.filter((r) => r.argv.includes('psql'))).toEqual([]);
    expect(result.tiers.every((t) => t.status === 'pending')).toBe(true);
  });

  it('Ctrl-C that came after every tier committed: the summary says the cancel came too late', async () => {
    const interrupt = new AbortController();
    const { result } = await release(
      'apply',
      {
        stdout:
          STATE('1|0|210|0|0|0') +
          'ONEROOF PROBE state_vector_exit BEGIN\n1|210|0|0|5|0\nONEROOF PROBE state_vector_exit END\n',
        stderr:
          notice('ONEROOF TIER 10 BEGIN structure') + notice('ONEROOF TIER 10 COMMIT structure'),
        end: ok,
      },
      {
        apr: 'APR-2026-0142',
        interrupt: interrupt.signal,
        onTier: (step) => {
          if (step.status === 'ok') interrupt.abort();
        },
      },
    );
    expect(result).toMatchObject({ exitCode: 0, outcome: 'applied' });
    expect(result.message).toMatch(/the cancel came too late: every tier had committed/);
  });

  it('a lost connection: 1, and no state session on a dead connection', async () => {
    const { result, transport } = await release(
      'apply',
      { stderr: notice('ONEROOF TIER 10 BEGIN structure'), end: { kind: 'lost', reason: 'cut' } },
      { apr: 'APR-2026-0142' },
    );
    expect(result).toMatchObject({ exitCode: 1, outcome: 'lost' });
    expect(result.message).toContain('oneroof status');
    expect(transport.requests).toHaveLength(1);
    // Begun, and its end never seen: the server committed it or rolled it back.
    expect(result.tiers[0]!.status).toBe('unknown');
  });

  it('a dry run is a success only when the packet reported its rollback', async () => {
    const tiers =
      notice('ONEROOF TIER 10 BEGIN structure') + notice('ONEROOF TIER 10 COMMIT structure');
    const unconfirmed = await release(
      'apply',
      { stdout: STATE('1|0|210|0|0|0'), stderr: tiers, end: ok },
      { apr: 'APR-2026-0001', dryRun: true },
    );
    expect(unconfirmed.result.exitCode).toBe(1);
    const confirmed = await release(
      'apply',
      {
        stdout: STATE('1|0|210|0|0|0'),
        stderr: tiers + notice('ONEROOF DRY-RUN ROLLBACK'),
        end: ok,
      },
      { apr: 'APR-2026-0001', dryRun: true },
    );
    expect(confirmed.result).toMatchObject({
      exitCode: 0,
      outcome: 'rehearsed',
      state: { unchanged: true },
    });
    expect(confirmed.transport.requests[0]!.argv.join(' ')).toContain('dry_run=on');
  });

  it.each<[string, ReleaseCommand, Partial<ReleaseOptions>, RegExp]>([
    ['apply without an APR', 'apply', {}, /needs --apr/],
    ['a bad APR code', 'apply', { apr: "x'; DROP" }, /--apr: expected/],
    ['no rollback scope', 'rollback', {}, /--full or --tier/],
    ['--dry-run on verify', 'verify', { dryRun: true }, /apply only/],
    ['a negative wait', 'apply', { apr: 'APR-2026-0001', waitSeconds: -1 }, /--wait/],
    [
      'a packet that is not one',
      'status',
      { packet: '/nonexistent-packet' },
      /nonexistent-packet\/packet\.yml: no packet descriptor/,
    ],
    [
      'a code the packet’s gate does not accept',
      'apply',
      { apr: 'A-1' },
      /--apr: expected a code matching "\^APR-\[0-9\]\{4\}-\[0-9\]\{4\}\$" \(the packet's gate, e\.g\. "APR-2026-0001"\)/,
    ],
    ['tier 10 alone', 'rollback', { rollback: 10 }, /--tier: expected one of 60, 50, 40, 30, 20/],
  ])('%s: refused before anything is contacted', async (_, command, extra, message) => {
    const transport = new PsqlLikeTransport(() => ({ stderr: '', end: { kind: 'exit', code: 0 } }));
    const logDir = await tempDir();
    const error = await runRelease(command, {
      target,
      transport,
      logDir,
      packet: PACKET,
      ...extra,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OneroofError);
    expect((error as Error).message).toMatch(message);
    expect(transport.connects).toBe(0);
  });
});
