-- clone/10_approve.sql — REHEARSALS AND TESTS ONLY: records a FAKE ratified approval for
-- :'approval' that no human gave, to open the gate on a replica. It refuses any database that
-- is not a golden clone (the setting app.golden_clone, made by 00_golden_clone.sql). In
-- production the approval comes from your real approval process, never from here.
-- `oneroof replica reset --approve CODE` streams it on stdin (self-contained: no \ir). The code
-- reaches SQL only as psql's quoted literal. Running it twice with one code changes nothing.
--
--   psql -X -v ON_ERROR_STOP=1 -v approval=APR-2026-0001 -f clone/10_approve.sql
SET client_min_messages = notice;
\set ON_ERROR_STOP on
\set AUTOCOMMIT on
\set VERBOSITY default
\set SHOW_CONTEXT errors
\if :{?approval}
SELECT set_config('release.approval', :'approval', false) AS oneroof_approval_set \gset
\else
DO $$ BEGIN RAISE EXCEPTION 'ONEROOF REFUSED: 10_approve.sql needs -v approval=CODE, got approval not set'; END $$;
\endif
BEGIN;
DO $guard$
BEGIN
  IF coalesce(current_setting('app.golden_clone', true), '') = '' THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 10_approve.sql records a fake approval and runs only on a golden clone, got a database without app.golden_clone (production?)';
  END IF;
  IF current_setting('release.approval') = '' THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 10_approve.sql needs -v approval=CODE, got an empty code';
  END IF;
END
$guard$;
INSERT INTO app.approval (code, status, subject, decided_at)
VALUES (current_setting('release.approval'), 'ratified', 'rehearsal: clone/10_approve.sql', '2026-01-01T00:00:00Z')
ON CONFLICT (code) DO NOTHING;
COMMIT;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 10_approve'; END $$;
