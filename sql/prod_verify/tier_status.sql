-- sql/prod_verify/tier_status.sql — probe, read-only: six lines, one per tier,
--     tier|name|applied|attempt|file_sha256|apr_code|applied_at
-- (applied t/f; the other fields empty when not applied; applied_at in UTC, ISO 8601).
--
--   psql -X -At -U workflow_admin -d directus -f sql/prod_verify/tier_status.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_client_min_messages \gset
\set oneroof_requires tier_status
\ir _requires.sql
SELECT to_regclass('governance.v_tier_status') IS NOT NULL AS oneroof_probe_structure \gset
\if :oneroof_probe_structure
SELECT t.tier, t.name, t.applied, t.attempt, t.file_sha256, t.apr_code,
       to_char(t.applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  FROM governance.v_tier_status t ORDER BY t.tier;
\else
SELECT t.tier, t.name, false, NULL, NULL, NULL, NULL
  FROM (VALUES (10, 'structure'), (20, 'responsibility_axis'), (30, 'sovereign_ownership'),
               (40, 'containment'), (50, 'topic_finalization'), (60, 'scanner_baseline')) AS t (tier, name)
 ORDER BY t.tier;
\endif
