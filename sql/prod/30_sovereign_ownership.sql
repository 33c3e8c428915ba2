-- sql/prod/30_sovereign_ownership.sql — tier 3 (30): the sovereign ownership seed. Every
-- governed entity gets exactly one sovereign owner: the steward role of its axis point.
-- gap 210 -> 0, conflict 0.
--
--   psql -X -v ON_ERROR_STOP=1 -v ratified_apr=APR-... -U workflow_admin -d directus -f sql/prod/30_sovereign_ownership.sql
--
-- One transaction: BEGIN; guard; insert; assert; ledger + event ownership.seeded; COMMIT.
-- Rollback: prod_rollback/30_rollback_sovereign_ownership.sql.
SET client_min_messages = notice;
\ir _session.sql

SELECT to_regclass('governance.ledger') IS NOT NULL AS oneroof_ledger_exists \gset
\if :oneroof_ledger_exists
SELECT EXISTS (SELECT 1 FROM governance.ledger WHERE tier = 30 AND rolled_back_at IS NULL) AS oneroof_tier_applied \gset
\else
\set oneroof_tier_applied false
\endif

\if :oneroof_tier_applied
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 30 SKIP sovereign_ownership: already applied'; END $$;
\else
:oneroof_tier_begin;   -- BEGIN; in a dry run SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 30 BEGIN sovereign_ownership'; END $$;
SELECT set_config('oneroof.tier', '30', true) AS oneroof_tier,
       set_config('oneroof.tier_name', 'sovereign_ownership', true) AS oneroof_tier_name,
       set_config('oneroof.tier_file', 'prod/30_sovereign_ownership.sql', true) AS oneroof_tier_file,
       set_config('oneroof.tier_includes', 'prod/_session.sql,prod/_guard.sql,prod/_record.sql', true) AS oneroof_tier_includes,
       set_config('oneroof.tier_event', 'ownership.seeded', true) AS oneroof_tier_event,
       set_config('oneroof.tier_detail', '', true) AS oneroof_tier_detail \gset
\ir _guard.sql

-- Only entities that are governed now and placed by tier 20.
INSERT INTO governance.sovereign_ownership (collection, owner_role, axis_code, apr_code)
SELECT p.collection, a.steward_role, a.axis_code, current_setting('oneroof.ratified_apr')
  FROM governance.axis_placement p
  JOIN governance.responsibility_axis a ON a.axis_code = p.axis_code
  JOIN governance.v_governed_entity g ON g.collection = p.collection;

DO $assert$
DECLARE
  st record;
  v_governed bigint;
  v_mismatch bigint;
BEGIN
  SELECT * INTO st FROM governance.v_release_state;
  IF st.gap <> 0 THEN RAISE EXCEPTION 'ASSERT tier30.gap_zero: expected 0, got %', st.gap; END IF;
  IF st.conflict <> 0 THEN RAISE EXCEPTION 'ASSERT tier30.conflict_zero: expected 0, got %', st.conflict; END IF;
  SELECT count(*) INTO v_mismatch FROM governance.v_ownership_axis_mismatch;
  IF v_mismatch <> 0 THEN
    RAISE EXCEPTION 'ASSERT tier30.axis_mismatch_zero: expected 0, got %', v_mismatch;
  END IF;
  SELECT count(*) INTO v_governed FROM governance.v_governed_entity;
  IF st.ownership <> v_governed THEN
    RAISE EXCEPTION 'ASSERT tier30.owned: expected %, got %', v_governed, st.ownership;
  END IF;
  PERFORM set_config('oneroof.tier_detail', jsonb_build_object(
    'seeded', st.ownership, 'gap', st.gap, 'conflict', st.conflict,
    'owners', (SELECT jsonb_object_agg(l.owner_role_name, l.owned) FROM governance.v_owner_load l))::text, true);
END
$assert$;

\ir _record.sql
:oneroof_tier_commit;  -- COMMIT; in a dry run RELEASE SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 30 COMMIT sovereign_ownership'; END $$;
\endif
