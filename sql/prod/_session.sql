-- sql/prod/_session.sql — included (\ir) first by every entry file of the packet; never run alone.
--
-- 1. psql settings the guards and the runner's parser rely on, whatever a ~/.psqlrc says:
--    stop on the first error (even if the operator forgot -v ON_ERROR_STOP=1: without it a
--    failed tier's COMMIT would turn into a ROLLBACK and psql would carry on), autocommit
--    between our own BEGIN/COMMIT, psql's default message layout.
-- 2. The APR code, only ever through psql's quoted literal :'ratified_apr', handed to PL/pgSQL
--    as the session setting oneroof.ratified_apr (psql does not interpolate inside DO blocks,
--    and no SQL text is ever built from it). Absent variable => empty setting, and
--    oneroof.ratified_apr_given = off, so the gate says "not set" instead of psql failing on a
--    literal :'ratified_apr'.
-- 3. The packet's own checksums (_checksums.sql, generated with the manifest), as the session
--    setting oneroof.checksums, for the ledger and the verify suite.
SET client_min_messages = notice;
\set ON_ERROR_STOP on
\set AUTOCOMMIT on
\set VERBOSITY default
\set SHOW_CONTEXT errors
\if :{?ratified_apr}
SELECT set_config('oneroof.ratified_apr', :'ratified_apr', false) AS oneroof_gate_apr,
       set_config('oneroof.ratified_apr_given', 'on', false) AS oneroof_gate_apr_given \gset
\else
SELECT set_config('oneroof.ratified_apr', '', false) AS oneroof_gate_apr,
       set_config('oneroof.ratified_apr_given', 'off', false) AS oneroof_gate_apr_given \gset
\endif
\ir _checksums.sql
SELECT set_config('oneroof.checksums', :'oneroof_checksums', false) AS oneroof_checksums_loaded \gset
