-- sql/prod/_dry_run_begin.sql — included (\ir) by 99_run_all.sql right after the preflight;
-- never run alone. Does nothing at all (not one statement reaches the server) unless the run is
-- a dry run (-v dry_run=on; _session.sql checked the value and sets :oneroof_dry_run).
--
-- The dry run: the whole packet in ONE transaction that is rolled back, a rehearsal after which
-- the state vector and the fingerprint are what they were before.
--   00_preflight    as always, in its own READ ONLY transaction (NO-GO stops here, exit 3)
--   BEGIN           here, then ONEROOF DRY-RUN BEGIN
--   tiers 10..60    each in a savepoint instead of its own BEGIN/COMMIT (:oneroof_tier_begin,
--                   :oneroof_tier_commit, _session.sql); the markers are the same, a tier's
--                   COMMIT marker then means "savepoint released". The ledger's skip check
--                   before each tier sees the earlier tiers' uncommitted rows, the packet lock
--                   (an advisory xact lock) is re-entrant and held to the end, the deferred
--                   constraints are checked where COMMIT would check them.
--   90_verify       inside the same transaction: it must pass there
--   ROLLBACK        _dry_run_rollback.sql: ONEROOF DRY-RUN ROLLBACK, ROLLBACK; then 99_run_all.sql
--                   prints ONEROOF END 99_run_all as always
-- A failure (ASSERT, REFUSED, any error) stops psql (ON_ERROR_STOP, exit 3) with the transaction
-- open; it ends with the session, aborted: nothing persists, not even earlier tiers' ledger rows.
-- Every tier sees the same now() (one transaction): nothing in the packet orders by time.
\if :oneroof_dry_run
SET client_min_messages = notice;
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF DRY-RUN BEGIN'; END $$;
\endif
