-- prod/99_run_all.sql — the executor (`oneroof apply`): preflight, tiers 10 and 20, verify.
-- Stops at the first failure. Idempotent: applied tiers skip themselves, so after a failure
-- you fix the cause and run the same command again. Success is psql exit 0 AND the last
-- marker ONEROOF END 99_run_all.
--
--   psql -X -v ON_ERROR_STOP=1 -v approval=APR-2026-0001 -f prod/99_run_all.sql
--
-- With -v dry_run=on (`oneroof apply --dry-run`): the same in ONE transaction, rolled back at
-- the end; each tier runs in a savepoint (_session.sql), verify must pass inside it, and
-- nothing persists — not even the ledger rows. Add a new tier's \ir line in order below.
SET client_min_messages = notice;
\set oneroof_run_all on
\ir _session.sql
\ir 00_preflight.sql
\if :oneroof_dry_run
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF DRY-RUN BEGIN'; END $$;
\endif
\ir 10_loyalty_schema.sql
\ir 20_enrol_customers.sql
\ir 90_verify.sql
\if :oneroof_dry_run
DO $$ BEGIN RAISE NOTICE 'ONEROOF DRY-RUN ROLLBACK'; END $$;
ROLLBACK;
\endif
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 99_run_all'; END $$;
