-- sql/prod_rollback/30_rollback_sovereign_ownership.sql
-- Per-tier rollback of tier 30 (sovereign_ownership): removes every sovereign ownership row
-- (ownership 0, gap back to every governed entity), and nothing else.
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod_rollback/30_rollback_sovereign_ownership.sql
--   (or: psql ... -v tier=30 -f sql/prod_rollback/per_tier_rollback.sql)
--
-- Reverse order only: refused while a tier above 30 is applied, or when tier 30 is not applied.
-- One transaction: BEGIN; guard; delete; event removed, ledger row marked rolled back; assert;
-- COMMIT. Needs no approval. Re-apply with the tier file (or 99_run_all.sql).
SET client_min_messages = notice;
\ir ../prod/_session.sql
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 30 BEGIN sovereign_ownership'; END $$;
SELECT set_config('oneroof.rollback_tier', '30', true) AS oneroof_rollback_tier \gset
\ir _rollback_guard.sql
DELETE FROM governance.sovereign_ownership;
\ir _rollback_record.sql

DO $assert$
DECLARE
  v_count bigint;
  v_gap bigint;
  v_governed bigint;
BEGIN
  SELECT count(*) INTO v_count FROM governance.sovereign_ownership;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback30.ownership_zero: expected 0, got %', v_count; END IF;
  SELECT gap, governed INTO v_gap, v_governed
    FROM (SELECT (SELECT count(*) FROM governance.v_ownership_gap) AS gap,
                 (SELECT count(*) FROM governance.v_governed_entity) AS governed) AS x;
  IF v_gap <> v_governed THEN
    RAISE EXCEPTION 'ASSERT rollback30.gap: expected %, got %', v_governed, v_gap;
  END IF;
  SELECT count(*) INTO v_count FROM governance.ledger l WHERE l.tier = 30 AND l.rolled_back_at IS NULL;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback30.ledger: expected tier 30 not applied, got % applied rows', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.event e WHERE e.tier = 30;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback30.events_zero: expected 0, got %', v_count; END IF;
END
$assert$;
COMMIT;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 30 COMMIT sovereign_ownership'; END $$;
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 30_rollback_sovereign_ownership'; END $$;
