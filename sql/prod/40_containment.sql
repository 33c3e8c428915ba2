-- sql/prod/40_containment.sql — tier 4 (40): containment. One boundary per axis point (with
-- its data classification, from _reference.sql), and every governed entity inside the boundary
-- of its own axis point. containment gap 0.
--
--   psql -X -v ON_ERROR_STOP=1 -v ratified_apr=APR-... -U workflow_admin -d directus -f sql/prod/40_containment.sql
--
-- One transaction: BEGIN; guard; insert; assert (its own figure first, then that the ownership
-- it builds on still holds); ledger + event containment.sealed; COMMIT.
-- Rollback: prod_rollback/40_rollback_containment.sql.
SET client_min_messages = notice;
\ir _session.sql
\ir _reference.sql

SELECT to_regclass('governance.ledger') IS NOT NULL AS oneroof_ledger_exists \gset
\if :oneroof_ledger_exists
SELECT EXISTS (SELECT 1 FROM governance.ledger WHERE tier = 40 AND rolled_back_at IS NULL) AS oneroof_tier_applied \gset
\else
\set oneroof_tier_applied false
\endif

\if :oneroof_tier_applied
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 40 SKIP containment: already applied'; END $$;
\else
:oneroof_tier_begin;   -- BEGIN; in a dry run SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 40 BEGIN containment'; END $$;
SELECT set_config('oneroof.tier', '40', true) AS oneroof_tier,
       set_config('oneroof.tier_name', 'containment', true) AS oneroof_tier_name,
       set_config('oneroof.tier_file', 'prod/40_containment.sql', true) AS oneroof_tier_file,
       set_config('oneroof.tier_includes', 'prod/_session.sql,prod/_guard.sql,prod/_reference.sql,prod/_record.sql', true) AS oneroof_tier_includes,
       set_config('oneroof.tier_event', 'containment.sealed', true) AS oneroof_tier_event,
       set_config('oneroof.tier_detail', '', true) AS oneroof_tier_detail,
       set_config('oneroof.reference', :'oneroof_reference', true) AS oneroof_reference_set \gset
\ir _guard.sql

INSERT INTO governance.containment_boundary (boundary_code, axis_code, classification, directus_folder)
SELECT a.code || '.' || a.classification, a.code, a.classification, a.folder
  FROM jsonb_to_recordset(current_setting('oneroof.reference')::jsonb -> 'axis')
       AS a (code text, classification text, folder text);

-- Each placed, still governed entity into the boundary of its axis point.
INSERT INTO governance.containment (collection, boundary_code)
SELECT p.collection, b.boundary_code
  FROM governance.axis_placement p
  JOIN governance.containment_boundary b ON b.axis_code = p.axis_code
  JOIN governance.v_governed_entity g ON g.collection = p.collection;

DO $assert$
DECLARE
  st record;
  v_gap bigint;
  v_boundaries bigint;
  v_expected_boundaries int := jsonb_array_length(current_setting('oneroof.reference')::jsonb -> 'axis');
BEGIN
  SELECT count(*) INTO v_gap FROM governance.v_containment_gap;
  IF v_gap <> 0 THEN RAISE EXCEPTION 'ASSERT tier40.containment_gap_zero: expected 0, got %', v_gap; END IF;
  SELECT count(*) INTO v_boundaries FROM governance.containment_boundary;
  IF v_boundaries <> v_expected_boundaries THEN
    RAISE EXCEPTION 'ASSERT tier40.boundaries: expected %, got %', v_expected_boundaries, v_boundaries;
  END IF;
  SELECT * INTO st FROM governance.v_release_state;
  IF st.gap <> 0 THEN RAISE EXCEPTION 'ASSERT tier40.ownership_gap_zero: expected 0, got %', st.gap; END IF;
  IF st.conflict <> 0 THEN RAISE EXCEPTION 'ASSERT tier40.conflict_zero: expected 0, got %', st.conflict; END IF;
  PERFORM set_config('oneroof.tier_detail', jsonb_build_object(
    'boundaries', v_boundaries,
    'contained', (SELECT count(*) FROM governance.containment),
    'by_classification', (SELECT jsonb_object_agg(x.classification, x.n)
                            FROM (SELECT classification, count(*) AS n FROM governance.v_containment GROUP BY classification) x),
    'containment_gap', v_gap)::text, true);
END
$assert$;

\ir _record.sql
:oneroof_tier_commit;  -- COMMIT; in a dry run RELEASE SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 40 COMMIT containment'; END $$;
\endif
