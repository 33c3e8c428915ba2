-- sql/prod/90_verify.sql — the asserting verify suite; read-only. 99_run_all.sql runs it last;
-- run it by hand any time after the release:
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod/90_verify.sql
--
-- Prints ONEROOF VERIFY PASS <check>: <observed> per check and raises
-- ASSERT verify.<check>: expected <e>, got <o> on the first that fails (psql exit 3).
-- The checks are the rows of governance.v_verify (the seed's numbers: 11/31/1, 210 entities,
-- gap 0, conflict 0, containment gap 0, divergent 0, projection 0, scanner 38, ...), then two
-- that need this packet's files: ledger.checksums (every applied tier was applied from these
-- very files) and reference.matches (the finalized axis and topics are _reference.sql's).
-- No transaction control here: 20_revalidate.sql includes this file inside its transaction.
SET client_min_messages = notice;
\ir _session.sql
\ir _reference.sql
SELECT set_config('oneroof.reference', :'oneroof_reference', false) AS oneroof_reference_set \gset

DO $verify$
DECLARE
  r record;
  v_ref jsonb := current_setting('oneroof.reference')::jsonb;
  v_checksums jsonb := current_setting('oneroof.checksums')::jsonb;
  v_text text;
  v_count bigint;
BEGIN
  IF to_regnamespace('governance') IS NULL OR to_regclass('governance.v_verify') IS NULL THEN
    RAISE EXCEPTION 'ASSERT verify.structure: expected schema governance with view v_verify, got %',
      CASE WHEN to_regnamespace('governance') IS NULL THEN 'no schema governance' ELSE 'no view governance.v_verify' END;
  END IF;

  FOR r IN SELECT v.check_name, v.expected, v.observed, v.ok FROM governance.v_verify v ORDER BY v.ord LOOP
    IF r.ok THEN
      RAISE NOTICE 'ONEROOF VERIFY PASS %: %', r.check_name, r.observed;
    ELSE
      RAISE EXCEPTION 'ASSERT verify.%: expected %, got %', r.check_name, r.expected, r.observed;
    END IF;
  END LOOP;

  -- Every applied tier recorded the sha256 this packet has for its file.
  SELECT count(*), string_agg(format('%s %s', l.file, l.file_sha256), '; ' ORDER BY l.tier)
           FILTER (WHERE l.file_sha256 IS DISTINCT FROM v_checksums ->> l.file)
    INTO v_count, v_text
    FROM governance.ledger l WHERE l.rolled_back_at IS NULL;
  IF v_text IS NOT NULL THEN
    RAISE EXCEPTION 'ASSERT verify.ledger.checksums: expected the sha256 of this packet''s files, got %', v_text;
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS ledger.checksums: % applied tiers recorded this packet''s sha256', v_count;

  -- The finalized axis and topics are exactly the reference sets in _reference.sql.
  SELECT count(*) INTO v_count FROM (
    (SELECT a.code, a.ordinal, a.title, a.prefix, a.steward, a.folder
       FROM jsonb_to_recordset(v_ref -> 'axis')
            AS a (code text, ordinal smallint, title text, prefix text, steward text, folder text)
     EXCEPT
     SELECT x.axis_code, x.ordinal, x.title, x.collection_prefix, x.steward_role_name, x.directus_folder
       FROM governance.responsibility_axis x)
    UNION ALL
    (SELECT x.axis_code, x.ordinal, x.title, x.collection_prefix, x.steward_role_name, x.directus_folder
       FROM governance.responsibility_axis x
     EXCEPT
     SELECT a.code, a.ordinal, a.title, a.prefix, a.steward, a.folder
       FROM jsonb_to_recordset(v_ref -> 'axis')
            AS a (code text, ordinal smallint, title text, prefix text, steward text, folder text))) AS d;
  IF v_count <> 0 THEN
    RAISE EXCEPTION 'ASSERT verify.reference.axis: expected governance.responsibility_axis = _reference.sql axis, got % differing rows', v_count;
  END IF;
  SELECT count(*) INTO v_count FROM (
    (SELECT t.code, t.axis, t.title, t.prefix
       FROM jsonb_to_recordset(v_ref -> 'topics') AS t (code text, axis text, title text, prefix text)
     EXCEPT
     SELECT x.topic_code, x.axis_code, x.title, x.collection_prefix FROM governance.topic x)
    UNION ALL
    (SELECT x.topic_code, x.axis_code, x.title, x.collection_prefix FROM governance.topic x
     EXCEPT
     SELECT t.code, t.axis, t.title, t.prefix
       FROM jsonb_to_recordset(v_ref -> 'topics') AS t (code text, axis text, title text, prefix text))) AS d;
  IF v_count <> 0 THEN
    RAISE EXCEPTION 'ASSERT verify.reference.topics: expected governance.topic = _reference.sql topics, got % differing rows', v_count;
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS reference.matches: axis sha256 %, topics sha256 %',
    encode(sha256(convert_to((v_ref -> 'axis')::text, 'UTF8')), 'hex'),
    encode(sha256(convert_to((v_ref -> 'topics')::text, 'UTF8')), 'hex');
END
$verify$;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 90_verify'; END $$;
