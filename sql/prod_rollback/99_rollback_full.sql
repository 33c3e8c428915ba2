-- sql/prod_rollback/99_rollback_full.sql — full rollback: back to the pre-release baseline,
-- byte for byte. Works from any state the packet can leave (any tiers applied), and again
-- when there is nothing left to undo (ONEROOF ROLLBACK 99 SKIP full: not applied).
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod_rollback/99_rollback_full.sql
--
-- Everything the release created lives in schema governance, so the rollback is one
-- DROP SCHEMA governance CASCADE, in one transaction, fenced on both sides:
--   before  database = directus (ONEROOF NO-GO: database); the packet lock; the schema is ours
--           (its ledger has the tier 10 row, else REFUSED: we never drop a schema we did not
--           make); nothing outside the schema depends on it (else REFUSED, naming the objects:
--           CASCADE would take them along)
--   after   schema absent, axis absent, gap = the pre-release gap tier 10 recorded (210 on the
--           golden clone), and the catalog digest equal to the pre-release one tier 10 recorded
--           (else ASSERT rollback_full.<check> and nothing is dropped).
-- Needs no approval. Approvals (os_proposal_approvals) are not the release's and stay.
-- If Directus's own schema changed since the release, the catalog check refuses: compare
-- prod_verify/fingerprint_sections.sql with the release log, then decide by hand.
SET client_min_messages = notice;
\ir ../prod/_session.sql
\ir ../prod_verify/_fingerprint_query.sql

SELECT to_regnamespace('governance') IS NOT NULL AS oneroof_governance_present \gset
\if :oneroof_governance_present
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 99 BEGIN full'; END $$;

DO $guard$
DECLARE
  v_pre jsonb;
  v_dependents text;
  v_count bigint;
BEGIN
  IF current_database() <> 'directus' THEN
    RAISE EXCEPTION 'ONEROOF NO-GO: database'
      USING DETAIL = format('database: expected directus, got %s', current_database());
  END IF;
  IF NOT pg_try_advisory_xact_lock(31365104405540710) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: another session holds the oneroof packet lock (advisory lock 31365104405540710); full rollback not started';
  END IF;
  IF to_regclass('governance.ledger') IS NOT NULL THEN
    SELECT l.detail -> 'pre_release' INTO v_pre
      FROM governance.ledger l WHERE l.tier = 10 ORDER BY l.attempt DESC LIMIT 1;
  END IF;
  IF v_pre IS NULL OR v_pre ->> 'catalog_sha256' IS NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: schema governance has no tier 10 ledger row with the pre-release catalog; not made by this packet, not dropping it';
  END IF;
  -- Objects outside the schema that depend on objects inside it (as v_catalog_inventory, kept
  -- inline so the rollback works even if the structure was damaged).
  WITH gov AS (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = 'governance'),
  dep AS (
    SELECT d.classid, d.objid, d.objsubid,
           CASE d.classid
             WHEN 'pg_catalog.pg_class'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid = d.objid)
             WHEN 'pg_catalog.pg_type'::regclass THEN (SELECT t.typnamespace FROM pg_catalog.pg_type t WHERE t.oid = d.objid)
             WHEN 'pg_catalog.pg_proc'::regclass THEN (SELECT p.pronamespace FROM pg_catalog.pg_proc p WHERE p.oid = d.objid)
             WHEN 'pg_catalog.pg_constraint'::regclass THEN (SELECT c.connamespace FROM pg_catalog.pg_constraint c WHERE c.oid = d.objid)
             WHEN 'pg_catalog.pg_rewrite'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class WHERE r.oid = d.objid)
             WHEN 'pg_catalog.pg_trigger'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid WHERE t.oid = d.objid)
             WHEN 'pg_catalog.pg_attrdef'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_attrdef a JOIN pg_catalog.pg_class c ON c.oid = a.adrelid WHERE a.oid = d.objid)
             WHEN 'pg_catalog.pg_policy'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid WHERE p.oid = d.objid)
           END AS dependent_namespace
      FROM pg_catalog.pg_depend d
     WHERE d.deptype <> 'i'
       AND ((d.refclassid = 'pg_catalog.pg_class'::regclass
             AND d.refobjid IN (SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relnamespace IN (SELECT oid FROM gov)))
         OR (d.refclassid = 'pg_catalog.pg_proc'::regclass
             AND d.refobjid IN (SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM gov)))
         OR (d.refclassid = 'pg_catalog.pg_type'::regclass
             AND d.refobjid IN (SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typnamespace IN (SELECT oid FROM gov)))
         OR (d.refclassid = 'pg_catalog.pg_namespace'::regclass AND d.refobjid IN (SELECT oid FROM gov)))
  )
  SELECT count(DISTINCT (classid, objid)),
         string_agg(DISTINCT pg_catalog.pg_describe_object(classid, objid, objsubid), '; ')
    INTO v_count, v_dependents
    FROM dep WHERE dep.dependent_namespace IS DISTINCT FROM (SELECT oid FROM gov);
  IF v_count <> 0 THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: % object(s) outside schema governance depend on it (%); drop or change them first, CASCADE would remove them', v_count, v_dependents;
  END IF;
  PERFORM set_config('oneroof.pre_release', v_pre::text, true);
