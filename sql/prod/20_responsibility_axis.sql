-- sql/prod/20_responsibility_axis.sql — tier 2 (20): the responsibility axis exists and is
-- populated. 7 axis points from _reference.sql (each with its steward, a Directus role resolved
-- by name), and every governed entity placed on exactly one of them by its name prefix.
--
--   psql -X -v ON_ERROR_STOP=1 -v ratified_apr=APR-... -U workflow_admin -d directus -f sql/prod/20_responsibility_axis.sql
--
-- One transaction: BEGIN; guard; check the reference resolves; insert; assert; ledger + event
-- axis.established; COMMIT.  Rollback: prod_rollback/20_rollback_responsibility_axis.sql.
SET client_min_messages = notice;
\ir _session.sql
\ir _reference.sql

SELECT to_regclass('governance.ledger') IS NOT NULL AS oneroof_ledger_exists \gset
\if :oneroof_ledger_exists
SELECT EXISTS (SELECT 1 FROM governance.ledger WHERE tier = 20 AND rolled_back_at IS NULL) AS oneroof_tier_applied \gset
\else
\set oneroof_tier_applied false
\endif

\if :oneroof_tier_applied
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 20 SKIP responsibility_axis: already applied'; END $$;
\else
:oneroof_tier_begin;   -- BEGIN; in a dry run SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 20 BEGIN responsibility_axis'; END $$;
SELECT set_config('oneroof.tier', '20', true) AS oneroof_tier,
       set_config('oneroof.tier_name', 'responsibility_axis', true) AS oneroof_tier_name,
       set_config('oneroof.tier_file', 'prod/20_responsibility_axis.sql', true) AS oneroof_tier_file,
       set_config('oneroof.tier_includes', 'prod/_session.sql,prod/_guard.sql,prod/_reference.sql,prod/_record.sql', true) AS oneroof_tier_includes,
       set_config('oneroof.tier_event', 'axis.established', true) AS oneroof_tier_event,
       set_config('oneroof.tier_detail', '', true) AS oneroof_tier_detail,
       set_config('oneroof.reference', :'oneroof_reference', true) AS oneroof_reference_set \gset
\ir _guard.sql

-- Before inserting: every steward resolves to exactly one Directus role, and no governed entity
-- matches two axis prefixes (the insert would fail on a key, less clearly).
DO $precheck$
DECLARE
  v_ref jsonb := current_setting('oneroof.reference')::jsonb;
  v_bad text;
  v_count bigint;
BEGIN
  SELECT count(*), string_agg(a.steward || ' (' || n || ' roles)', ', ' ORDER BY a.ordinal) FILTER (WHERE n <> 1)
    INTO v_count, v_bad
    FROM jsonb_to_recordset(v_ref -> 'axis') AS a (ordinal int, steward text)
   CROSS JOIN LATERAL (SELECT count(*) AS n FROM public.directus_roles r WHERE r.name = a.steward) AS m;
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'ASSERT tier20.stewards_resolved: expected % stewards naming exactly one Directus role each, got %', v_count, v_bad;
  END IF;
  SELECT count(*) INTO v_count
    FROM governance.v_governed_entity g
   WHERE (SELECT count(*) FROM jsonb_to_recordset(v_ref -> 'axis') AS a (prefix text)
           WHERE starts_with(g.collection, a.prefix)) > 1;
  IF v_count <> 0 THEN
    RAISE EXCEPTION 'ASSERT tier20.placement_unambiguous: expected 0 entities matching several axis prefixes, got %', v_count;
  END IF;
END
$precheck$;

INSERT INTO governance.responsibility_axis
       (axis_code, ordinal, title, collection_prefix, steward_role_name, steward_role, directus_folder)
SELECT a.code, a.ordinal, a.title, a.prefix, a.steward, r.id, a.folder
  FROM jsonb_to_recordset(current_setting('oneroof.reference')::jsonb -> 'axis')
       AS a (code text, ordinal smallint, title text, prefix text, steward text, folder text)
  JOIN public.directus_roles r ON r.name = a.steward;

INSERT INTO governance.axis_placement (collection, axis_code)
SELECT g.collection, a.axis_code
  FROM governance.v_governed_entity g
  JOIN governance.responsibility_axis a ON starts_with(g.collection, a.collection_prefix);

DO $assert$
DECLARE
  v_expected_points int := jsonb_array_length(current_setting('oneroof.reference')::jsonb -> 'axis');
  v_points bigint;
  v_governed bigint;
  v_placed bigint;
  v_unplaced bigint;
  v_misplaced bigint;
BEGIN
  SELECT count(*) INTO v_points FROM governance.responsibility_axis;
  IF v_points <> v_expected_points THEN
    RAISE EXCEPTION 'ASSERT tier20.axis_points: expected %, got %', v_expected_points, v_points;
  END IF;
  SELECT count(*) INTO v_unplaced FROM governance.v_axis_unplaced;
  IF v_unplaced <> 0 THEN
    RAISE EXCEPTION 'ASSERT tier20.unplaced_zero: expected 0, got %', v_unplaced;
  END IF;
  SELECT count(*) INTO v_misplaced FROM governance.v_axis_misplaced;
  IF v_misplaced <> 0 THEN
    RAISE EXCEPTION 'ASSERT tier20.misplaced_zero: expected 0, got %', v_misplaced;
  END IF;
  SELECT count(*) INTO v_governed FROM governance.v_governed_entity;
  SELECT count(*) INTO v_placed FROM governance.axis_placement;
  IF v_placed <> v_governed THEN
    RAISE EXCEPTION 'ASSERT tier20.placed: expected %, got %', v_governed, v_placed;
  END IF;
  PERFORM set_config('oneroof.tier_detail', jsonb_build_object(
    'axis_points', v_points, 'placed', v_placed,
    'axis_reference_sha256', encode(sha256(convert_to((current_setting('oneroof.reference')::jsonb -> 'axis')::text, 'UTF8')), 'hex'),
    'placed_by_axis', (SELECT jsonb_object_agg(a.axis_code, a.placed) FROM governance.v_axis a))::text, true);
END
$assert$;

\ir _record.sql
:oneroof_tier_commit;  -- COMMIT; in a dry run RELEASE SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 20 COMMIT responsibility_axis'; END $$;
\endif
