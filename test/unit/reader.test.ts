/**
 * The read role (issue 11), the pure parts: the inventory keys, how a read-only step logs in,
 * the lock SQL's timeouts, and telling a missing role from any other login failure. The real
 * thing (the server refusing) is test/integration/readonly.test.ts.
 */
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { bundlePacket, BundleError } from '../../src/packet/bundle.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OneroofError, EXIT } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';
import { lockSql, LOCKS } from '../../src/engine/lock.js';
import {
  preflightPlan,
  statePlan,
  statusPlan,
  verifyPlan,
  applyPlan,
} from '../../src/engine/plans.js';
import { readerMissing } from '../../src/engine/reader.js';
import type { RunResult } from '../../src/runner/run.js';
import type { PsqlEvent } from '../../src/psql/events.js';
import { tempDir } from '../helpers/tmp.js';

const BASE = `targets:
  contabo:
    ssh: contabo
    container: postgres
    database: directus
    user: workflow_admin
`;

async function load(extra: string[]) {
  const dir = await tempDir('oneroof-inv-');
  await writeFile(join(dir, 'targets.yml'), BASE + extra.map((l) => `    ${l}\n`).join(''));
  return loadInventory(dir, dir);
}

async function refusal(extra: string[]): Promise<string> {
  const error = await load(extra).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OneroofError);
  expect((error as OneroofError).exitCode).toBe(EXIT.usage);
  return (error as OneroofError).message;
}

describe('hostile inventory: read_only, read_user, read_timeouts', () => {
  it('defaults: the role oneroof_reader, 5 min / 10 s / 1 min', async () => {
    const target = (await load([])).targets.get('contabo')!;
    expect(target.reader).toEqual({
      mode: 'role',
      user: 'oneroof_reader',
      timeouts: { statement: 300_000, lock: 10_000, idleInTransaction: 60_000 },
    });
  });

  it('reads every key, in ms, s, min and h', async () => {
    const target = (
      await load([
        'read_only: session',
        'read_user: cron_reader',
        'read_timeouts: { statement: 1h, lock: 1500ms, idle_in_transaction: 2min }',
      ])
    ).targets.get('contabo')!;
    expect(target.reader).toEqual({
      mode: 'session',
      user: 'cron_reader',
      timeouts: { statement: 3_600_000, lock: 1500, idleInTransaction: 120_000 },
    });
  });

  it.each([
    [
      'read_only: superuser',
      /targets\.contabo\.read_only: expected one of role, session, got "superuser"/,
    ],
    [
      'read_user: "x; DROP ROLE y"',
      /targets\.contabo\.read_user: expected a PostgreSQL identifier/,
    ],
    [
      'read_user: workflow_admin',
      /targets\.contabo\.read_user: must differ from user \(workflow_admin\)/,
    ],
    [
      'read_timeouts: { statement: 5 }',
      /targets\.contabo\.read_timeouts\.statement: expected a duration such as 500ms, 10s, 5min or 1h, from 1ms to 24h, got 5/,
    ],
    [
      'read_timeouts: { statement: 10 min }',
      /read_timeouts\.statement: expected a duration .*, got "10 min"/,
    ],
    ['read_timeouts: { lock: 0s }', /read_timeouts\.lock: expected a duration/],
    ['read_timeouts: { statement: 25h }', /read_timeouts\.statement: expected a duration/],
    ['read_timeouts: { statment: 5s }', /read_timeouts\.statment: unknown key/],
    [
      'read_timeouts: { statement: 5s, lock: 10s }',
      /read_timeouts\.lock: must not be longer than read_timeouts\.statement/,
    ],
  ])('%s is refused, naming the key', async (line, message) => {
    expect(await refusal([line])).toMatch(message);
  });

  it('read_user may equal user only in read_only: session (it is not used there)', async () => {
    const target = (await load(['read_only: session', 'read_user: workflow_admin'])).targets.get(
      'contabo',
    )!;
    expect(target.reader.mode).toBe('session');
  });
});

describe('the lock SQL and the read timeouts', () => {
  const sql = lockSql(LOCKS.preflight);
  it('without --wait: lock_timeout 0 for the lock (refused at once, not after the read lock_timeout)', () => {
    expect(sql).toMatch(
      /\\else\nSELECT set_config\('lock_timeout', '0', false\) AS oneroof_lock_wait_set \\gset\n\\endif/,
    );
  });
  it('with --wait: statement_timeout off while waiting, then both reset to the session values', () => {
    expect(sql).toContain("set_config('statement_timeout', '0', false)");
    expect(sql.trimEnd().split('\n').slice(-4)).toEqual([
      '\\if :{?oneroof_lock_wait}',
      'RESET statement_timeout;',
      '\\endif',
      'RESET lock_timeout;',
    ]);
  });
});

