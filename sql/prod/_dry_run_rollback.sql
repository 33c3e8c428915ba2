-- sql/prod/_dry_run_rollback.sql — included (\ir) by 99_run_all.sql right after 90_verify.sql;
-- never run alone. Nothing unless the run is a dry run (-v dry_run=on): then it ends the one
-- transaction _dry_run_begin.sql opened, ROLLBACK, so nothing of tiers 10..60 persists.
\if :oneroof_dry_run
SET client_min_messages = notice;
DO $$ BEGIN RAISE NOTICE 'ONEROOF DRY-RUN ROLLBACK'; END $$;
ROLLBACK;
\endif
