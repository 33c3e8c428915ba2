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
-- 4. The dry run (-v dry_run=on, 99_run_all.sql only): the psql variables every tier uses for its
--    own transaction control, :oneroof_tier_begin; and :oneroof_tier_commit;, and the boolean
--    :oneroof_dry_run that 99_run_all.sql's _dry_run_begin.sql and _dry_run_rollback.sql read.
--      no dry_run     BEGIN / COMMIT (the normal run: nothing here reaches the server)
--      dry_run=on     SAVEPOINT oneroof_tier / RELEASE SAVEPOINT oneroof_tier, inside the one
--                     transaction 99_run_all.sql opens and rolls back. The release first checks
--                     the deferred constraints as COMMIT would (SET CONSTRAINTS ALL IMMEDIATE
--                     in a savepoint that is then rolled back, so their mode stays deferred).
--    The value travels only as the quoted literal :'dry_run' into the setting oneroof.dry_run
--    (never into SQL text). Refused, before anything else of the file runs:
--      any other value         ONEROOF REFUSED: dry_run must be on, got '<value>'
--      not under 99_run_all    ONEROOF REFUSED: dry_run only through 99_run_all.sql ...
--                              (99_run_all.sql sets the psql variable oneroof_run_all first)
--    The variables are always set here, so a -v on the command line cannot replace them.
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
\set oneroof_dry_run false
\set oneroof_tier_begin BEGIN
\set oneroof_tier_commit COMMIT
\if :{?dry_run}
SELECT set_config('oneroof.dry_run', :'dry_run', false) = 'on' AS oneroof_dry_run \gset
\if :oneroof_dry_run
\if :{?oneroof_run_all}
\set oneroof_tier_begin 'SAVEPOINT oneroof_tier'
\set oneroof_tier_commit 'SAVEPOINT oneroof_tier_commit_check; SET CONSTRAINTS ALL IMMEDIATE; ROLLBACK TO SAVEPOINT oneroof_tier_commit_check; RELEASE SAVEPOINT oneroof_tier_commit_check; RELEASE SAVEPOINT oneroof_tier'
\else
DO $dry_run$ BEGIN
  RAISE EXCEPTION 'ONEROOF REFUSED: dry_run only through 99_run_all.sql (the whole packet in one transaction, rolled back); a file run alone commits its own transaction'
    USING HINT = 'psql -X -v ON_ERROR_STOP=1 -v ratified_apr=<APR> -v dry_run=on -U workflow_admin -d directus -f sql/prod/99_run_all.sql';
END $dry_run$;
\endif
\else
DO $dry_run$ BEGIN
  RAISE EXCEPTION 'ONEROOF REFUSED: dry_run must be on, got ''%''', current_setting('oneroof.dry_run');
END $dry_run$;
\endif
\endif
