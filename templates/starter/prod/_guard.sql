-- prod/_guard.sql — the self-guard of every tier; included (\ir) right after the tier's BEGIN
-- and its ONEROOF TIER nn BEGIN marker, before anything of the tier runs. Never run alone.
-- Reads the psql variables the tier file set (:oneroof_tier, :oneroof_tier_name,
-- :oneroof_tier_file) and checks, inside the tier's own transaction:
--   1. the gate, as 00_preflight.sql judges it: release.approval names a ratified row of
--      app.approval                                   otherwise ONEROOF NO-GO: gate.approval
--   2. one packet run at a time: advisory lock 32497584202605938 ('starter' as a bigint), held
--      to COMMIT                                       otherwise ONEROOF REFUSED: …
--   3. order (release.tiers): the tier before it applied, none after it
--                                                      otherwise ONEROOF REFUSED: …
--   4. the tier file has a checksum in _checksums.sql (the ledger records it)
-- then lock_timeout 10 s: a tier never queues behind a long transaction (it fails whole).
SELECT set_config('release.tier', :'oneroof_tier', true) AS oneroof_tier_set,
       set_config('release.tier_name', :'oneroof_tier_name', true) AS oneroof_tier_name_set,
       set_config('release.tier_file', :'oneroof_tier_file', true) AS oneroof_tier_file_set \gset
DO $guard$
DECLARE
  v_tier    int := current_setting('release.tier')::int;
  v_code    text := current_setting('release.approval');
  v_tiers   int[] := string_to_array(current_setting('release.tiers'), ',')::int[];
  v_applied int[] := '{}';
  v_before  int;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM app.approval a WHERE a.code = v_code AND a.status = 'ratified') THEN
    RAISE EXCEPTION 'ONEROOF NO-GO: gate.approval'
      USING DETAIL = format('gate.approval: expected a ratified approval named by -v approval, got %s',
                            CASE WHEN v_code = '' THEN 'approval not set'
                                 ELSE coalesce((SELECT format('%L %s', a.code, a.status) FROM app.approval a WHERE a.code = v_code),
                                               format('no approval %L', v_code)) END);
  END IF;
  IF NOT pg_try_advisory_xact_lock(32497584202605938) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: another session holds the packet lock (advisory lock 32497584202605938); tier % not started', v_tier;
  END IF;
  IF to_regclass('loyalty.ledger') IS NOT NULL THEN
    SELECT coalesce(array_agg(l.tier ORDER BY l.tier), '{}') INTO v_applied FROM loyalty.ledger l WHERE l.rolled_back_at IS NULL;
  ELSIF to_regnamespace('loyalty') IS NOT NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: schema loyalty exists without loyalty.ledger; not a state this packet made';
  END IF;
  v_before := v_tiers[array_position(v_tiers, v_tier) - 1];
  IF v_tier = ANY (v_applied) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: tier % was applied by another session meanwhile', v_tier;
  ELSIF v_before IS NOT NULL AND NOT v_before = ANY (v_applied) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: tier % needs tier % applied first (applied: %)', v_tier, v_before,
      coalesce(nullif(array_to_string(v_applied, ', '), ''), 'none');
  ELSIF EXISTS (SELECT 1 FROM unnest(v_applied) AS t WHERE t > v_tier) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: tier % while a later tier is applied (applied: %)', v_tier, array_to_string(v_applied, ', ');
  END IF;
  IF current_setting('release.checksums')::jsonb ->> current_setting('release.tier_file') IS NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: no checksum for % in prod/_checksums.sql; run oneroof manifest write', current_setting('release.tier_file');
  END IF;
END
$guard$;
SET LOCAL lock_timeout = '10s';
