-- prod_rollback/_rollback_guard.sql — the guard of every per-tier rollback; included (\ir) right
-- after the rollback's BEGIN and its ONEROOF ROLLBACK nn BEGIN marker. Never run alone.
-- Reads release.rollback_tier. Undoing needs no approval (the gate guards doing), but it needs
--   the packet lock (as the tiers)      otherwise ONEROOF REFUSED: …
--   the tier applied                    otherwise ONEROOF REFUSED: rollback of tier nn: not applied
--   no later tier applied               otherwise ONEROOF REFUSED: … roll back mm first (reverse order)
DO $guard$
DECLARE
  v_tier    int := current_setting('release.rollback_tier')::int;
  v_applied int[] := '{}';
  v_above   int;
BEGIN
  IF NOT pg_try_advisory_xact_lock(32497584202605938) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: another session holds the packet lock (advisory lock 32497584202605938); rollback of tier % not started', v_tier;
  END IF;
  IF to_regclass('loyalty.ledger') IS NOT NULL THEN
    SELECT coalesce(array_agg(l.tier ORDER BY l.tier), '{}') INTO v_applied FROM loyalty.ledger l WHERE l.rolled_back_at IS NULL;
  END IF;
  IF NOT v_tier = ANY (v_applied) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: rollback of tier %: not applied (applied: %)', v_tier,
      coalesce(nullif(array_to_string(v_applied, ', '), ''), 'none');
  END IF;
  SELECT max(t) INTO v_above FROM unnest(v_applied) AS t WHERE t > v_tier;
  IF v_above IS NOT NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: rollback of tier % while tier % is applied; roll back % first (applied: %)',
      v_tier, v_above, v_above, array_to_string(v_applied, ', ');
  END IF;
END
$guard$;
SET LOCAL lock_timeout = '10s';
