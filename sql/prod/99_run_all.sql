-- sql/prod/99_run_all.sql — the executor: preflight, tiers 10..60, verify. Stops on the first
-- failure (ON_ERROR_STOP is forced by _session.sql even if the command line forgot it).
--   docker exec -i postgres psql -U workflow_admin -d directus -v ON_ERROR_STOP=1 \
--     -v ratified_apr=<REAL_RATIFIED_APR_CODE> -f sql/prod/99_run_all.sql 2>&1 | tee rollout_$(date +%Y%m%dT%H%M%SZ).log
-- Idempotent: applied tiers skip themselves. A failure leaves every earlier tier committed and
-- recorded, the failing tier not committed at all; fix the cause, run the same command again.
-- Success is psql exit 0 AND the last line ONEROOF END 99_run_all. With -v dry_run=on (this file
-- only): the same in ONE transaction, rolled back at the end (_dry_run_begin.sql explains).
SET client_min_messages = notice;
\set oneroof_run_all on
\ir _session.sql
\ir 00_preflight.sql
\ir _dry_run_begin.sql
\ir 10_structure.sql
\ir 20_responsibility_axis.sql
\ir 30_sovereign_ownership.sql
\ir 40_containment.sql
\ir 50_topic_finalization.sql
\ir 60_scanner_baseline.sql
\ir 90_verify.sql
\ir _dry_run_rollback.sql
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 99_run_all'; END $$;
