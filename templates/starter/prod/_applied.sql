-- prod/_applied.sql — included (\ir) by each tier file before its transaction; never run alone.
-- Reads the ledger for tier :oneroof_tier and sets the psql boolean :oneroof_tier_applied, so the
-- tier file can SKIP (send nothing else) when the tier is already applied: a re-run is harmless.
SELECT to_regclass('loyalty.ledger') IS NOT NULL AS oneroof_ledger_exists \gset
\if :oneroof_ledger_exists
SELECT EXISTS (SELECT 1 FROM loyalty.ledger l
                WHERE l.tier = :'oneroof_tier'::smallint AND l.rolled_back_at IS NULL) AS oneroof_tier_applied \gset
\else
\set oneroof_tier_applied false
\endif
