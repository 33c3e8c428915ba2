-- sql/prod/_guard.sql — the self-guard of every mutating tier; included (\ir) right after the
-- tier's BEGIN, before anything of the tier runs. Never run alone.
--
-- Reads the transaction-local settings the tier file set: oneroof.tier (10..60),
-- oneroof.tier_name, oneroof.tier_file, oneroof.tier_includes; and the session settings of
-- _session.sql: oneroof.ratified_apr(_given), oneroof.checksums.
--
--   1. (the tier file itself has just printed ONEROOF TIER <nn> BEGIN <name>)
--   2. the gate, exactly as 00_preflight.sql judges it (keep the two in step):
--      database = directus; os_proposal_approvals >= 1; :'ratified_apr' names a ratified L2/L4
--      approval  ->  otherwise RAISE 'ONEROOF NO-GO: <check>[, <check>...]' (DETAIL: expected/got)
--   3. one packet run at a time: pg_try_advisory_xact_lock(31365104405540710) ('oneroof' as a
--      bigint), held to COMMIT/ROLLBACK  ->  otherwise 'ONEROOF REFUSED: ...'
--   4. order, from the ledger: tier 10 on a database without schema governance; tier nn only
--      when tier nn-10 is applied and nothing above it is  ->  otherwise 'ONEROOF REFUSED: ...'
--   5. the tier file and its includes have a checksum in _checksums.sql (the ledger records it)
--   6. lock_timeout 10 s for the rest of the tier: a tier never queues behind a long Directus
--      transaction (it fails, rolls back whole, and can simply be run again).
SET client_min_messages = notice;
DO $guard$
DECLARE
  v_tier      int := current_setting('oneroof.tier')::int;
  v_file      text := current_setting('oneroof.tier_file');
  v_includes  text[] := string_to_array(nullif(current_setting('oneroof.tier_includes'), ''), ',');
  v_checksums jsonb := current_setting('oneroof.checksums')::jsonb;
  v_apr       text := coalesce(current_setting('oneroof.ratified_apr', true), '');
  v_apr_given boolean := coalesce(current_setting('oneroof.ratified_apr_given', true), 'off') = 'on';
  v_checks    text[] := '{}';
  v_details   text[] := '{}';
  v_ospa      bigint;
  v_seen      text;
  v_applied   int[] := '{}';
  v_above     int;
  v_unknown   text;
BEGIN
  -- 2. The gate. Nothing of this tier has run yet.
  IF current_database() <> 'directus' THEN
    v_checks := v_checks || 'database'::text;
    v_details := v_details || format('database: expected directus, got %s', current_database());
  END IF;
  IF to_regclass('public.os_proposal_approvals') IS NULL THEN
    v_checks := v_checks || ARRAY['gate.ospa', 'gate.apr_ratified'];
    v_details := v_details || 'gate.ospa: expected >= 1, got table public.os_proposal_approvals missing'::text;
  ELSE
    SELECT count(*) INTO v_ospa FROM public.os_proposal_approvals;
    IF v_ospa < 1 THEN
      v_checks := v_checks || 'gate.ospa'::text;
      v_details := v_details || format('gate.ospa: expected >= 1, got %s', v_ospa);
    END IF;
    IF NOT v_apr_given OR v_apr = '' THEN
      v_checks := v_checks || 'gate.apr_ratified'::text;
      v_details := v_details || format('gate.apr_ratified: expected a ratified L2/L4 approval named by -v ratified_apr, got %s',
                                       CASE WHEN v_apr_given THEN 'an empty ratified_apr' ELSE 'ratified_apr not set' END);
    ELSIF NOT EXISTS (SELECT 1 FROM public.os_proposal_approvals a
                       WHERE a.apr_code = v_apr AND a.status = 'ratified' AND a.level IN ('L2', 'L4')) THEN
      SELECT string_agg(a.level || ' ' || a.status, ', ' ORDER BY a.level) INTO v_seen
        FROM public.os_proposal_approvals a WHERE a.apr_code = v_apr;
      v_checks := v_checks || 'gate.apr_ratified'::text;
      v_details := v_details || format('gate.apr_ratified: expected a ratified L2/L4 approval for %L, got %s',
                                       v_apr, coalesce(v_seen, 'no approval with that code'));
    END IF;
  END IF;
  IF cardinality(v_checks) > 0 THEN
    RAISE EXCEPTION 'ONEROOF NO-GO: %', array_to_string(v_checks, ', ')
      USING DETAIL = array_to_string(v_details, '; ');
  END IF;

  -- 3. One packet run at a time.
  IF NOT pg_try_advisory_xact_lock(31365104405540710) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: another session holds the oneroof packet lock (advisory lock 31365104405540710); tier % not started', v_tier;
  END IF;

  -- 4. Order.
  IF to_regclass('governance.ledger') IS NOT NULL THEN
    SELECT coalesce(array_agg(l.tier ORDER BY l.tier), '{}') INTO v_applied
      FROM governance.ledger l WHERE l.rolled_back_at IS NULL;
  END IF;
  IF v_tier = ANY (v_applied) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: tier % was applied by another session meanwhile (applied: %)',
      v_tier, array_to_string(v_applied, ', ');
  END IF;
  IF v_tier = 10 AND to_regnamespace('governance') IS NOT NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: schema governance exists but the ledger has no applied tier 10 (applied: %); not a state this packet made',
      coalesce(nullif(array_to_string(v_applied, ', '), ''), 'none');
  END IF;
  IF v_tier > 10 AND NOT (v_tier - 10) = ANY (v_applied) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: tier % needs tier % applied first (applied: %)',
      v_tier, v_tier - 10, coalesce(nullif(array_to_string(v_applied, ', '), ''), 'none');
  END IF;
  SELECT max(t) INTO v_above FROM unnest(v_applied) AS t WHERE t > v_tier;
  IF v_above IS NOT NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: tier % while tier % is applied (applied: %)',
      v_tier, v_above, array_to_string(v_applied, ', ');
  END IF;

  -- 5. Checksums for the ledger.
  SELECT string_agg(f, ', ') INTO v_unknown
    FROM unnest(v_file || coalesce(v_includes, '{}')) AS f
   WHERE v_checksums ->> f IS NULL;
  IF v_unknown IS NOT NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: no checksum for % in sql/prod/_checksums.sql; regenerate it with oneroof manifest write',
      v_unknown;
  END IF;
END
$guard$;
SET LOCAL lock_timeout = '10s';
