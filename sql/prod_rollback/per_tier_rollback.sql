-- sql/prod_rollback/per_tier_rollback.sql — the seed's per-tier entry point: rolls back the one
-- tier named by -v tier=NN (60, 50, 40, 30 or 20), through its own file NN_rollback_<name>.sql.
--
--   psql -X -v ON_ERROR_STOP=1 -v tier=60 -U workflow_admin -d directus -f sql/prod_rollback/per_tier_rollback.sql
--
-- Reverse order only (60, then 50, ...): the tier's file refuses otherwise. Tier 10, the
-- structure, goes only with 99_rollback_full.sql. The value of tier is compared as a quoted
-- literal, never spliced into SQL.
SET client_min_messages = notice;
\ir ../prod/_session.sql
\if :{?tier}
SELECT set_config('oneroof.rollback_request', :'tier', false) AS oneroof_rollback_request,
       :'tier' = '60' AS oneroof_rb60, :'tier' = '50' AS oneroof_rb50, :'tier' = '40' AS oneroof_rb40,
       :'tier' = '30' AS oneroof_rb30, :'tier' = '20' AS oneroof_rb20,
       :'tier' IN ('60', '50', '40', '30', '20') AS oneroof_rb_known \gset
\else
DO $$ BEGIN RAISE EXCEPTION 'ONEROOF REFUSED: per_tier_rollback.sql needs -v tier=NN (60, 50, 40, 30 or 20), got tier not set'; END $$;
\endif
\if :oneroof_rb_known
\else
DO $$
BEGIN
  RAISE EXCEPTION 'ONEROOF REFUSED: per_tier_rollback.sql rolls back tier 60, 50, 40, 30 or 20, got %',
    quote_literal(current_setting('oneroof.rollback_request'))
    || CASE WHEN current_setting('oneroof.rollback_request') = '10'
            THEN ' (the structure goes only with 99_rollback_full.sql)' ELSE '' END;
END
$$;
\endif
\if :oneroof_rb60
\ir 60_rollback_scanner_baseline.sql
\elif :oneroof_rb50
\ir 50_rollback_topic_finalization.sql
\elif :oneroof_rb40
\ir 40_rollback_containment.sql
\elif :oneroof_rb30
\ir 30_rollback_sovereign_ownership.sql
\elif :oneroof_rb20
\ir 20_rollback_responsibility_axis.sql
\endif
DO $$ BEGIN RAISE NOTICE 'ONEROOF END per_tier_rollback'; END $$;
