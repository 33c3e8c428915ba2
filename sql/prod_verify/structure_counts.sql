-- sql/prod_verify/structure_counts.sql — probe, read-only: one line tables|views|functions in
-- schema governance (11|31|1 after tier 10; 0|0|0 when the schema is absent).
--
--   psql -X -At -U workflow_admin -d directus -f sql/prod_verify/structure_counts.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_client_min_messages \gset
SELECT concat_ws('|',
         (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'governance' AND c.relkind IN ('r', 'p')),
         (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'governance' AND c.relkind = 'v'),
         (SELECT count(*) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'governance'));
