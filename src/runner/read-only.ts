/**
 * How a read-only step logs in (src/runner/step.ts prepareStep). Read-only is the server's job:
 *
 *   role     psql -U <read_user>: a NOSUPERUSER role holding only pg_read_all_data and
 *            pg_read_all_stats (the packet's reader file, `oneroof reader setup`), so the server refuses every
 *            write and every superuser-only function whatever the stream says;
 *   session  psql -U <user> (the apply role, a superuser) with default_transaction_read_only=on
 *            from the client only: a stream can turn it off. Explicit, weaker, warned.
 *
 * Either way the session gets default_transaction_read_only=on and the inventory's
 * statement_timeout, lock_timeout and idle_in_transaction_session_timeout (PGOPTIONS), so a
 * stuck query cannot hold the preflight lock for ever. A step's own PGOPTIONS come after the
 * timeouts (a probe may shorten them); read-only comes last.
 */
import type { Target } from '../inventory/load.js';

/** The client setting every read-only session starts with. */
const READ_ONLY_PGOPTIONS = '-c default_transaction_read_only=on';

export function readOnlyUser(target: Target): string {
  return target.reader.mode === 'role' ? target.reader.user : target.user;
}

export function readOnlyOptions(target: Target, own: string | undefined): string {
  const t = target.reader.timeouts;
  return [
    `-c statement_timeout=${t.statement}`,
    `-c lock_timeout=${t.lock}`,
    `-c idle_in_transaction_session_timeout=${t.idleInTransaction}`,
    ...(own ? [own] : []),
    READ_ONLY_PGOPTIONS,
  ].join(' ');
}

/** The warning line of `read_only: session`, printed on every run and kept in its log. */
export function sessionModeWarning(target: Target): string {
  return `target ${target.name} is read_only: session: preflight, verify and status run as ${target.user} (the apply role) with default_transaction_read_only=on set by the client only; SQL in their path can turn it off and write. Create the read role: oneroof reader setup --target ${target.name}`;
}

/** psql variables of a read-only step: oneroof_read_role=on turns on the read role's own check. */
export function readOnlyVariables(target: Target): Record<string, string> {
  return target.reader.mode === 'role' ? { oneroof_read_role: 'on' } : {};
}
