-- prod_verify/tier_status.sql — probe, read-only: one line per tier (`oneroof status`),
--     tier|name|applied|attempt|file_sha256|approval|applied_at
-- (applied t/f; the other fields empty when not applied; applied_at in UTC, ISO 8601).
-- A new tier gets one more row in both VALUES lists.
--
--   psql -X -At -f prod_verify/tier_status.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_messages \gset
\ir _requires.sql
SELECT to_regclass('loyalty.ledger') IS NOT NULL AS oneroof_probe_release \gset
\if :oneroof_probe_release
SELECT t.tier, t.name, l.tier IS NOT NULL, l.attempt, l.file_sha256, l.approval,
       to_char(l.applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  FROM (VALUES (10, 'loyalty_schema'), (20, 'enrol_customers')) AS t (tier, name)
  LEFT JOIN loyalty.ledger l ON l.tier = t.tier AND l.rolled_back_at IS NULL
 ORDER BY t.tier;
\else
SELECT t.tier, t.name, false, NULL, NULL, NULL, NULL
  FROM (VALUES (10, 'loyalty_schema'), (20, 'enrol_customers')) AS t (tier, name)
 ORDER BY t.tier;
\endif
