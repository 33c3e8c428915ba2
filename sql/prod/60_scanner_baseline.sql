-- sql/prod/60_scanner_baseline.sql — tier 6 (60): the scanner baseline. governance.scan()'s
-- rules are catalogued and its findings recorded as the baseline, fail-closed: an error in the
-- scanner, a count other than the revalidated 38, any invariant finding (something tiers 20..50
-- should have established), or two scans that disagree, and nothing of the tier is committed.
--
--   psql -X -v ON_ERROR_STOP=1 -v ratified_apr=APR-... -U workflow_admin -d directus -f sql/prod/60_scanner_baseline.sql
--
-- The 38 on the golden clone (sql/README.md, "Scanner"): 7 entity.no_primary_key,
-- 21 entity.undocumented, 6 user.active_without_role, 2 owner.no_active_steward,
-- 2 role.unexpected_admin_access. 38 is fixed here on purpose: production is the golden
-- clone's original; if it reports another number, stop and re-validate rather than baseline
-- something nobody has looked at.
--
-- One transaction: BEGIN; guard; scan and check; catalogue + baseline; assert; ledger + event
-- scanner.baselined; COMMIT.  Rollback: prod_rollback/60_rollback_scanner_baseline.sql.
SET client_min_messages = notice;
\ir _session.sql

SELECT to_regclass('governance.ledger') IS NOT NULL AS oneroof_ledger_exists \gset
\if :oneroof_ledger_exists
SELECT EXISTS (SELECT 1 FROM governance.ledger WHERE tier = 60 AND rolled_back_at IS NULL) AS oneroof_tier_applied \gset
\else
\set oneroof_tier_applied false
\endif

\if :oneroof_tier_applied
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 60 SKIP scanner_baseline: already applied'; END $$;
\else
:oneroof_tier_begin;   -- BEGIN; in a dry run SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 60 BEGIN scanner_baseline'; END $$;
SELECT set_config('oneroof.tier', '60', true) AS oneroof_tier,
       set_config('oneroof.tier_name', 'scanner_baseline', true) AS oneroof_tier_name,
       set_config('oneroof.tier_file', 'prod/60_scanner_baseline.sql', true) AS oneroof_tier_file,
       set_config('oneroof.tier_includes', 'prod/_session.sql,prod/_guard.sql,prod/_record.sql', true) AS oneroof_tier_includes,
       set_config('oneroof.tier_event', 'scanner.baselined', true) AS oneroof_tier_event,
       set_config('oneroof.tier_detail', '', true) AS oneroof_tier_detail,
       set_config('oneroof.scanner_expected', '38', true) AS oneroof_scanner_expected \gset
\ir _guard.sql

-- The rule catalogue: what governance.scan() can report and why it matters.
INSERT INTO governance.scanner_rule (rule, kind, severity, rationale) VALUES
  ('entity.unplaced',              'invariant', 'high',   'every governed entity sits on the responsibility axis (tier 20)'),
  ('entity.unowned',               'invariant', 'high',   'every governed entity has a sovereign owner (tier 30)'),
  ('entity.owner_conflict',        'invariant', 'high',   'no governed entity has two sovereign owners (tier 30)'),
  ('entity.owner_orphan',          'invariant', 'high',   'ownership points at a live entity and a live role (tier 30)'),
  ('entity.owner_mismatch',        'invariant', 'high',   'the owner is the steward of the entity''s axis point (tier 30)'),
  ('entity.uncontained',           'invariant', 'high',   'every governed entity is inside its axis point''s boundary (tier 40)'),
  ('entity.topic_divergent',       'invariant', 'medium', 'every finalized topic is the reference set''s topic (tier 50)'),
  ('entity.topic_projection',      'invariant', 'medium', 'every topic lies on its entity''s axis point (tier 50)'),
  ('entity.no_primary_key',        'debt',      'medium', 'a table without a primary key cannot be audited row by row'),
  ('entity.undocumented',          'debt',      'low',    'a collection without a note cannot be reviewed by its owner'),
  ('user.active_without_role',     'debt',      'high',   'an active account outside every role is outside governance'),
  ('owner.no_active_steward',      'debt',      'high',   'ownership nobody can exercise: the owner role has no active member'),
  ('role.unexpected_admin_access', 'debt',      'high',   'admin access bypasses ownership; only Administrator should have it');

