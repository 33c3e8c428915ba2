-- sql/prod_rollback/40_rollback_containment.sql
-- Per-tier rollback of tier 40 (containment): removes the containment of every entity and the
-- boundaries, and nothing else.
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod_rollback/40_rollback_containment.sql
--   (or: psql ... -v tier=40 -f sql/prod_rollback/per_tier_rollback.sql)
--
-- Reverse order only: refused while a tier above 40 is applied, or when tier 40 is not applied.
-- One transaction: BEGIN; guard; delete; event removed, ledger row marked rolled back; assert;
-- COMMIT. Needs no approval. Re-apply with the tier file (or 99_run_all.sql).
SET client_min_messages = notice;
\ir ../prod/_session.sql
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 40 BEGIN containment'; END $$;
SELECT set_config('oneroof.rollback_tier', '40', true) AS oneroof_rollback_tier \gset
\ir _rollback_guard.sql
DELETE FROM governance.containment;
DELETE FROM governance.containment_boundary;
\ir _rollback_record.sql

DO $assert$
DECLARE
  v_count bigint;
BEGIN
  SELECT count(*) INTO v_count FROM governance.containment;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback40.containment_zero: expected 0, got %', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.containment_boundary;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback40.boundaries_zero: expected 0, got %', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.ledger l WHERE l.tier = 40 AND l.rolled_back_at IS NULL;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback40.ledger: expected tier 40 not applied, got % applied rows', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.event e WHERE e.tier = 40;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback40.events_zero: expected 0, got %', v_count; END IF;
END
$assert$;
COMMIT;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 40 COMMIT containment'; END $$;
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 40_rollback_containment'; END $$;
