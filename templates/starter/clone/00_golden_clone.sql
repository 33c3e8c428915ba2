-- clone/00_golden_clone.sql — the baseline, built on an EMPTY database, the same bytes every
-- time (fixed ids, no now()). Replicas only: `oneroof replica reset` streams it to psql on stdin,
-- so it is self-contained (no \ir). It makes what production has before the release:
--   schema app, app.customer (5 customers), app.approval (empty: the gate is closed)
-- and the database setting app.golden_clone, which 10_approve.sql requires (never in production).
-- State vector after it: 0|0|0|5.
--
--   psql -X -v ON_ERROR_STOP=1 -f clone/00_golden_clone.sql
SET client_min_messages = notice;
\set ON_ERROR_STOP on
\set AUTOCOMMIT on
\set VERBOSITY default
\set SHOW_CONTEXT errors
BEGIN;
DO $guard$
DECLARE
  v_relations bigint := (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%');
BEGIN
  IF v_relations <> 0 THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 00_golden_clone.sql builds the baseline on an empty database, got % relations in %',
      v_relations, current_database();
  END IF;
END
$guard$;

CREATE SCHEMA app;
CREATE TABLE app.customer (
  id    int  PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name  text NOT NULL
);
INSERT INTO app.customer (id, email, name) VALUES
  (1, 'ada@example.org', 'Ada'), (2, 'brook@example.org', 'Brook'), (3, 'chen@example.org', 'Chen'),
  (4, 'dara@example.org', 'Dara'), (5, 'emil@example.org', 'Emil');
-- The gate: a release runs only with the code of a ratified row here.
CREATE TABLE app.approval (
  code       text PRIMARY KEY,
  status     text NOT NULL CHECK (status IN ('pending', 'ratified', 'rejected')),
  subject    text NOT NULL,
  decided_at timestamptz
);
DO $mark$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET app.golden_clone = %L', current_database(), 'starter');
END $mark$;
COMMIT;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 00_golden_clone'; END $$;