-- Scan, and refuse to baseline anything unexpected.
DO $scan$
DECLARE
  v_expected bigint := current_setting('oneroof.scanner_expected')::bigint;
  v_findings bigint;
  v_invariant bigint;
  v_uncatalogued bigint;
BEGIN
  SELECT count(*),
         count(*) FILTER (WHERE r.kind = 'invariant'),
         count(*) FILTER (WHERE r.rule IS NULL)
    INTO v_findings, v_invariant, v_uncatalogued
    FROM governance.scan() f LEFT JOIN governance.scanner_rule r ON r.rule = f.rule;
  IF v_invariant <> 0 THEN
    RAISE EXCEPTION 'ASSERT tier60.invariant_findings_zero: expected 0, got %', v_invariant;
  END IF;
  IF v_uncatalogued <> 0 THEN
    RAISE EXCEPTION 'ASSERT tier60.uncatalogued_zero: expected 0, got %', v_uncatalogued;
  END IF;
  IF v_findings <> v_expected THEN
    RAISE EXCEPTION 'ASSERT tier60.scanner_count: expected %, got %', v_expected, v_findings;
  END IF;
END
$scan$;

INSERT INTO governance.scanner_baseline (rule, subject, detail, apr_code)
SELECT f.rule, f.subject, f.detail, current_setting('oneroof.ratified_apr')
  FROM governance.scan() f;

DO $assert$
DECLARE
  v_expected bigint := current_setting('oneroof.scanner_expected')::bigint;
  v_baseline bigint;
  v_first text;
  v_second text;
  v_new bigint;
BEGIN
  SELECT count(*) INTO v_baseline FROM governance.scanner_baseline;
  IF v_baseline <> v_expected THEN
    RAISE EXCEPTION 'ASSERT tier60.baseline: expected %, got %', v_expected, v_baseline;
  END IF;
  -- Idempotence: a second scan reports the same findings, and nothing outside the baseline.
  SELECT encode(sha256(convert_to(coalesce(string_agg(f.rule || '|' || f.subject || '|' || f.detail, E'\n'
                                                      ORDER BY f.rule COLLATE "C", f.subject COLLATE "C"), ''), 'UTF8')), 'hex')
    INTO v_first FROM governance.scanner_baseline f;
  SELECT encode(sha256(convert_to(coalesce(string_agg(f.rule || '|' || f.subject || '|' || f.detail, E'\n'
                                                      ORDER BY f.rule COLLATE "C", f.subject COLLATE "C"), ''), 'UTF8')), 'hex')
    INTO v_second FROM governance.scan() f;
  IF v_first <> v_second THEN
    RAISE EXCEPTION 'ASSERT tier60.scanner_stable: expected findings sha256 %, got %', v_first, v_second;
  END IF;
  SELECT count(*) INTO v_new FROM governance.v_scanner_new;
  IF v_new <> 0 THEN RAISE EXCEPTION 'ASSERT tier60.new_zero: expected 0, got %', v_new; END IF;
  PERFORM set_config('oneroof.tier_detail', jsonb_build_object(
    'findings', v_baseline, 'findings_sha256', v_first,
    'by_rule', (SELECT jsonb_object_agg(s.rule, s.live) FROM governance.v_scanner_summary s WHERE s.live > 0))::text, true);
END
$assert$;

\ir _record.sql
:oneroof_tier_commit;  -- COMMIT; in a dry run RELEASE SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 60 COMMIT scanner_baseline'; END $$;
\endif
