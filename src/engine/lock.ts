/**
 * The run lock: one mutating run per target at a time.
 *
 * A session-level advisory lock taken by the very psql session that runs the SQL, as its first
 * statement, so it lives exactly as long as that session: a lost client, a killed psql or a
 * server restart releases it, and nothing is left to clean up. The holder is named from
 * pg_stat_activity.application_name, which every oneroof session sets (PGAPPNAME) to
 * `oneroof <command> <user>@<host> pid <pid>`.
 *
 * Keys (two bigints spelled in ASCII; the packet's own tier lock is 'oneroof' = 31365104405540710,
 * a different key, so the two never interfere):
 *   'oneroofR'  the run lock: apply and rollback take it exclusive; verify and preflight take it
 *               shared (they read a state a mutating run would change under them)
 *   'oneroofP'  the preflight lock: exclusive, so a cron preflight that overlaps itself is
 *               refused at once instead of piling up
 * Without --wait the lock is tried once; with --wait N, psql waits up to N seconds
 * (lock_timeout, passed as the psql variable oneroof_lock_wait, never spliced into SQL).
 * A refusal is the ERROR `ONEROOF LOCKED: <holders>`, which the runner maps to exit 6. With
 * --wait, a lock that is busy is first the NOTICE `ONEROOF LOCK WAIT: <holders> holds …` (the
 * live view names them while it waits), then, once held, `ONEROOF LOCK ACQUIRED: waited <s> s`.
 */
import { whoAmI } from '../local/who.js';

interface LockKey {
  name: string;
  /** The bigint's high and low halves, as pg_locks shows them (classid, objid). */
  classid: number;
  objid: number;
}

function asciiKey(name: string): LockKey {
  const bytes = Buffer.from(name, 'ascii');
  if (bytes.length !== 8) throw new Error(`lock key ${name}: expected 8 ASCII characters`);
  return { name, classid: bytes.readUInt32BE(0), objid: bytes.readUInt32BE(4) };
}

export const RUN_LOCK = asciiKey('oneroofR');
const PREFLIGHT_LOCK = asciiKey('oneroofP');

export function lockKeyValue(key: LockKey): bigint {
  return (BigInt(key.classid) << 32n) | BigInt(key.objid);
}

type LockMode = 'exclusive' | 'shared';

/** What a command takes: apply/rollback the run lock exclusive; preflight both; status none. */
export type LockPlan = readonly { key: LockKey; mode: LockMode }[];

export const LOCKS = {
  mutating: [{ key: RUN_LOCK, mode: 'exclusive' }],
  reading: [{ key: RUN_LOCK, mode: 'shared' }],
  preflight: [
    { key: PREFLIGHT_LOCK, mode: 'exclusive' },
    { key: RUN_LOCK, mode: 'shared' },
  ],
  none: [],
} as const satisfies Record<string, LockPlan>;

/** The psql variable that carries --wait (as a lock_timeout value, e.g. `30s`). */
export const LOCK_WAIT_VARIABLE = 'oneroof_lock_wait';

/**
 * The SQL that takes the locks, first thing in the session. Constants only: the keys are ours,
 * the wait arrives as :'oneroof_lock_wait'.
 */
export function lockSql(plan: LockPlan): string {
  if (plan.length === 0) return '';
  const lines = [
    '-- the run lock (src/engine/lock.ts): held by this session until it ends',
    // --wait: lock_timeout is the wait, and no statement_timeout cuts it short; without it, no
    // waiting at all (a read-only session's own lock_timeout would otherwise make it wait).
    // RESET then restores the session's own values (the read timeouts, src/runner/read-only.ts).
    `\\if :{?${LOCK_WAIT_VARIABLE}}`,
    `SELECT set_config('lock_timeout', :'${LOCK_WAIT_VARIABLE}', false) AS oneroof_lock_wait_set,`,
    `       set_config('statement_timeout', '0', false) AS oneroof_lock_statement_timeout_set \\gset`,
    '\\else',
    `SELECT set_config('lock_timeout', '0', false) AS oneroof_lock_wait_set \\gset`,
    '\\endif',
  ];
  for (const { key, mode } of plan) lines.push(...lockBlock(key, mode));
  lines.push(`\\if :{?${LOCK_WAIT_VARIABLE}}`, 'RESET statement_timeout;', '\\endif');
  lines.push('RESET lock_timeout;');
  return `${lines.join('\n')}\n`;
}

