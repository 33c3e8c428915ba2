-- sql/prod_rollback/20_rollback_responsibility_axis.sql
-- Per-tier rollback of tier 20 (responsibility_axis): removes the axis placements and the axis
-- itself (axis absent), and nothing else.
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod_rollback/20_rollback_responsibility_axis.sql
--   (or: psql ... -v tier=20 -f sql/prod_rollback/per_tier_rollback.sql)
--
-- Reverse order only: refused while a tier above 20 is applied, or when tier 20 is not applied.
-- One transaction: BEGIN; guard; delete; event removed, ledger row marked rolled back; assert;
-- COMMIT. Needs no approval. Re-apply with the tier file (or 99_run_all.sql).
SET client_min_messages = notice;
\ir ../prod/_session.sql
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 20 BEGIN responsibility_axis'; END $$;
SELECT set_config('oneroof.rollback_tier', '20', true) AS oneroof_rollback_tier \gset
\ir _rollback_guard.sql
DELETE FROM governance.axis_placement;
DELETE FROM governance.responsibility_axis;
\ir _rollback_record.sql

DO $assert$
DECLARE
  v_count bigint;
BEGIN
  SELECT count(*) INTO v_count FROM governance.axis_placement;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback20.placements_zero: expected 0, got %', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.responsibility_axis;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback20.axis_zero: expected 0, got %', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.ledger l WHERE l.tier = 20 AND l.rolled_back_at IS NULL;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback20.ledger: expected tier 20 not applied, got % applied rows', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.event e WHERE e.tier = 20;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback20.events_zero: expected 0, got %', v_count; END IF;
END
$assert$;
COMMIT;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 20 COMMIT responsibility_axis'; END $$;
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 20_rollback_responsibility_axis'; END $$;
