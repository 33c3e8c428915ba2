-- sql/prod_verify/fingerprint.sql — probe, read-only: one line, the database's fingerprint.
--
--   psql -X -At -U workflow_admin -d directus -f sql/prod_verify/fingerprint.sql
--
-- sha256 (hex) of the lines "<section> <items> <digest>" of fingerprint_sections.sql, sorted:
-- the catalog of every non-system schema plus the rows of governance.* and of the Directus/os
-- tables the release reads (sql/README.md, "The fingerprint"). Equal before the release and
-- after 99_rollback_full.sql; equal on two builds of the golden clone. When two fingerprints
-- differ, fingerprint_sections.sql says where.
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_client_min_messages \gset
\ir _fingerprint_query.sql
\ir _canonical_on.sql
SELECT encode(sha256(convert_to(string_agg(s.section || ' ' || s.items || ' ' || s.digest, E'\n'
                                           ORDER BY s.section COLLATE "C"), 'UTF8')), 'hex') AS fingerprint
  FROM (:oneroof_fp_sections_sql) AS s;
\ir _canonical_off.sql
