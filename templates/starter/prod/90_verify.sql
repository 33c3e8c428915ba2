-- prod/90_verify.sql — the asserting verify suite, read-only (`oneroof verify`; 99_run_all.sql
-- runs it last). Prints ONEROOF VERIFY PASS <check>: <observed> per check and raises
-- ASSERT verify.<check>: expected <e>, got <o> at the first that fails (psql exit 3).
-- No transaction control: in a dry run it runs inside the one transaction.
--
--   psql -X -v ON_ERROR_STOP=1 -f prod/90_verify.sql
SET client_min_messages = notice;
\ir _session.sql
DO $verify$
DECLARE
  v_tiers     int[] := string_to_array(current_setting('release.tiers'), ',')::int[];
  v_sums      jsonb := current_setting('release.checksums')::jsonb;
  v_applied   int[];
  v_text      text;
  v_customers bigint;
  v_members   bigint;
BEGIN
  IF to_regclass('loyalty.ledger') IS NULL OR to_regclass('loyalty.member') IS NULL THEN
    RAISE EXCEPTION 'ASSERT verify.structure: expected loyalty.ledger and loyalty.member, got schema loyalty %',
      CASE WHEN to_regnamespace('loyalty') IS NULL THEN 'absent' ELSE 'incomplete' END;
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS structure: loyalty.ledger, loyalty.member';

  SELECT coalesce(array_agg(l.tier ORDER BY l.tier), '{}'),
         string_agg(l.file, ', ') FILTER (WHERE l.file_sha256 IS DISTINCT FROM v_sums ->> l.file)
    INTO v_applied, v_text FROM loyalty.ledger l WHERE l.rolled_back_at IS NULL;
  IF v_applied <> v_tiers THEN
    RAISE EXCEPTION 'ASSERT verify.ledger.applied: expected tiers %, got %', array_to_string(v_tiers, ', '),
      coalesce(nullif(array_to_string(v_applied, ', '), ''), 'none');
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS ledger.applied: tiers %', array_to_string(v_applied, ', ');
  IF v_text IS NOT NULL THEN
    RAISE EXCEPTION 'ASSERT verify.ledger.checksums: expected the sha256 of this packet''s files, got other ones for %', v_text;
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS ledger.checksums: every applied tier ran from these files';

  SELECT count(*) INTO v_customers FROM app.customer;
  SELECT count(*) INTO v_members FROM loyalty.member m JOIN app.customer c ON c.id = m.customer_id;
  IF v_members <> v_customers THEN
    RAISE EXCEPTION 'ASSERT verify.members: expected % (every customer), got %', v_customers, v_members;
  END IF;
  RAISE NOTICE 'ONEROOF VERIFY PASS members: % of % customers', v_members, v_customers;
END
$verify$;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 90_verify'; END $$;
