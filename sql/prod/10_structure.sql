-- sql/prod/10_structure.sql — tier 1 (10): the structure. 11 tables, 31 views, 1 function in
-- schema governance (_structure_ddl.sql); inert: no data, nothing outside the schema changes.
--
--   psql -X -v ON_ERROR_STOP=1 -v ratified_apr=APR-... -U workflow_admin -d directus -f sql/prod/10_structure.sql
--
-- One transaction: BEGIN; guard (gate, lock, order); record the pre-release catalog and
-- fingerprint; DDL; assert (11/31/1, inert: the catalog outside governance is byte-identical to
-- before, no external dependents, no grants, no rows); ledger; COMMIT.
-- The pre-release catalog digest is what 99_rollback_full.sql must return to.
SET client_min_messages = notice;
\ir _session.sql

-- Applied already? (psql decides: a skipped tier sends nothing to the server.)
SELECT to_regclass('governance.ledger') IS NOT NULL AS oneroof_ledger_exists \gset
\if :oneroof_ledger_exists
SELECT EXISTS (SELECT 1 FROM governance.ledger WHERE tier = 10 AND rolled_back_at IS NULL) AS oneroof_tier_applied \gset
\else
\set oneroof_tier_applied false
\endif

\if :oneroof_tier_applied
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 10 SKIP structure: already applied'; END $$;
\else
:oneroof_tier_begin;   -- BEGIN; in a dry run SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 10 BEGIN structure'; END $$;
SELECT set_config('oneroof.tier', '10', true) AS oneroof_tier,
       set_config('oneroof.tier_name', 'structure', true) AS oneroof_tier_name,
       set_config('oneroof.tier_file', 'prod/10_structure.sql', true) AS oneroof_tier_file,
       set_config('oneroof.tier_includes',
                  'prod/_session.sql,prod/_guard.sql,prod/_structure_ddl.sql,prod/_record.sql,prod_verify/_fingerprint_query.sql',
                  true) AS oneroof_tier_includes,
       set_config('oneroof.tier_event', '', true) AS oneroof_tier_event,
       set_config('oneroof.tier_detail', '', true) AS oneroof_tier_detail \gset
\ir _guard.sql

-- The pre-release catalog (and full fingerprint), before the first DDL.
\ir ../prod_verify/_fingerprint_query.sql
\ir ../prod_verify/_canonical_on.sql
SELECT encode(sha256(convert_to(coalesce(string_agg(s.section || ' ' || s.items || ' ' || s.digest, E'\n' ORDER BY s.section COLLATE "C")
                                         FILTER (WHERE s.section LIKE 'catalog.%'), ''), 'UTF8')), 'hex') AS oneroof_pre_catalog,
       encode(sha256(convert_to(string_agg(s.section || ' ' || s.items || ' ' || s.digest, E'\n' ORDER BY s.section COLLATE "C"),
                                'UTF8')), 'hex') AS oneroof_pre_fingerprint
  FROM (:oneroof_fp_sections_sql) AS s \gset
\ir ../prod_verify/_canonical_off.sql

\ir _structure_ddl.sql

-- The catalog outside schema governance, after the DDL: must equal the pre-release catalog.
\ir ../prod_verify/_canonical_on.sql
SELECT encode(sha256(convert_to(coalesce(string_agg(s.section || ' ' || s.items || ' ' || s.digest, E'\n' ORDER BY s.section COLLATE "C")
                                         FILTER (WHERE s.section LIKE 'catalog.%' AND s.section <> 'catalog.governance'), ''),
                                'UTF8')), 'hex') AS oneroof_post_catalog_outside
  FROM (:oneroof_fp_sections_sql) AS s \gset
\ir ../prod_verify/_canonical_off.sql
SELECT set_config('oneroof.pre_catalog', :'oneroof_pre_catalog', true) AS oneroof_pre_catalog_set,
       set_config('oneroof.pre_fingerprint', :'oneroof_pre_fingerprint', true) AS oneroof_pre_fingerprint_set,
       set_config('oneroof.post_catalog_outside', :'oneroof_post_catalog_outside', true) AS oneroof_post_catalog_outside_set \gset

DO $assert$
DECLARE
  inv record;
  st record;
  v_rows bigint;
  v_pre text := current_setting('oneroof.pre_catalog');
  v_post text := current_setting('oneroof.post_catalog_outside');
BEGIN
  SELECT * INTO inv FROM governance.v_catalog_inventory;
  IF inv.tables <> 11 THEN RAISE EXCEPTION 'ASSERT tier10.tables: expected 11, got %', inv.tables; END IF;
  IF inv.views <> 31 THEN RAISE EXCEPTION 'ASSERT tier10.views: expected 31, got %', inv.views; END IF;
  IF inv.functions <> 1 THEN RAISE EXCEPTION 'ASSERT tier10.functions: expected 1, got %', inv.functions; END IF;
  IF inv.external_dependents <> 0 THEN
    RAISE EXCEPTION 'ASSERT tier10.external_dependents: expected 0, got %', inv.external_dependents;
  END IF;
  IF inv.grants <> 0 THEN RAISE EXCEPTION 'ASSERT tier10.grants: expected 0, got %', inv.grants; END IF;
  IF v_pre <> v_post THEN
    RAISE EXCEPTION 'ASSERT tier10.inert: expected catalog outside governance %, got %', v_pre, v_post
      USING HINT = 'the DDL changed something outside schema governance; compare prod_verify/fingerprint_sections.sql';
  END IF;
  SELECT (SELECT count(*) FROM governance.ledger) + (SELECT count(*) FROM governance.event)
       + (SELECT count(*) FROM governance.responsibility_axis) + (SELECT count(*) FROM governance.axis_placement)
       + (SELECT count(*) FROM governance.sovereign_ownership) + (SELECT count(*) FROM governance.containment_boundary)
       + (SELECT count(*) FROM governance.containment) + (SELECT count(*) FROM governance.topic)
       + (SELECT count(*) FROM governance.topic_assignment) + (SELECT count(*) FROM governance.scanner_rule)
       + (SELECT count(*) FROM governance.scanner_baseline)
    INTO v_rows;
  IF v_rows <> 0 THEN RAISE EXCEPTION 'ASSERT tier10.rows: expected 0, got %', v_rows; END IF;

  SELECT * INTO st FROM governance.v_release_state;
  PERFORM set_config('oneroof.tier_detail', jsonb_build_object(
    'tables', inv.tables, 'views', inv.views, 'functions', inv.functions,
    'pre_release', jsonb_build_object(
      'catalog_sha256', v_pre, 'fingerprint', current_setting('oneroof.pre_fingerprint'),
      'ospa', st.ospa, 'ownership', st.ownership, 'gap', st.gap, 'conflict', st.conflict,
      'gov_emit', st.gov_emit))::text, true);
END
$assert$;

\ir _record.sql
:oneroof_tier_commit;  -- COMMIT; in a dry run RELEASE SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 10 COMMIT structure'; END $$;
\endif
