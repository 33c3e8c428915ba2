-- sql/prod_verify/findings_new.sql — probe, read-only: one line per scanner finding that is not
-- in the baseline, rule|severity|subject|detail (nothing at all after a clean release). For a
-- cron box: any line is a regression since the release. Nothing when the scanner is absent.
--
--   psql -X -At -U workflow_admin -d directus -f sql/prod_verify/findings_new.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_client_min_messages \gset
\set oneroof_requires findings_new
\ir _requires.sql
SELECT to_regclass('governance.v_scanner_new') IS NOT NULL AS oneroof_probe_structure \gset
\if :oneroof_probe_structure
SELECT n.rule, coalesce(n.severity, 'uncatalogued'), n.subject, n.detail
  FROM governance.v_scanner_new n
 ORDER BY n.rule COLLATE "C", n.subject COLLATE "C";
\endif