function lockBlock(key: LockKey, mode: LockMode): string[] {
  const value = lockKeyValue(key).toString();
  const suffix = mode === 'shared' ? '_shared' : '';
  const what = key.name === RUN_LOCK.name ? 'run' : 'preflight';
  const holders = [
    "  SELECT string_agg(format('%s (server pid %s, %s lock, connected %s)',",
    "                           coalesce(nullif(a.application_name, ''), 'a session without a name'), a.pid,",
    "                           CASE l.mode WHEN 'ExclusiveLock' THEN 'exclusive' ELSE 'shared' END,",
    `                           to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),`,
    "                    '; ' ORDER BY a.backend_start)",
    '    INTO v_holders',
    '    FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid',
    "   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1",
    `     AND l.classid = ${key.classid} AND l.objid = ${key.objid}`,
    '     AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database());',
  ];
  return [
    'DO $oneroof_lock$',
    'DECLARE',
    '  v_holders text;',
    '  v_since timestamptz;',
    'BEGIN',
    `  IF pg_catalog.pg_try_advisory_lock${suffix}(${value}) THEN`,
    '    RETURN;',
    '  END IF;',
    ...holders,
    // --wait: say who holds it before blocking, and how long the wait took once it is ours.
    "  IF current_setting('lock_timeout') <> '0' THEN",
    `    RAISE NOTICE 'ONEROOF LOCK WAIT: % holds the ${what} lock on this database',`,
    "      coalesce(v_holders, 'another session (not visible to this role)');",
    // A literal notice right after: the parser knows a message is whole only when the next one
    // starts (a DETAIL could follow), and psql says nothing more while the lock is waited for.
    "    RAISE NOTICE 'ONEROOF LOCK WAITING';",
    '    v_since := pg_catalog.clock_timestamp();',
    '    BEGIN',
    `      PERFORM pg_catalog.pg_advisory_lock${suffix}(${value});`,
    "      RAISE NOTICE 'ONEROOF LOCK ACQUIRED: waited % s',",
    "        to_char(extract(epoch FROM pg_catalog.clock_timestamp() - v_since), 'FM9999990.000');",
    '      RETURN;',
    '    EXCEPTION WHEN lock_not_available THEN',
    ...holders.map((line) => `  ${line}`),
    '    END;',
    '  END IF;',
    `  RAISE EXCEPTION 'ONEROOF LOCKED: % holds the ${what} lock on this database',`,
    "    coalesce(v_holders, 'another session (not visible to this role)');",
    'END',
    '$oneroof_lock$;',
  ];
}

/** `--wait SECONDS` as a lock_timeout value; the caller has validated the number. */
export function lockWaitValue(seconds: number): string {
  return `${Math.round(seconds * 1000)}ms`;
}

/**
 * application_name for the session: who and what, so a refusal names the holder. PostgreSQL
 * keeps 63 bytes of printable ASCII; anything else is replaced here rather than by the server.
 */
export function applicationName(
  command: string,
  who: { user: string; host: string; pid: number } = { ...whoAmI(), pid: process.pid },
): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '?');
  return `oneroof ${clean(command)} ${clean(who.user)}@${clean(who.host)} pid ${who.pid}`.slice(
    0,
    63,
  );
}

/** Prefix of every oneroof session's application_name: status lists them. */
export const APPLICATION_NAME_PREFIX = 'oneroof ';
