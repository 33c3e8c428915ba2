-- sql/prod_verify/gate.sql — probe, read-only: one line per approval,
--     apr_code|level|status|proposal|decided_at|opens_gate
-- (opens_gate t for a ratified L2/L4 approval; nothing when ospa is 0). Works without the
-- structure: it reads public.os_proposal_approvals directly.
--
--   psql -X -At -U workflow_admin -d directus -f sql/prod_verify/gate.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_client_min_messages \gset
\set oneroof_requires gate
\ir _requires.sql
SELECT a.apr_code, a.level, a.status, a.proposal,
       to_char(a.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       (a.status = 'ratified' AND a.level IN ('L2', 'L4'))
  FROM public.os_proposal_approvals a
 ORDER BY a.apr_code COLLATE "C", a.level COLLATE "C";
