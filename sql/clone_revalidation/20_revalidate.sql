-- sql/clone_revalidation/20_revalidate.sql — clone revalidation, rollback-only.
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/clone_revalidation/20_revalidate.sql
--
-- Preconditions: the release is applied (ledger tiers 10..60), e.g. on a replica after
--   oneroof replica reset --approve APR-2026-0142   (00_golden_clone.sql + 10_approve.sql)
--   psql ... -v ratified_apr=APR-2026-0142 -f sql/prod/99_run_all.sql
-- No approval is needed to revalidate: nothing is kept.
--
-- In ONE transaction (REPEATABLE READ: every check sees the same snapshot) that ends with
-- ROLLBACK, so the clone is left untouched (its fingerprint is the same before and after):
--   1. the canonical verify passes                 (prod/90_verify.sql, all its PASS lines)
--   2. the structure DDL re-applies cleanly over the live objects, and changes nothing: the
--      catalog digest is equal before and after   ONEROOF VERIFY PASS revalidation.ddl_recompile
--   3. the scanner is idempotent: two scans, each 38 findings, the same findings, and exactly
--      the baseline                                ONEROOF VERIFY PASS revalidation.scanner_first / scanner_second
-- Failures raise ASSERT revalidation.<check>: expected <e>, got <o>. Last line: ONEROOF END 20_revalidate.
-- Harmless on production too (it takes the governance views' locks for a moment, then rolls back).
SET client_min_messages = notice;
\ir ../prod/_session.sql
\ir ../prod_verify/_fingerprint_query.sql

BEGIN ISOLATION LEVEL REPEATABLE READ;
DO $guard$
DECLARE
  v_applied text;
BEGIN
  IF current_database() <> 'directus' THEN
    RAISE EXCEPTION 'ONEROOF NO-GO: database'
      USING DETAIL = format('database: expected directus, got %s', current_database());
  END IF;
  IF to_regclass('governance.ledger') IS NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: revalidation needs the release applied (tiers 10..60 in the ledger), got no schema governance';
  END IF;
  SELECT coalesce(string_agg(l.tier::text, ',' ORDER BY l.tier), '') INTO v_applied
    FROM governance.ledger l WHERE l.rolled_back_at IS NULL;
  IF v_applied <> '10,20,30,40,50,60' THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: revalidation needs the release applied (tiers 10,20,30,40,50,60 in the ledger), got %',
      coalesce(nullif(v_applied, ''), 'none');
  END IF;
END
$guard$;

-- 1. The canonical verify.
\ir ../prod/90_verify.sql

-- 2. The structure DDL over the live objects; the catalog must not move.
\ir ../prod_verify/_canonical_on.sql
SELECT encode(sha256(convert_to(string_agg(s.section || ' ' || s.items || ' ' || s.digest, E'\n' ORDER BY s.section COLLATE "C")
                                FILTER (WHERE s.section LIKE 'catalog.%'), 'UTF8')), 'hex') AS oneroof_reval_catalog_before
  FROM (:oneroof_fp_sections_sql) AS s \gset
\ir ../prod_verify/_canonical_off.sql
\ir ../prod/_structure_ddl.sql
\ir ../prod_verify/_canonical_on.sql
SELECT encode(sha256(convert_to(string_agg(s.section || ' ' || s.items || ' ' || s.digest, E'\n' ORDER BY s.section COLLATE "C")
                                FILTER (WHERE s.section LIKE 'catalog.%'), 'UTF8')), 'hex') AS oneroof_reval_catalog_after
  FROM (:oneroof_fp_sections_sql) AS s \gset
\ir ../prod_verify/_canonical_off.sql
SELECT set_config('oneroof.reval_catalog_before', :'oneroof_reval_catalog_before', true) AS oneroof_reval_before_set,
       set_config('oneroof.reval_catalog_after', :'oneroof_reval_catalog_after', true) AS oneroof_reval_after_set \gset

DO $ddl$
DECLARE
  v_before text := current_setting('oneroof.reval_catalog_before');
  v_after text := current_setting('oneroof.reval_catalog_after');
  inv record;
BEGIN
  SELECT * INTO inv FROM governance.v_catalog_inventory;
  IF (inv.tables, inv.views, inv.functions) IS DISTINCT FROM (11::bigint, 31::bigint, 1::bigint) THEN
    RAISE EXCEPTION 'ASSERT revalidation.ddl_recompile: expected 11 tables, 31 views, 1 function, got % tables, % views, % functions',
      inv.tables, inv.views, inv.functions;
  END IF;
  IF v_before <> v_after THEN
    RAISE EXCEPTION 'ASSERT revalidation.ddl_recompile: expected catalog sha256 %, got %', v_before, v_after
      USING HINT = 'the structure DDL no longer matches the live objects';
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS revalidation.ddl_recompile: 11 tables, 31 views, 1 function re-applied over the live objects, catalog sha256 % unchanged',
    v_after;
END
$ddl$;

-- 3. The scanner, twice.
DO $scanner$
DECLARE
  v_expected bigint;
  v_first_count bigint;
  v_first text;
  v_second_count bigint;
  v_second text;
  v_baseline text;
BEGIN
  SELECT count(*) INTO v_expected FROM governance.scanner_baseline;
  SELECT count(*), encode(sha256(convert_to(coalesce(string_agg(f.rule || '|' || f.subject || '|' || f.detail, E'\n'
                                                                ORDER BY f.rule COLLATE "C", f.subject COLLATE "C"), ''), 'UTF8')), 'hex')
    INTO v_first_count, v_first FROM governance.scan() f;
  IF v_first_count <> 38 THEN
    RAISE EXCEPTION 'ASSERT revalidation.scanner_first: expected 38, got %', v_first_count;
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS revalidation.scanner_first: % (findings sha256 %)', v_first_count, v_first;
  SELECT count(*), encode(sha256(convert_to(coalesce(string_agg(f.rule || '|' || f.subject || '|' || f.detail, E'\n'
                                                                ORDER BY f.rule COLLATE "C", f.subject COLLATE "C"), ''), 'UTF8')), 'hex')
    INTO v_second_count, v_second FROM governance.scan() f;
  IF v_second_count <> 38 OR v_second <> v_first THEN
    RAISE EXCEPTION 'ASSERT revalidation.scanner_second: expected 38 (findings sha256 %), got % (findings sha256 %)',
      v_first, v_second_count, v_second;
  END IF;
  SELECT encode(sha256(convert_to(coalesce(string_agg(b.rule || '|' || b.subject || '|' || b.detail, E'\n'
                                                      ORDER BY b.rule COLLATE "C", b.subject COLLATE "C"), ''), 'UTF8')), 'hex')
    INTO v_baseline FROM governance.scanner_baseline b;
  IF v_baseline <> v_second THEN
    RAISE EXCEPTION 'ASSERT revalidation.scanner_baseline: expected the baseline (% findings, sha256 %), got sha256 %',
      v_expected, v_baseline, v_second;
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS revalidation.scanner_second: % (same findings, equal to the baseline)', v_second_count;
END
$scanner$;

ROLLBACK;
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 20_revalidate'; END $$;
