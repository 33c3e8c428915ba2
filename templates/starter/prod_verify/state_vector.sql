-- prod_verify/state_vector.sql — probe, read-only: exactly one line
--     approvals|tiers|members|unenrolled     (golden clone 0|0|0|5; after the release 1|2|5|0)
-- approvals   rows in app.approval
-- tiers       tiers applied in loyalty.ledger (0 when the schema is absent)
-- members     rows in loyalty.member
-- unenrolled  customers without a loyalty membership
-- Probes print data only (for psql -At) and never a NOTICE; they pass in a read-only session.
--
--   psql -X -At -f prod_verify/state_vector.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_messages \gset
\ir _requires.sql
SELECT to_regclass('loyalty.ledger') IS NOT NULL AS oneroof_probe_release \gset
\if :oneroof_probe_release
SELECT concat_ws('|', (SELECT count(*) FROM app.approval),
                      (SELECT count(*) FROM loyalty.ledger l WHERE l.rolled_back_at IS NULL),
                      (SELECT count(*) FROM loyalty.member),
                      (SELECT count(*) FROM app.customer c
                        WHERE NOT EXISTS (SELECT 1 FROM loyalty.member m WHERE m.customer_id = c.id)));
\else
SELECT concat_ws('|', (SELECT count(*) FROM app.approval), 0, 0, (SELECT count(*) FROM app.customer));
\endif
