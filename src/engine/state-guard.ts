/**
 * The state the operator confirmed, held to under the run lock.
 *
 * Before the prompt of an apply or rollback, a read-only session reads the state vector and the
 * ledger (the probes `status` reads, src/engine/plans.ts beforePlan), and asks psql (`\gdesc`)
 * for the column names of the state probe's last query. The main session, once it holds the run
 * lock, re-runs that query (`\gset oneroof_guard_`: psql re-sends the last query when its
 * buffer is empty; the bundle inlines the probe, so that is the probe's own) and compares it,
 * figure by figure except the volatile ones (packet.yml), with the vector shown, passed as the
 * psql variable oneroof_confirmed_state. A different state is `ONEROOF REFUSED: the state
 * moved …` before the packet's entry file runs: nothing is changed, and the judge says refused
 * (exit 3). Constants only: the column names are checked to be plain names, the vector travels
 * as a psql variable.
 */
import type { PacketDescriptor } from '../contract/schema.js';

/** The psql variable that carries the state vector the operator was shown. */
export const CONFIRMED_STATE_VARIABLE = 'oneroof_confirmed_state';

/** What the guard needs: the state probe's last query's column names, as \gdesc printed them. */
export interface StateGuard {
  columns: string[];
}

const PLAIN_NAME = /^[a-z][a-z0-9_]{0,40}$/;

/** `name|type` lines of \gdesc; undefined when a name is not a plain one (no guard possible). */
export function guardOf(lines: string[] | undefined): StateGuard | undefined {
  if (lines === undefined || lines.length === 0) return undefined;
  const columns = lines.map((line) => line.split('|')[0] ?? '');
  return columns.every((c) => PLAIN_NAME.test(c)) ? { columns } : undefined;
}

/** The plan lines that hold the run to the confirmed state: right after the entry probe. */
export function guardSql(guard: StateGuard, d: PacketDescriptor): string {
  const vars = guard.columns.map((c) => `oneroof_guard_${c}`);
  const seen = `concat_ws('|', ${vars.map((v) => `:'${v}'`).join(', ')})`;
  const volatile = d.state.columns.flatMap((c, i) => (c.volatile ? [i + 1] : []));
  const skip = volatile.length === 0 ? '' : ` AND v.i NOT IN (${volatile.join(', ')})`;
  const opens = vars.map((v) => `\\if :{?${v}}`);
  const closes = vars.map(() => ['\\else', 'SELECT false AS oneroof_guard_same \\gset', '\\endif']);
  return [
    '-- the state the operator confirmed (src/engine/state-guard.ts), read again under the run lock',
    '\\gset oneroof_guard_',
    `SELECT set_config('oneroof.guard_shown', :'${CONFIRMED_STATE_VARIABLE}', false) AS oneroof_guard_shown_set,`,
    "       set_config('oneroof.guard_seen', 'unreadable', false) AS oneroof_guard_seen_set \\gset",
    ...opens,
    `SELECT set_config('oneroof.guard_seen', ${seen}, false) AS oneroof_guard_seen_set,`,
    `       NOT EXISTS (SELECT 1 FROM unnest(string_to_array(${seen}, '|'), string_to_array(:'${CONFIRMED_STATE_VARIABLE}', '|'))`,
    `                   WITH ORDINALITY AS v (seen, shown, i) WHERE v.seen IS DISTINCT FROM v.shown${skip}) AS oneroof_guard_same \\gset`,
    ...closes.flat(),
    '\\if :oneroof_guard_same',
    '\\else',
    'DO $oneroof_guard$ BEGIN',
    "  RAISE EXCEPTION 'ONEROOF REFUSED: %', format('the state moved since the confirmation: shown %s, now %s under the run lock',",
    "                  current_setting('oneroof.guard_shown'), current_setting('oneroof.guard_seen'))",
    "    USING HINT = 'another session changed the target between the prompt and the lock: look (oneroof status), then run again';",
    'END $oneroof_guard$;',
    '\\endif',
  ].join('\n');
}
