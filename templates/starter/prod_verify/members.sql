-- prod_verify/members.sql — probe, read-only, shown by `oneroof verify`: one line
--     members|customers          (0|5 before tier 20, 5|5 after it)
--
--   psql -X -At -f prod_verify/members.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_messages \gset
\ir _requires.sql
SELECT to_regclass('loyalty.member') IS NOT NULL AS oneroof_probe_release \gset
\if :oneroof_probe_release
SELECT concat_ws('|', (SELECT count(*) FROM loyalty.member), (SELECT count(*) FROM app.customer));
\else
SELECT concat_ws('|', 0, (SELECT count(*) FROM app.customer));
\endif
