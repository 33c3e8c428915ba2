-- prod/00_preflight.sql — read-only GO / NO-GO (`oneroof preflight`; 99_run_all.sql runs it
-- first, so a closed gate stops the release before anything changes). One READ ONLY
-- transaction: it cannot change anything. Prints one line per check,
--   ONEROOF PREFLIGHT PASS <check>: <observed>
--   ONEROOF PREFLIGHT FAIL <check>: expected <expected>, got <observed>
-- then ONEROOF PREFLIGHT GO, or raises ONEROOF NO-GO: <check>, … (psql exit 3). The checks:
--   role           the apply role (-v apply_user, default: this session's) may CREATE here
--   prerequisites  what the packet reads exists (../prod_verify/_prerequisites.sql, through the
--                  catalogue): each missing schema, table or column named
--   gate.approval  -v approval names a ratified row of app.approval
--   state          baseline (no schema loyalty), or tiers applied in order by these very files
--
--   psql -X -v ON_ERROR_STOP=1 -v approval=APR-2026-0001 -f prod/00_preflight.sql
SET client_min_messages = notice;
\ir _session.sql
\if :{?apply_user}
SELECT set_config('release.apply_user', :'apply_user', false) AS oneroof_apply_user_set \gset
\else
SELECT set_config('release.apply_user', current_user, false) AS oneroof_apply_user_set \gset
\endif
\ir ../prod_verify/_prerequisites.sql

BEGIN READ ONLY;
DO $preflight$
DECLARE
  v_code    text := current_setting('release.approval');
  v_user    text := current_setting('release.apply_user');
  v_tiers   int[] := string_to_array(current_setting('release.tiers'), ',')::int[];
  v_sums    jsonb := current_setting('release.checksums')::jsonb;
  v_missing text := current_setting('release.prerequisites_missing');
  v_ready   boolean := v_missing = '';
  v_applied int[];
  v_text    text;
  v_ok      boolean;
  -- the checks, in order: name, ok, expected, observed
  c_name text[] := ARRAY['role', 'prerequisites', 'gate.approval', 'state'];
  c_ok   boolean[];
  c_want text[];
  c_got  text[];
  v_failed text[] := '{}';
  v_detail text[] := '{}';
BEGIN
  -- role
  c_want[1] := format('a role with CREATE on database %s', current_database());
  c_ok[1] := EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = v_user)
             AND has_database_privilege(v_user, current_database(), 'CREATE');
  c_got[1] := format('%s (%s)', v_user, CASE WHEN c_ok[1] THEN 'may CREATE' ELSE 'missing, or no CREATE' END);
  -- prerequisites
  c_want[2] := 'what the packet reads: tables app.customer, app.approval (and loyalty''s, once it exists), with their columns';
  c_ok[2] := v_ready;
  c_got[2] := CASE WHEN v_ready THEN 'all present' ELSE 'missing ' || v_missing END;
  -- gate.approval
  c_want[3] := 'a ratified approval named by -v approval';
  IF v_ready AND v_code <> '' THEN
    SELECT format('%L %s', a.code, a.status), a.status = 'ratified' INTO v_text, v_ok
      FROM app.approval a WHERE a.code = v_code;
  END IF;
  c_ok[3] := coalesce(v_ok, false);
  c_got[3] := coalesce(v_text, CASE WHEN v_code = '' THEN 'approval not set' WHEN NOT v_ready THEN 'not checked: prerequisites missing'
                                    ELSE format('no approval %L', v_code) END);
  -- state
  c_want[4] := 'baseline (no schema loyalty) or tiers applied in order by this packet';
  IF to_regnamespace('loyalty') IS NULL THEN
    c_ok[4] := true; c_got[4] := 'baseline (schema loyalty absent)';
  ELSIF NOT v_ready THEN
    c_ok[4] := false; c_got[4] := 'not checked: prerequisites missing';
  ELSE
    SELECT coalesce(array_agg(l.tier ORDER BY l.tier), '{}'),
           string_agg(l.file, ', ') FILTER (WHERE l.file_sha256 IS DISTINCT FROM v_sums ->> l.file)
      INTO v_applied, v_text FROM loyalty.ledger l WHERE l.rolled_back_at IS NULL;
    c_ok[4] := v_text IS NULL AND v_applied = v_tiers[1:cardinality(v_applied)];
    c_got[4] := CASE WHEN v_text IS NOT NULL THEN 'applied by another version of the packet: ' || v_text
                     ELSE format('tiers applied: %s', coalesce(nullif(array_to_string(v_applied, ', '), ''), 'none')) END;
  END IF;

  RAISE NOTICE 'ONEROOF PREFLIGHT INFO server_version: %', current_setting('server_version');
  FOR i IN 1 .. cardinality(c_name) LOOP
    IF c_ok[i] THEN
      RAISE NOTICE 'ONEROOF PREFLIGHT PASS %: %', c_name[i], c_got[i];
    ELSE
      RAISE NOTICE 'ONEROOF PREFLIGHT FAIL %: expected %, got %', c_name[i], c_want[i], c_got[i];
      v_failed := v_failed || c_name[i];
      v_detail := v_detail || format('%s: expected %s, got %s', c_name[i], c_want[i], c_got[i]);
    END IF;
  END LOOP;
  IF cardinality(v_failed) > 0 THEN
    RAISE EXCEPTION 'ONEROOF NO-GO: %', array_to_string(v_failed, ', ') USING DETAIL = array_to_string(v_detail, '; ');
  END IF;
  RAISE NOTICE 'ONEROOF PREFLIGHT GO';
END
$preflight$;
COMMIT;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 00_preflight'; END $$;
