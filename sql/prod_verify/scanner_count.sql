-- sql/prod_verify/scanner_count.sql — probe, read-only: one integer, the number of findings
-- governance.scan() reports now (38 on the golden clone after the release); -1 when the scanner
-- is not installed (no tier 10).
--
--   psql -X -At -U workflow_admin -d directus -f sql/prod_verify/scanner_count.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_client_min_messages \gset
\set oneroof_requires scanner_count
\ir _requires.sql
SELECT to_regprocedure('governance.scan()') IS NOT NULL AS oneroof_probe_scanner \gset
\if :oneroof_probe_scanner
SELECT count(*) FROM governance.scan();
\else
SELECT -1;
\endif
