-- prod_rollback/per_tier_rollback.sql — the per-tier entry (`oneroof rollback --tier NN`): runs
-- the rollback file of the one tier named by -v tier=NN. Reverse order only: each tier's file
-- refuses while a later tier is applied. Tier 10 goes only with 99_rollback_full.sql. The value
-- of tier is compared as a quoted literal, never spliced into SQL. A new tier with a rollback
-- file gets one more oneroof_rbNN column and one more \elif below.
--
--   psql -X -v ON_ERROR_STOP=1 -v tier=20 -f prod_rollback/per_tier_rollback.sql
SET client_min_messages = notice;
\ir ../prod/_session.sql
\if :{?tier}
SELECT set_config('release.rollback_request', :'tier', false) AS oneroof_rollback_request,
       :'tier' = '20' AS oneroof_rb20 \gset
\else
DO $$ BEGIN RAISE EXCEPTION 'ONEROOF REFUSED: per_tier_rollback.sql needs -v tier=NN (20), got tier not set'; END $$;
\endif
\if :oneroof_rb20
\ir 20_rollback_enrol_customers.sql
\else
DO $$
BEGIN
  RAISE EXCEPTION 'ONEROOF REFUSED: per_tier_rollback.sql rolls back tier 20, got %',
    quote_literal(current_setting('release.rollback_request'))
    || CASE WHEN current_setting('release.rollback_request') = '10' THEN ' (tier 10 goes only with 99_rollback_full.sql)' ELSE '' END;
END
$$;
\endif
DO $$ BEGIN RAISE NOTICE 'ONEROOF END per_tier_rollback'; END $$;
