-- sql/prod_rollback/_rollback_record.sql — included (\ir) by each per-tier rollback after its
-- deletes, before its assertions. Never run alone.
-- The tier's governance event goes (it was the tier's effect); its ledger row stays, marked
-- rolled back (who, when), so the history of attempts survives for the auditor.
SET client_min_messages = notice;
DELETE FROM governance.event e
 WHERE e.tier = current_setting('oneroof.rollback_tier')::smallint;
UPDATE governance.ledger l
   SET rolled_back_at = now(), rolled_back_by = current_user
 WHERE l.tier = current_setting('oneroof.rollback_tier')::smallint AND l.rolled_back_at IS NULL;
