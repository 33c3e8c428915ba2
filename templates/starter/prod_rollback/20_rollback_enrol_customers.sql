-- prod_rollback/20_rollback_enrol_customers.sql — per-tier rollback of tier 20: removes every
-- loyalty member (members 5 -> 0, unenrolled back to every customer) and marks tier 20's ledger
-- row rolled back (the row stays: the history of attempts is kept). Nothing else.
--
--   psql -X -v ON_ERROR_STOP=1 -f prod_rollback/20_rollback_enrol_customers.sql
--   (or: psql … -v tier=20 -f prod_rollback/per_tier_rollback.sql, as `oneroof rollback --tier 20`)
--
-- One transaction: BEGIN; marker; guard; delete; ledger; assert; COMMIT; marker.
SET client_min_messages = notice;
\ir ../prod/_session.sql
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 20 BEGIN enrol_customers'; END $$;
SELECT set_config('release.rollback_tier', '20', true) AS oneroof_rollback_tier_set \gset
\ir _rollback_guard.sql

DELETE FROM loyalty.member;
UPDATE loyalty.ledger SET rolled_back_at = now(), rolled_back_by = current_user
 WHERE tier = 20 AND rolled_back_at IS NULL;

DO $assert$
DECLARE
  v_members bigint := (SELECT count(*) FROM loyalty.member);
  v_applied bigint := (SELECT count(*) FROM loyalty.ledger l WHERE l.tier = 20 AND l.rolled_back_at IS NULL);
BEGIN
  IF v_members <> 0 THEN RAISE EXCEPTION 'ASSERT rollback20.members: expected 0, got %', v_members; END IF;
  IF v_applied <> 0 THEN RAISE EXCEPTION 'ASSERT rollback20.ledger: expected tier 20 not applied, got % applied rows', v_applied; END IF;
END
$assert$;
COMMIT;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 20 COMMIT enrol_customers'; END $$;
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 20_rollback_enrol_customers'; END $$;
