-- sql/clone_revalidation/10_approve.sql
--
-- ############################################################################################
-- ##  REHEARSALS AND TESTS ONLY.  This records a FAKE ratification: a ratified L4 approval  ##
-- ##  for :'ratified_apr' that no human gave. It opens the release gate on purpose.          ##
-- ##  It refuses to run on any database that is not a golden clone (the database setting     ##
-- ##  oneroof.golden_clone, set by 00_golden_clone.sql, never present in production).        ##
-- ##  In production the approval comes from the L2/L4 ratification process, never from here. ##
-- ############################################################################################
--
--   psql -X -v ON_ERROR_STOP=1 -v ratified_apr=APR-2026-0142 -U workflow_admin -d directus \
--        -f sql/clone_revalidation/10_approve.sql
--
-- `oneroof replica reset --approve CODE` runs it after the golden clone (on stdin, so it is
-- self-contained: no \ir). The code reaches SQL only as psql's quoted literal :'ratified_apr'.
-- Deterministic: fixed id (md5 of the code) and decision time, so a rehearsal's fingerprints
-- repeat. Running it twice with the same code changes nothing.
SET client_min_messages = notice;
\set ON_ERROR_STOP on
\set AUTOCOMMIT on
\set VERBOSITY default
\set SHOW_CONTEXT errors
\if :{?ratified_apr}
SELECT set_config('oneroof.ratified_apr', :'ratified_apr', false) AS oneroof_gate_apr \gset
\else
DO $$ BEGIN RAISE EXCEPTION 'ONEROOF REFUSED: 10_approve.sql needs -v ratified_apr=CODE, got ratified_apr not set'; END $$;
\endif

BEGIN;
DO $guard$
BEGIN
  IF current_database() <> 'directus' THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 10_approve.sql runs on database directus, got database %', current_database();
  END IF;
  IF coalesce(current_setting('oneroof.golden_clone', true), '') = '' THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 10_approve.sql records a fake ratification and runs only on a golden clone, got a database without oneroof.golden_clone (production?)';
  END IF;
  IF current_setting('oneroof.ratified_apr') = '' THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 10_approve.sql needs -v ratified_apr=CODE, got an empty code';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.os_proposals p WHERE p.id = 'OSP-2026-0001') THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 10_approve.sql approves proposal OSP-2026-0001, got no such proposal';
  END IF;
END
$guard$;

INSERT INTO public.os_proposal_approvals (id, proposal, apr_code, level, status, approver, decided_at, note)
VALUES (md5('oneroof-golden-clone/approval/' || current_setting('oneroof.ratified_apr') || '/L4')::uuid,
        'OSP-2026-0001', current_setting('oneroof.ratified_apr'), 'L4', 'ratified',
        'rehearsal: sql/clone_revalidation/10_approve.sql', '2026-06-03T00:00:00Z',
        'NOT a human ratification: recorded for a rehearsal on a golden clone')
ON CONFLICT (apr_code, level) DO NOTHING;
COMMIT;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 10_approve'; END $$;