describe('the read role checks itself', () => {
  it.each([
    ['preflight', preflightPlan(SHIPPED_PACKET)],
    ['verify', verifyPlan(SHIPPED_PACKET)],
    ['status', statusPlan(SHIPPED_PACKET)],
    ['state', statePlan(SHIPPED_PACKET)],
  ])('%s: first thing in the session, under \\if :{?oneroof_read_role}', (_name, plan) => {
    const body = plan.text.split('\n').slice(1).join('\n');
    expect(body.startsWith('\\if :{?oneroof_read_role}\nDO $oneroof_reader$')).toBe(true);
    expect(body).toContain("RAISE EXCEPTION 'ONEROOF READER UNSAFE: %");
  });
  it('apply does not (it runs as the apply role)', () => {
    expect(applyPlan(SHIPPED_PACKET).text).not.toContain('oneroof_read_role');
  });
});

describe('a missing read role', () => {
  const run = (lines: string[], code = 2): RunResult =>
    ({
      outcome: code === 2 ? 'psql-failed' : 'sql-error',
      events: lines.map((line): PsqlEvent => ({ kind: 'output', stream: 'stderr', raw: [line] })),
    }) as unknown as RunResult;
  const SOCKET =
    'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed:';

  it('is psql failing to log in as exactly that role', () => {
    expect(
      readerMissing(
        run([`${SOCKET} FATAL:  role "oneroof_reader" does not exist`]),
        'oneroof_reader',
      ),
    ).toBe(true);
  });

  it.each([
    ['another role', `${SOCKET} FATAL:  role "oneroof_readerx" does not exist`],
    ['a missing database', `${SOCKET} FATAL:  database "directus" does not exist`],
    [
      'a password rule',
      `${SOCKET} FATAL:  password authentication failed for user "oneroof_reader"`,
    ],
    ['the text inside a query result', `x FATAL:  role "oneroof_reader" does not exist`],
    [
      'the server saying it about a later statement',
      'psql:<stdin>:3: ERROR:  role "oneroof_reader" does not exist',
    ],
  ])('is not %s', (_what, line) => {
    expect(readerMissing(run([line]), 'oneroof_reader')).toBe(false);
  });

  it('is not a run that got as far as SQL', () => {
    expect(
      readerMissing(
        run([`${SOCKET} FATAL:  role "oneroof_reader" does not exist`], 3),
        'oneroof_reader',
      ),
    ).toBe(false);
  });
});

describe('hostile packet-meta: psql meta-commands that would leave the read role', () => {
  it.each([
    [
      '\\c - workflow_admin',
      /connects again, to another database or as another user: the read role and the run lock would not hold/,
    ],
    [
      '\\connect directus workflow_admin',
      /connects again, to another database or as another user: the read role and the run lock would not hold/,
    ],
    ['\\lo_export 1 /tmp/x', /writes a file on the far side/],
    ["\\copy (SELECT 1) TO '/tmp/x'", /reads or writes files or programs on the far side/],
    ['SELECT 1 \\g /tmp/x', /sends the query's output to a file or a pipe/],
    ['SELECT 1 \\g |sh', /sends the query's output to a file or a pipe/],
    ['SELECT 1 \\gx (format=csv) /tmp/x', /sends the query's output to a file or a pipe/],
    ['\\s /tmp/history', /writes the history/],
    ['\\e', /starts an editor/],
    ['\\ef public.f', /starts an editor/],
  ])('%s is refused when the packet is bundled', async (text, message) => {
    const root = await tempDir('oneroof-meta-');
    await mkdir(join(root, 'prod'));
    await writeFile(join(root, 'prod', 'run.sql'), `${text}\n`);
    const error = await bundlePacket({ root, entry: 'prod/run.sql' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).message).toMatch(message);
  });

  it.each(['SELECT 1 \\g', 'SELECT 1 \\gx (format=unaligned)', '\\copy (SELECT 1) TO STDOUT'])(
    '%s is refused too: not on the allow-list, though it writes only to the run log',
    async (text) => {
      const root = await tempDir('oneroof-meta-');
      await mkdir(join(root, 'prod'));
      await writeFile(join(root, 'prod', 'run.sql'), `${text}\n`);
      await expect(bundlePacket({ root, entry: 'prod/run.sql' })).rejects.toBeInstanceOf(
        BundleError,
      );
    },
  );
});
