-- sql/prod_rollback/50_rollback_topic_finalization.sql
-- Per-tier rollback of tier 50 (topic_finalization): removes the finalized topics and their
-- assignments, and nothing else.
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod_rollback/50_rollback_topic_finalization.sql
--   (or: psql ... -v tier=50 -f sql/prod_rollback/per_tier_rollback.sql)
--
-- Reverse order only: refused while a tier above 50 is applied, or when tier 50 is not applied.
-- One transaction: BEGIN; guard; delete; event removed, ledger row marked rolled back; assert;
-- COMMIT. Needs no approval. Re-apply with the tier file (or 99_run_all.sql).
SET client_min_messages = notice;
\ir ../prod/_session.sql
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 50 BEGIN topic_finalization'; END $$;
SELECT set_config('oneroof.rollback_tier', '50', true) AS oneroof_rollback_tier \gset
\ir _rollback_guard.sql
DELETE FROM governance.topic_assignment;
DELETE FROM governance.topic;
\ir _rollback_record.sql

DO $assert$
DECLARE
  v_count bigint;
BEGIN
  SELECT count(*) INTO v_count FROM governance.topic_assignment;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback50.assignments_zero: expected 0, got %', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.topic;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback50.topics_zero: expected 0, got %', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.ledger l WHERE l.tier = 50 AND l.rolled_back_at IS NULL;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback50.ledger: expected tier 50 not applied, got % applied rows', v_count; END IF;
  SELECT count(*) INTO v_count FROM governance.event e WHERE e.tier = 50;
  IF v_count <> 0 THEN RAISE EXCEPTION 'ASSERT rollback50.events_zero: expected 0, got %', v_count; END IF;
END
$assert$;
COMMIT;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 50 COMMIT topic_finalization'; END $$;
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 50_rollback_topic_finalization'; END $$;
