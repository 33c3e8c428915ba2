-- sql/prod/00_preflight.sql — read-only GO / NO-GO. Run it standalone first; 99_run_all.sql runs
-- it before anything else, so a closed gate aborts the executor before any mutation.
--
--   psql -X -v ON_ERROR_STOP=1 -v ratified_apr=APR-... -U workflow_admin -d directus -f sql/prod/00_preflight.sql
--
-- Runs in one READ ONLY transaction (it cannot change anything, not even by mistake). Prints
--   ONEROOF PREFLIGHT INFO <name>: <value>                     context for the log
--   ONEROOF PREFLIGHT PASS <check>: <observed>                  one per precondition that holds
--   ONEROOF PREFLIGHT FAIL <check>: expected <e>, got <o>       one per unmet precondition
-- and ends with ONEROOF PREFLIGHT GO, or raises ONEROOF NO-GO: <check>[, <check>...] (psql exit 3
-- under ON_ERROR_STOP), naming every unmet check. Checks, in order:
--   database             current_database() is directus
--   role                 the apply role (-v apply_user=ROLE, default: the session's own role) has CREATE
--                        on the database and sees every session (superuser or pg_read_all_stats);
--                        oneroof runs this file as its read role and passes the apply role here
--   server_version       PostgreSQL 15 (what the packet was validated on)
--   prerequisites        public.directus_collections, directus_roles, directus_users, os_proposals, os_proposal_approvals
--                        and the columns the packet reads, through the catalogue (../prod_verify/_prerequisites.sql);
--                        each missing schema, table or column named. The checks below that read these tables
--                        are then not run (FAIL, "not checked: prerequisites missing"), never a raw SQL error
--   gate.ospa            os_proposal_approvals >= 1
--   gate.apr_ratified    :'ratified_apr' names a ratified L2/L4 approval
--   idle_in_transaction  no other session on this database is idle in transaction
--   state                baseline (no schema governance), or tiers applied in order by this very packet; a schema
--                        governance without the ledger, views and scanner the packet made is named (not ours)
--   reference.axis       every axis steward names one Directus role; every governed entity on exactly one axis point
--   reference.topics     every governed entity matches exactly one reference topic, on its own axis point
SET client_min_messages = notice;
\ir _session.sql
\ir _reference.sql
\ir ../prod_verify/_fingerprint_query.sql
\set oneroof_requires preflight
\ir ../prod_verify/_prerequisites.sql
\if :{?apply_user}
SELECT set_config('oneroof.apply_user', :'apply_user', false) AS oneroof_apply_user_set \gset
\else
SELECT set_config('oneroof.apply_user', current_user, false) AS oneroof_apply_user_set \gset
\endif

BEGIN READ ONLY;
\ir ../prod_verify/_canonical_on.sql
SELECT encode(sha256(convert_to(string_agg(s.section || ' ' || s.items || ' ' || s.digest, E'\n' ORDER BY s.section COLLATE "C"),
                                'UTF8')), 'hex') AS oneroof_preflight_fingerprint
  FROM (:oneroof_fp_sections_sql) AS s \gset
\ir ../prod_verify/_canonical_off.sql
SELECT set_config('oneroof.reference', :'oneroof_reference', true) AS oneroof_reference_set,
       set_config('oneroof.fingerprint', :'oneroof_preflight_fingerprint', true) AS oneroof_fingerprint_set \gset

DO $preflight$
DECLARE
  v_ref        jsonb := current_setting('oneroof.reference')::jsonb;
  v_checksums  jsonb := current_setting('oneroof.checksums')::jsonb;
  v_apr        text := coalesce(current_setting('oneroof.ratified_apr', true), '');
  v_apr_given  boolean := coalesce(current_setting('oneroof.ratified_apr_given', true), 'off') = 'on';
  -- the checks, in order: name, ok, expected, observed
  c_name       text[] := '{}';
  c_ok         boolean[] := '{}';
  c_expected   text[] := '{}';
  c_observed   text[] := '{}';
  v_failed     text[] := '{}';
  v_details    text[] := '{}';
  v_prereqs    text[] := ARRAY['public.directus_collections', 'public.directus_roles', 'public.directus_users',
                               'public.os_proposals', 'public.os_proposal_approvals'];
  v_missing    text := current_setting('oneroof.prerequisites_missing_public');
  v_missing_gov text := current_setting('oneroof.prerequisites_missing_governance');
  v_have_directus boolean;
  v_apply      text := current_setting('oneroof.apply_user');
  v_super      boolean;
  v_create     boolean;
  v_stats      boolean;
  v_ospa       bigint;
  v_text       text;
  v_count      bigint;
  v_ok         boolean;
  v_applied    int[];
  v_governed   bigint;
  v_unplaced   text;
  v_ambiguous  text;
  v_stewards   text;
  i            int;
BEGIN
  -- INFO: context for whoever reads the log.
  RAISE NOTICE 'ONEROOF PREFLIGHT INFO server_version: %', version();
  RAISE NOTICE 'ONEROOF PREFLIGHT INFO axis_reference_sha256: % (% axis points, sql/prod/_reference.sql)',
    encode(sha256(convert_to((v_ref -> 'axis')::text, 'UTF8')), 'hex'), jsonb_array_length(v_ref -> 'axis');
  RAISE NOTICE 'ONEROOF PREFLIGHT INFO topic_reference_sha256: % (% topics, sql/prod/_reference.sql; operator review advised)',
    encode(sha256(convert_to((v_ref -> 'topics')::text, 'UTF8')), 'hex'), jsonb_array_length(v_ref -> 'topics');
  RAISE NOTICE 'ONEROOF PREFLIGHT INFO fingerprint: %', current_setting('oneroof.fingerprint');
  RAISE NOTICE 'ONEROOF PREFLIGHT INFO session_role: % (superuser %)', current_user,
    (SELECT CASE WHEN r.rolsuper THEN 'yes' ELSE 'no' END FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
  RAISE NOTICE 'ONEROOF PREFLIGHT INFO golden_clone: %',
    coalesce(nullif(current_setting('oneroof.golden_clone', true), '') || ' (a rehearsal database)', 'absent (not a golden clone)');

  -- database
  c_name := c_name || 'database'::text; c_ok := c_ok || (current_database() = 'directus');
  c_expected := c_expected || 'directus'::text; c_observed := c_observed || current_database()::text;

  -- role
  -- (of the apply role, read from pg_roles: the session may be a read role that could not apply)
  SELECT r.rolsuper INTO v_super FROM pg_catalog.pg_roles r WHERE r.rolname = v_apply;
  c_name := c_name || 'role'::text;
  c_expected := c_expected || format('a role with CREATE on %s that sees every session (superuser or pg_read_all_stats)', current_database());
  IF v_super IS NULL THEN
    c_ok := c_ok || false; c_observed := c_observed || format('%s does not exist', v_apply);
  ELSE
    v_create := has_database_privilege(v_apply, current_database(), 'CREATE');
    v_stats := v_super OR pg_has_role(v_apply, 'pg_read_all_stats', 'USAGE');
    c_ok := c_ok || (v_create AND v_stats);
    c_observed := c_observed || format('%s (superuser %s, CREATE %s, sees every session %s)', v_apply,
                                       CASE WHEN v_super THEN 'yes' ELSE 'no' END, CASE WHEN v_create THEN 'yes' ELSE 'no' END,
                                       CASE WHEN v_stats THEN 'yes' ELSE 'no' END);
  END IF;

  -- server_version
  c_name := c_name || 'server_version'::text;
  c_ok := c_ok || (current_setting('server_version_num')::int / 10000 = 15);
  c_expected := c_expected || '15.x'::text; c_observed := c_observed || current_setting('server_version');

  -- prerequisites
  -- (the catalogue, read by ../prod_verify/_prerequisites.sql: a missing column is named too)
  v_have_directus := v_missing = '';
  c_name := c_name || 'prerequisites'::text; c_ok := c_ok || v_have_directus;
  c_expected := c_expected || ('tables ' || array_to_string(v_prereqs, ', ') || ' with the columns the packet reads');
  c_observed := c_observed || CASE WHEN v_have_directus THEN 'all 5 present' ELSE 'missing ' || v_missing END;

  -- gate.ospa, gate.apr_ratified (the same rules as _guard.sql)
  c_name := c_name || 'gate.ospa'::text; c_expected := c_expected || '>= 1'::text;
  IF NOT v_have_directus THEN
    c_ok := c_ok || false; c_observed := c_observed || 'not checked: prerequisites missing'::text;
  ELSE
    SELECT count(*) INTO v_ospa FROM public.os_proposal_approvals;
    c_ok := c_ok || (v_ospa >= 1); c_observed := c_observed || v_ospa::text;
  END IF;
  c_name := c_name || 'gate.apr_ratified'::text;
  c_expected := c_expected || CASE WHEN v_apr_given AND v_apr <> '' THEN format('a ratified L2/L4 approval for %L', v_apr)
                                   ELSE 'a ratified L2/L4 approval named by -v ratified_apr' END;
  IF NOT v_apr_given THEN
    c_ok := c_ok || false; c_observed := c_observed || 'ratified_apr not set'::text;
  ELSIF v_apr = '' THEN
    c_ok := c_ok || false; c_observed := c_observed || 'an empty ratified_apr'::text;
  ELSIF NOT v_have_directus THEN
    c_ok := c_ok || false; c_observed := c_observed || 'not checked: prerequisites missing'::text;
  ELSE
    SELECT format('%L (%s ratified, proposal %s, decided %s)', a.apr_code, a.level, a.proposal,
                  coalesce(to_char(a.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '?'))
      INTO v_text
      FROM public.os_proposal_approvals a
     WHERE a.apr_code = v_apr AND a.status = 'ratified' AND a.level IN ('L2', 'L4')
     ORDER BY a.level DESC LIMIT 1;
    IF v_text IS NOT NULL THEN
      c_ok := c_ok || true; c_observed := c_observed || v_text;
    ELSE
      SELECT string_agg(a.level || ' ' || a.status, ', ' ORDER BY a.level) INTO v_text
        FROM public.os_proposal_approvals a WHERE a.apr_code = v_apr;
      c_ok := c_ok || false; c_observed := c_observed || coalesce(v_text, 'no approval with that code');
    END IF;
  END IF;

  -- idle_in_transaction
  SELECT count(*),
         string_agg(format('pid %s user %s application %s, %s since %s', s.pid, s.usename,
                           coalesce(nullif(s.application_name, ''), '-'), s.state,
                           to_char(s.state_change AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')), '; ' ORDER BY s.pid)
    INTO v_count, v_text
    FROM pg_catalog.pg_stat_activity s
   WHERE s.datname = current_database() AND s.pid <> pg_backend_pid()
     AND s.state IN ('idle in transaction', 'idle in transaction (aborted)');
  c_name := c_name || 'idle_in_transaction'::text; c_ok := c_ok || (v_count = 0);
  c_expected := c_expected || '0'::text;
  c_observed := c_observed || CASE WHEN v_count = 0 THEN '0' ELSE v_count || ' (' || v_text || ')' END;

  -- state
  c_name := c_name || 'state'::text;
  c_expected := c_expected || 'baseline (no schema governance) or tiers applied in order by this packet'::text;
  IF to_regnamespace('governance') IS NULL THEN
    c_ok := c_ok || true; c_observed := c_observed || 'baseline (schema governance absent)'::text;
  ELSIF v_missing_gov <> '' THEN
    c_ok := c_ok || false;
    c_observed := c_observed || ('schema governance present, not this packet''s structure: missing ' || v_missing_gov);
  ELSE
    SELECT coalesce(array_agg(l.tier ORDER BY l.tier), '{}') INTO v_applied FROM governance.ledger l WHERE l.rolled_back_at IS NULL;
    SELECT string_agg(format('%s (ledger %s, packet %s)', l.file, left(l.file_sha256, 12),
                             coalesce(left(v_checksums ->> l.file, 12), 'none')), '; ' ORDER BY l.tier)
      INTO v_text
      FROM governance.ledger l
     WHERE l.rolled_back_at IS NULL AND l.file_sha256 IS DISTINCT FROM v_checksums ->> l.file;
    v_ok := cardinality(v_applied) > 0
            AND v_applied = (ARRAY[10, 20, 30, 40, 50, 60])[1:cardinality(v_applied)]
            AND v_text IS NULL;
    c_ok := c_ok || v_ok;
    c_observed := c_observed || CASE
      WHEN cardinality(v_applied) = 0 THEN 'schema governance present, no tier applied in the ledger'
      WHEN v_text IS NOT NULL THEN format('tiers %s applied by another packet version: %s', array_to_string(v_applied, ', '), v_text)
      WHEN NOT v_ok THEN format('tiers %s applied, not in order', array_to_string(v_applied, ', '))
      ELSE format('tiers %s applied in order by this packet', array_to_string(v_applied, ', ')) END;
  END IF;

  -- reference.axis, reference.topics: the reference sets against the live graph (need the
  -- Directus tables). Governed entity: as governance.v_governed_entity (keep in step).
  c_name := c_name || 'reference.axis'::text;
  c_expected := c_expected || 'every axis steward naming one Directus role, every governed entity on exactly one axis point'::text;
  c_name := c_name || 'reference.topics'::text;
  c_expected := c_expected || 'every governed entity matching exactly one reference topic, on its own axis point'::text;
  IF NOT v_have_directus THEN
    c_ok := c_ok || ARRAY[false, false];
    c_observed := c_observed || ARRAY['not checked: prerequisites missing', 'not checked: prerequisites missing'];
  ELSE
    SELECT string_agg(a.steward || ' (' || m.n || ' roles)', ', ' ORDER BY a.ordinal) FILTER (WHERE m.n <> 1)
      INTO v_stewards
      FROM jsonb_to_recordset(v_ref -> 'axis') AS a (ordinal int, steward text)
     CROSS JOIN LATERAL (SELECT count(*) AS n FROM public.directus_roles r WHERE r.name = a.steward) AS m;
    WITH governed AS (
      SELECT c.collection::text AS collection
        FROM public.directus_collections c
        JOIN pg_catalog.pg_class t ON t.relname = c.collection::text AND t.relkind IN ('r', 'p')
                                  AND t.relnamespace = 'public'::regnamespace
       WHERE c.collection::text NOT LIKE 'directus\_%'
    ), m AS (
      SELECT g.collection,
             (SELECT count(*) FROM jsonb_to_recordset(v_ref -> 'axis') AS a (prefix text)
               WHERE starts_with(g.collection, a.prefix)) AS n
        FROM governed g
    )
    SELECT count(*),
           count(*) FILTER (WHERE n = 0) || ' on no axis point ('
             || array_to_string((array_agg(collection ORDER BY collection) FILTER (WHERE n = 0))[1:10], ', ') || ')',
           count(*) FILTER (WHERE n > 1) || ' on several ('
             || array_to_string((array_agg(collection ORDER BY collection) FILTER (WHERE n > 1))[1:10], ', ') || ')'
      INTO v_governed, v_unplaced, v_ambiguous
      FROM m;
    v_ok := v_stewards IS NULL AND v_unplaced IS NULL AND v_ambiguous IS NULL;
    c_ok := c_ok || v_ok;
    c_observed := c_observed || CASE WHEN v_ok
      THEN format('%s axis points, stewards resolve, %s governed entities each on exactly one',
                  jsonb_array_length(v_ref -> 'axis'), v_governed)
      ELSE concat_ws('; ', 'stewards not naming one role: ' || v_stewards, v_unplaced, v_ambiguous) END;

    WITH governed AS (
      SELECT c.collection::text AS collection
        FROM public.directus_collections c
        JOIN pg_catalog.pg_class t ON t.relname = c.collection::text AND t.relkind IN ('r', 'p')
                                  AND t.relnamespace = 'public'::regnamespace
       WHERE c.collection::text NOT LIKE 'directus\_%'
    ), axis AS (
      SELECT * FROM jsonb_to_recordset(v_ref -> 'axis') AS a (code text, prefix text)
    ), topics AS (
      SELECT * FROM jsonb_to_recordset(v_ref -> 'topics') AS t (code text, axis text, prefix text)
    ), m AS (
      SELECT g.collection,
             (SELECT count(*) FROM topics t WHERE starts_with(g.collection, t.prefix)) AS n,
             (SELECT count(*) FROM topics t LEFT JOIN axis a ON a.code = t.axis
               WHERE starts_with(g.collection, t.prefix)
                 AND (a.code IS NULL OR NOT starts_with(g.collection, a.prefix))) AS off_axis
        FROM governed g
    )
    SELECT count(*) FILTER (WHERE n = 0) || ' matching no topic ('
             || array_to_string((array_agg(collection ORDER BY collection) FILTER (WHERE n = 0))[1:10], ', ') || ')',
           count(*) FILTER (WHERE n > 1) || ' matching several ('
             || array_to_string((array_agg(collection ORDER BY collection) FILTER (WHERE n > 1))[1:10], ', ') || ')',
           count(*) FILTER (WHERE off_axis > 0) || ' whose topic lies on another axis point ('
             || array_to_string((array_agg(collection ORDER BY collection) FILTER (WHERE off_axis > 0))[1:10], ', ') || ')'
      INTO v_unplaced, v_ambiguous, v_text
      FROM m;
    v_ok := v_unplaced IS NULL AND v_ambiguous IS NULL AND v_text IS NULL;
    c_ok := c_ok || v_ok;
    c_observed := c_observed || CASE WHEN v_ok
      THEN format('%s topics, %s governed entities each matching exactly one, on its own axis point',
                  jsonb_array_length(v_ref -> 'topics'), v_governed)
      ELSE concat_ws('; ', v_unplaced, v_ambiguous, v_text) END;
    RAISE NOTICE 'ONEROOF PREFLIGHT INFO governed_entities: %', v_governed;
  END IF;

  -- The verdict.
  FOR i IN 1 .. cardinality(c_name) LOOP
    IF c_ok[i] THEN
      RAISE NOTICE 'ONEROOF PREFLIGHT PASS %: %', c_name[i], c_observed[i];
    ELSE
      RAISE NOTICE 'ONEROOF PREFLIGHT FAIL %: expected %, got %', c_name[i], c_expected[i], c_observed[i];
      v_failed := v_failed || c_name[i];
      v_details := v_details || format('%s: expected %s, got %s', c_name[i], c_expected[i], c_observed[i]);
    END IF;
  END LOOP;
  IF cardinality(v_failed) > 0 THEN
    RAISE EXCEPTION 'ONEROOF NO-GO: %', array_to_string(v_failed, ', ')
      USING DETAIL = array_to_string(v_details, '; ');
  END IF;
  RAISE NOTICE 'ONEROOF PREFLIGHT GO';
END
$preflight$;
COMMIT;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 00_preflight'; END $$;
