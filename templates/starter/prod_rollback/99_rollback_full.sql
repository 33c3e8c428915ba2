-- prod_rollback/99_rollback_full.sql — full rollback (`oneroof rollback --full`): back to the
-- baseline from any state the packet can leave. Everything the release made lives in schema
-- loyalty, so this is one DROP SCHEMA loyalty CASCADE in one transaction, fenced:
--   before  the packet lock; the schema is ours (its ledger has a tier 10 row, else REFUSED: we
--           never drop a schema we did not make); no view outside it reads it (else REFUSED,
--           naming them: CASCADE would take them along)
--   after   schema absent (else ASSERT rollback_full.schema_absent, and nothing is dropped)
-- Nothing to undo: ONEROOF ROLLBACK 99 SKIP full: not applied. Approvals (app.approval) stay.
--
--   psql -X -v ON_ERROR_STOP=1 -f prod_rollback/99_rollback_full.sql
SET client_min_messages = notice;
\ir ../prod/_session.sql
SELECT to_regnamespace('loyalty') IS NOT NULL AS oneroof_release_present \gset
\if :oneroof_release_present
BEGIN;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 99 BEGIN full'; END $$;
DO $guard$
DECLARE
  v_views text;
BEGIN
  IF NOT pg_try_advisory_xact_lock(32497584202605938) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: another session holds the packet lock (advisory lock 32497584202605938); full rollback not started';
  END IF;
  IF to_regclass('loyalty.ledger') IS NULL OR NOT EXISTS (SELECT 1 FROM loyalty.ledger l WHERE l.tier = 10) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: schema loyalty has no tier 10 ledger row; not made by this packet, not dropping it';
  END IF;
  SELECT string_agg(DISTINCT v.oid::regclass::text, ', ') INTO v_views
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.oid = d.objid
    JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
    JOIN pg_catalog.pg_class t ON d.refclassid = 'pg_catalog.pg_class'::regclass AND t.oid = d.refobjid
   WHERE t.relnamespace = 'loyalty'::regnamespace AND v.relnamespace <> 'loyalty'::regnamespace;
  IF v_views IS NOT NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: views outside schema loyalty read it (%); drop or change them first', v_views;
  END IF;
END
$guard$;
SET LOCAL lock_timeout = '10s';
DROP SCHEMA loyalty CASCADE;
DO $assert$
BEGIN
  IF to_regnamespace('loyalty') IS NOT NULL THEN
    RAISE EXCEPTION 'ASSERT rollback_full.schema_absent: expected no schema loyalty, got present';
  END IF;
END
$assert$;
COMMIT;
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 99 COMMIT full'; END $$;
\else
DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 99 SKIP full: not applied'; END $$;
\endif
DO $$ BEGIN RAISE NOTICE 'ONEROOF END 99_rollback_full'; END $$;
