-- sql/prod_verify/state_vector.sql — probe, read-only: exactly one line
--     ospa|ownership|gap|conflict|gov_emit|idle        (golden clone: 0|0|210|0|0|0)
--
--   psql -X -At -U workflow_admin -d directus -f sql/prod_verify/state_vector.sql
--
-- ospa       rows in public.os_proposal_approvals
-- ownership  rows in governance.sovereign_ownership (0 when the schema is absent)
-- gap        governed entities with no sovereign owner
-- conflict   governed entities with more than one sovereign owner
-- gov_emit   governance events emitted by the release (governance.event; 5 after apply)
-- idle       other sessions on this database idle in transaction
-- With the structure installed it reads governance.v_release_state; without it, the same
-- figures from the Directus tables (governed entity: as governance.v_governed_entity).
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_client_min_messages \gset
\set oneroof_requires state_vector
\ir _requires.sql
SELECT to_regclass('governance.v_release_state') IS NOT NULL AS oneroof_probe_structure \gset
\if :oneroof_probe_structure
SELECT concat_ws('|', s.ospa, s.ownership, s.gap, s.conflict, s.gov_emit, s.idle) FROM governance.v_release_state s;
\else
SELECT concat_ws('|',
         (SELECT count(*) FROM public.os_proposal_approvals),
         0,
         (SELECT count(*)
            FROM public.directus_collections c
            JOIN pg_catalog.pg_class t ON t.relname = c.collection::text AND t.relkind IN ('r', 'p')
                                      AND t.relnamespace = 'public'::regnamespace
           WHERE c.collection::text NOT LIKE 'directus\_%'),
         0,
         0,
         (SELECT count(*) FROM pg_catalog.pg_stat_activity s
           WHERE s.datname = current_database() AND s.pid <> pg_backend_pid()
             AND s.state IN ('idle in transaction', 'idle in transaction (aborted)')));
\endif
