/**
 * The scripts each command streams: a few generated lines (the lock, the probes) around the
 * packet's own entry files, which are included with `\ir` and so bundled, checked and mapped
 * like any other packet file. Pure: text in, text out; nothing here reads a value from the user
 * (values travel as psql variables).
 *
 * A probe prints its result between two echo lines on stdout, in psql's unaligned tuples-only
 * format (`psql -At`, as the probes are documented), with QUIET on so that `\pset` says nothing:
 *
 *   ONEROOF PROBE state_vector BEGIN
 *   0|0|7|0
 *   ONEROOF PROBE state_vector END
 */
import type { PacketDescriptor } from '../contract/schema.js';
import {
  APPLICATION_NAME_PREFIX,
  LOCKS,
  lockKeyValue,
  lockSql,
  RUN_LOCK,
  type LockPlan,
} from './lock.js';
import { guardSql, type StateGuard } from './state-guard.js';

type PlanCommand =
  'preflight' | 'apply' | 'verify' | 'rollback' | 'status' | 'revalidate' | 'state';

/** A generated entry script, placed at `<root>/<name>` for the bundler. */
export interface Plan {
  name: string;
  text: string;
}

/**
 * A probe's name: oneroof's own (RESERVED_PROBES in src/contract/schema.ts: the state vector,
 * the ledger, the gate, the fingerprint, the live sessions) or one of the packet's verify probes.
 */
export type ProbeName = string;

export const PROBE_PREFIX = 'ONEROOF PROBE';

/**
 * Other sessions of oneroof on this database, and whoever holds the run lock: a run whose
 * client went away keeps its session (and lock) until psql finishes or the server ends it.
 */
const ALIVE_SQL = `SELECT concat_ws('|', a.pid, replace(coalesce(a.application_name, ''), '|', '/'), coalesce(a.state, ''),
                 coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
                 coalesce(to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
                 coalesce(l.mode, ''))
  FROM pg_catalog.pg_stat_activity a
  LEFT JOIN pg_catalog.pg_locks l
         ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND (l.classid::bigint << 32 | l.objid::bigint) = %RUN_LOCK%
 WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
   AND (a.application_name LIKE '${APPLICATION_NAME_PREFIX}%' OR l.pid IS NOT NULL)
 ORDER BY a.backend_start;`;

/**
 * The read role's own check, first and last in every read-only session that logs in as it
 * (psql variable oneroof_read_role, set by src/runner/read-only.ts): still a plain reader —
 * NOSUPERUSER, no CREATEDB/CREATEROLE/REPLICATION/BYPASSRLS, member of nothing but
 * pg_read_all_data and pg_read_all_stats, owner of nothing, and no role settings but
 * default_transaction_read_only=on. What the server lets any role do to itself (ALTER ROLE
 * itself SET …, lo_create) is caught here, at the latest by the next read-only run.
 */
const READER_GUARD = `\\if :{?oneroof_read_role}
DO $oneroof_reader$
DECLARE
  v_role     pg_catalog.pg_roles%ROWTYPE;
  v_problems text[] := '{}';
  v_text     text;
BEGIN
  SELECT * INTO v_role FROM pg_catalog.pg_roles r WHERE r.rolname = current_user;
  v_problems := array_remove(ARRAY[
    CASE WHEN v_role.rolsuper THEN 'SUPERUSER' END, CASE WHEN v_role.rolcreatedb THEN 'CREATEDB' END,
    CASE WHEN v_role.rolcreaterole THEN 'CREATEROLE' END, CASE WHEN v_role.rolreplication THEN 'REPLICATION' END,
    CASE WHEN v_role.rolbypassrls THEN 'BYPASSRLS' END], NULL);
  SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname) INTO v_text
    FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
   WHERE m.member = v_role.oid AND g.rolname NOT IN ('pg_read_all_data', 'pg_read_all_stats');
  IF v_text IS NOT NULL THEN v_problems := v_problems || ('member of ' || v_text); END IF;
  SELECT string_agg(array_to_string(s.setconfig, ', '), '; ') INTO v_text
    FROM pg_catalog.pg_db_role_setting s
   WHERE s.setrole = v_role.oid AND s.setconfig IS DISTINCT FROM ARRAY['default_transaction_read_only=on']
      OR s.setrole = v_role.oid AND s.setdatabase <> 0;
  IF v_text IS NOT NULL THEN v_problems := v_problems || ('role settings ' || v_text); END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s WHERE s.setrole = v_role.oid AND s.setdatabase = 0) THEN
    v_problems := v_problems || 'no role setting default_transaction_read_only=on'::text;
  END IF;
  SELECT count(*)::text INTO v_text FROM pg_catalog.pg_shdepend d
   WHERE d.refclassid = 'pg_catalog.pg_authid'::regclass AND d.refobjid = v_role.oid AND d.deptype = 'o';
  IF v_text <> '0' THEN v_problems := v_problems || ('owner of ' || v_text || ' object(s)'); END IF;
  IF cardinality(v_problems) > 0 THEN
    RAISE EXCEPTION 'ONEROOF READER UNSAFE: % is not a plain read role: %', current_user, array_to_string(v_problems, ', ')
      USING HINT = 'a session as this role, or someone, changed it: look, then restore it with oneroof reader setup';
  END IF;
END
$oneroof_reader$;
\\endif`;

