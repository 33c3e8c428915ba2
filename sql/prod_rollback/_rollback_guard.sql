-- sql/prod_rollback/_rollback_guard.sql — the guard of every per-tier rollback; included (\ir)
-- right after the rollback's BEGIN and its ONEROOF ROLLBACK <nn> BEGIN notice. Never run alone.
--
-- Reads oneroof.rollback_tier (20..60). Undoing needs no approval (the gate guards doing, not
-- undoing), but it does need:
--   database = directus                          otherwise ONEROOF NO-GO: database
--   the packet lock (advisory lock 31365104405540710, as the tiers)
--   the tier applied                             otherwise ONEROOF REFUSED: rollback of tier nn: ...
--   no tier above it applied (reverse order)     otherwise ONEROOF REFUSED: rollback of tier nn while tier mm is applied; roll back mm first
-- and then lock_timeout 10 s for the rest of the transaction.
SET client_min_messages = notice;
DO $guard$
DECLARE
  v_tier    int := current_setting('oneroof.rollback_tier')::int;
  v_applied int[] := '{}';
  v_above   int;
BEGIN
  IF current_database() <> 'directus' THEN
    RAISE EXCEPTION 'ONEROOF NO-GO: database'
      USING DETAIL = format('database: expected directus, got %s', current_database());
  END IF;
  IF NOT pg_try_advisory_xact_lock(31365104405540710) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: another session holds the oneroof packet lock (advisory lock 31365104405540710); rollback of tier % not started', v_tier;
  END IF;
  IF to_regclass('governance.ledger') IS NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: rollback of tier %: tier % is not applied (no governance.ledger: the release is not installed)', v_tier, v_tier;
  END IF;
  SELECT coalesce(array_agg(l.tier ORDER BY l.tier), '{}') INTO v_applied
    FROM governance.ledger l WHERE l.rolled_back_at IS NULL;
  IF NOT v_tier = ANY (v_applied) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: rollback of tier %: tier % is not applied (applied: %)',
      v_tier, v_tier, coalesce(nullif(array_to_string(v_applied, ', '), ''), 'none');
  END IF;
  SELECT max(t) INTO v_above FROM unnest(v_applied) AS t WHERE t > v_tier;
  IF v_above IS NOT NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: rollback of tier % while tier % is applied; roll back % first (applied: %)',
      v_tier, v_above, v_above, array_to_string(v_applied, ', ');
  END IF;
END
$guard$;
SET LOCAL lock_timeout = '10s';
