-- prod_verify/gate.sql — probe, read-only: one line per approval (`oneroof status`),
--     code|level|status|subject|decided_at|opens_gate
-- (this packet's approvals have no level: that field is empty; opens_gate t when ratified).
--
--   psql -X -At -f prod_verify/gate.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_messages \gset
\ir _requires.sql
SELECT a.code, '', a.status, a.subject,
       to_char(a.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), a.status = 'ratified'
  FROM app.approval a
 ORDER BY a.code COLLATE "C";