/** A probe block: the packet file `file` between the probe's echo lines (none: `alive`). */
function probe(name: ProbeName, file?: string): string {
  return probeBlock(name, file === undefined ? aliveSql() : `\\ir ${file}`);
}

function probeBlock(name: ProbeName, body: string): string {
  return [
    '\\set QUIET on',
    '\\pset format unaligned',
    '\\pset tuples_only on',
    `\\echo ${PROBE_PREFIX} ${name} BEGIN`,
    body,
    `\\echo ${PROBE_PREFIX} ${name} END`,
    '\\pset format aligned',
    '\\pset tuples_only off',
    '\\set QUIET off',
  ].join('\n');
}

function aliveSql(): string {
  // The key is our constant, not a value from anyone.
  return ALIVE_SQL.replace('%RUN_LOCK%', lockKeyValue(RUN_LOCK).toString());
}

function plan(command: PlanCommand, parts: string[]): Plan {
  const header = `-- generated by oneroof for \`${command}\` (src/engine/plans.ts); the packet files are included below`;
  return { name: `<oneroof ${command}>`, text: `${[header, ...parts].join('\n')}\n` };
}

function locked(locks: LockPlan): string[] {
  const sql = lockSql(locks);
  return sql === '' ? [] : [sql.trimEnd()];
}

/** Read-only: the state at entry, then the gate (the packet's preflight entry). */
export function preflightPlan(d: PacketDescriptor): Plan {
  return plan('preflight', [
    READER_GUARD,
    ...locked(LOCKS.preflight),
    probe('state_vector', d.state.probe),
    `\\ir ${d.entries.preflight}`,
    probe('state_vector_exit', d.state.probe),
    READER_GUARD,
  ]);
}

/** The release: the lock, the state at entry, then the executor (preflight, tiers, verify). */
export function applyPlan(d: PacketDescriptor, guard?: StateGuard): Plan {
  return plan('apply', [
    ...locked(LOCKS.mutating),
    probe('state_vector', d.state.probe),
    ...(guard ? [guardSql(guard, d)] : []),
    `\\ir ${d.entries.apply}`,
    probe('state_vector_exit', d.state.probe),
  ]);
}

/** Read-only: the probes first (they always print), then the asserting verify suite. */
export function verifyPlan(d: PacketDescriptor): Plan {
  return plan('verify', [
    READER_GUARD,
    ...locked(LOCKS.reading),
    probe('state_vector', d.state.probe),
    ...d.probes.verify.map((p) => probe(p.name, p.file)),
    probe('fingerprint', d.probes.fingerprint),
    `\\ir ${d.entries.verify}`,
    READER_GUARD,
  ]);
}

/** A per-tier rollback (`-v <tier variable>=NN`) or the full one, under the run lock. */
export function rollbackPlan(
  d: PacketDescriptor,
  scope: 'full' | 'tier',
  guard?: StateGuard,
): Plan {
  return plan('rollback', [
    ...locked(LOCKS.mutating),
    probe('state_vector', d.state.probe),
    ...(guard ? [guardSql(guard, d)] : []),
    `\\ir ${scope === 'full' ? d.entries.rollback_full : d.entries.rollback_tier}`,
    probe('state_vector_exit', d.state.probe),
  ]);
}

/**
 * The clone revalidation (packet.yml replica.revalidate), under the run lock: the state and the
 * fingerprint before and after it, so that its log shows the transaction it rolls back left
 * nothing behind.
 */
export function revalidatePlan(d: PacketDescriptor, file: string): Plan {
  return plan('revalidate', [
    ...locked(LOCKS.mutating),
    probe('state_vector', d.state.probe),
    probe('fingerprint', d.probes.fingerprint),
    `\\ir ${file}`,
    probe('fingerprint_exit', d.probes.fingerprint),
    probe('state_vector_exit', d.state.probe),
  ]);
}

/** Read-only, no lock (it must answer while a run is going on): ledger, state, live runs. */
export function statusPlan(d: PacketDescriptor): Plan {
  return plan('status', [
    READER_GUARD,
    probe('state_vector', d.state.probe),
    probe('tier_status', d.probes.tier_status),
    probe('gate', d.probes.gate),
    probe('alive'),
    READER_GUARD,
  ]);
}

/**
 * The state vector and the ledger: the state at exit when the main session stopped before its
 * own last probe (an error under ON_ERROR_STOP, a cancel, a lost server), in a session of its
 * own; the ledger settles a tier whose end the client did not see.
 */
export function statePlan(d: PacketDescriptor): Plan {
  return plan('state', [
    READER_GUARD,
    probe('state_vector', d.state.probe),
    probe('tier_status', d.probes.tier_status),
  ]);
}

/**
 * Before the prompt of an apply or rollback (src/engine/state-guard.ts): the state and the ledger
 * as status reads them, and the column names of the state probe's last query (`\gdesc`
 * describes it without running it), so that the main session can read it again under the lock.
 */
export function beforePlan(d: PacketDescriptor): Plan {
  return plan('state', [
    READER_GUARD,
    probe('state_vector', d.state.probe),
    probeBlock('state_columns', '\\gdesc'),
    probe('tier_status', d.probes.tier_status),
  ]);
}
