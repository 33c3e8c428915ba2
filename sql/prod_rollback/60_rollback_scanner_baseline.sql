-- sql/prod_rollback/60_rollback_scanner_baseline.sql
-- Per-tier rollback of tier 60 (scanner_baseline): removes the scanner baseline and the rule
-- catalogue, and nothing else.
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod_rollback/60_rollback_scanner_baseline.sql
--   (or: psql ... -v tier=60 -f sql/prod_rollback/per_tier_rollback.sql)
--
-- Reverse order only: refused while a tier above 60 is applied, or when tier 60 is not applied.
-- One transaction: BEGIN; guard; delete; event removed, ledger row marked rolled back; assert;
-- COMMIT. Needs no approval. Re-apply with the tier file (or 99_run_all.sql).
SET client_min_messages = notice;
\ir ../prod/_session.sql
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 60 BEGIN scanner_baseline'; END $$;
SELECT set_config('oneroof.rollback_tier', '60', true) AS oneroof_rollback_tier \gset
\ir _rollback_guard.sql
DELETE FROM governance.scanner_baseline;
DELETE FROM governance.scanner_rule;
\ir _rollback_record.sql

DO $assert$
DECLARE
  v_count bigint;
BEGIN
  SELECT count(*) INTO v_count FROM governance.scanner_baseline;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback60.baseline_zero: expected 0, got %', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.scanner_rule;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback60.rules_zero: expected 0, got %', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.ledger l WHERE l.tier = 60 AND l.rolled_back_at IS NULL;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback60.ledger: expected tier 60 not applied, got % applied rows', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.event e WHERE e.tier = 60;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback60.events_zero: expected 0, got %', v_count; END IF;
END
$assert$;
COMMIT;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 60 COMMIT scanner_baseline'; END $$;
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 60_rollback_scanner_baseline'; END $$;
