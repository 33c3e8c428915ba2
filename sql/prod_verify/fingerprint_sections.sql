-- sql/prod_verify/fingerprint_sections.sql — probe, read-only: one line per fingerprint section,
-- `section|items|digest` (items: catalog lines, or table rows for data.* sections).
--
--   psql -X -At -U workflow_admin -d directus -f sql/prod_verify/fingerprint_sections.sql
--
-- Diff two outputs to see which schema or table made two fingerprints differ.
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_client_min_messages \gset
\ir _fingerprint_query.sql
\ir _canonical_on.sql
SELECT s.section, s.items, s.digest
  FROM (:oneroof_fp_sections_sql) AS s
 ORDER BY s.section COLLATE "C";
\ir _canonical_off.sql