END
$guard$;
SET LOCAL lock_timeout = '10s';

DROP SCHEMA governance CASCADE;

\ir ../prod_verify/_canonical_on.sql
SELECT encode(sha256(convert_to(coalesce(string_agg(s.section || ' ' || s.items || ' ' || s.digest, E'\n' ORDER BY s.section COLLATE "C")
                                         FILTER (WHERE s.section LIKE 'catalog.%'), ''), 'UTF8')), 'hex') AS oneroof_post_catalog
  FROM (:oneroof_fp_sections_sql) AS s \gset
\ir ../prod_verify/_canonical_off.sql
SELECT set_config('oneroof.post_catalog', :'oneroof_post_catalog', true) AS oneroof_post_catalog_set \gset

DO $assert$
DECLARE
  v_pre jsonb := current_setting('oneroof.pre_release')::jsonb;
  v_post_catalog text := current_setting('oneroof.post_catalog');
  v_gap bigint;
BEGIN
  IF to_regnamespace('governance') IS NOT NULL THEN
    RAISE EXCEPTION 'ASSERT rollback_full.schema_absent: expected no schema governance, got present';
  END IF;
  IF to_regclass('governance.responsibility_axis') IS NOT NULL THEN
    RAISE EXCEPTION 'ASSERT rollback_full.axis_absent: expected no governance.responsibility_axis, got present';
  END IF;
  -- With no ownership left, the gap is every governed entity (as governance.v_governed_entity).
  SELECT count(*) INTO v_gap
    FROM public.directus_collections c
    JOIN pg_catalog.pg_class t ON t.relname = c.collection::text AND t.relkind IN ('r', 'p')
                              AND t.relnamespace = 'public'::regnamespace
   WHERE c.collection::text NOT LIKE 'directus\_%';
  IF v_gap <> (v_pre ->> 'gap')::bigint THEN
    RAISE EXCEPTION 'ASSERT rollback_full.gap: expected %, got %', v_pre ->> 'gap', v_gap;
  END IF;
  IF v_post_catalog <> v_pre ->> 'catalog_sha256' THEN
    RAISE EXCEPTION 'ASSERT rollback_full.catalog: expected %, got %', v_pre ->> 'catalog_sha256', v_post_catalog
      USING HINT = 'something outside schema governance changed since the release; compare prod_verify/fingerprint_sections.sql with the release log';
  END IF;
END
$assert$;
COMMIT;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 99 COMMIT full'; END $$;
\else
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 99 SKIP full: not applied'; END $$;
\endif

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 99_rollback_full'; END $$;
