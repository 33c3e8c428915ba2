-- sql/reader/00_reader_role.sql — the read role of oneroof's read-only commands (preflight,
-- verify, status). Idempotent: run it again and it says what was already in place.
--
--   psql -X -v ON_ERROR_STOP=1 -v reader=oneroof_reader -U workflow_admin -d directus -f sql/reader/00_reader_role.sql
--
-- (`oneroof reader setup --target T` runs exactly this, logged and confirmed; `oneroof replica
-- reset` runs it on replicas.) Run it as a superuser (CREATE ROLE, and admin of the predefined
-- roles). It leaves, in one transaction:
--   role :reader   LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT,
--                  no password (psql reaches the server over the container's local socket:
--                  pg_hba must let it in there, `trust` as in the official image, or `peer`
--                  with a map — the last NOTICE names the local rule that matches)
--   member of      pg_read_all_data (SELECT on every table, USAGE on every schema) and
--                  pg_read_all_stats (every session in pg_stat_activity: the idle check, the
--                  lock holders, `status`)
--   on the role    default_transaction_read_only = on (every session starts read-only), and no
--                  other role setting (a session may ALTER ROLE itself SET …: those are reset)
--   CONNECT        on this database
-- An existing role is taken as it is only when it already is a plain reader: a superuser, a role
-- with CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS, a member of any other role, or the owner
-- of anything in this database is refused (ONEROOF REFUSED, nothing changed): choose another
-- read_user, or fix that role by hand. Prints ONEROOF READER lines, then ONEROOF END 00_reader_role.
SET client_min_messages = notice;
\set ON_ERROR_STOP on
\if :{?reader}
SELECT set_config('oneroof.reader', :'reader', false) AS oneroof_reader_set \gset
\else
SELECT set_config('oneroof.reader', '', false) AS oneroof_reader_set \gset
\endif

BEGIN;
DO $reader$
DECLARE
  v_role      text := current_setting('oneroof.reader');
  v_oid       oid;
  v_unsafe    text[] := '{}';
  v_missing   text[];
  v_text      text;
  v_settings  text[];
BEGIN
  IF v_role = '' THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: the read role''s name is missing (-v reader=ROLE)';
  END IF;
  IF v_role = current_user THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: the read role must not be the role running this setup (%)', v_role;
  END IF;
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: run this as a superuser (% is not one)', current_user;
  END IF;

  SELECT r.oid INTO v_oid FROM pg_catalog.pg_roles r WHERE r.rolname = v_role;
  IF v_oid IS NULL THEN
    EXECUTE format('CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT',
                   v_role);
    SELECT r.oid INTO v_oid FROM pg_catalog.pg_roles r WHERE r.rolname = v_role;
    RAISE NOTICE 'ONEROOF READER role %: created (LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS, no password)', v_role;
  ELSE
    SELECT array_remove(ARRAY[
             CASE WHEN r.rolsuper THEN 'SUPERUSER' END, CASE WHEN r.rolcreatedb THEN 'CREATEDB' END,
             CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END, CASE WHEN r.rolreplication THEN 'REPLICATION' END,
             CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END], NULL)
      INTO v_unsafe FROM pg_catalog.pg_roles r WHERE r.oid = v_oid;
    SELECT v_unsafe || coalesce(array_agg('member of ' || g.rolname ORDER BY g.rolname), '{}')
      INTO v_unsafe
      FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
     WHERE m.member = v_oid AND g.rolname NOT IN ('pg_read_all_data', 'pg_read_all_stats');
    SELECT v_unsafe || coalesce(array_agg(DISTINCT 'owner of objects in ' || current_database()), '{}')
      INTO v_unsafe
      FROM pg_catalog.pg_shdepend d
     WHERE d.refclassid = 'pg_catalog.pg_authid'::regclass AND d.refobjid = v_oid AND d.deptype = 'o'
       AND d.dbid = (SELECT o.oid FROM pg_catalog.pg_database o WHERE o.datname = current_database());
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_database o WHERE o.datdba = v_oid) THEN
      v_unsafe := v_unsafe || 'owner of a database'::text;
    END IF;
    IF cardinality(v_unsafe) > 0 THEN
      RAISE EXCEPTION 'ONEROOF REFUSED: role % exists and is not a plain reader: %', v_role, array_to_string(v_unsafe, ', ')
        USING HINT = 'choose another read_user in the inventory, or fix the role by hand; nothing was changed';
    END IF;
    RAISE NOTICE 'ONEROOF READER role %: already present, a plain NOSUPERUSER role', v_role;
    IF NOT (SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.oid = v_oid) THEN
      EXECUTE format('ALTER ROLE %I WITH LOGIN', v_role);
      RAISE NOTICE 'ONEROOF READER role %: LOGIN granted', v_role;
    END IF;
    IF NOT (SELECT r.rolinherit FROM pg_catalog.pg_roles r WHERE r.oid = v_oid) THEN
      EXECUTE format('ALTER ROLE %I WITH INHERIT', v_role);
      RAISE NOTICE 'ONEROOF READER role %: INHERIT set (it uses its memberships without SET ROLE)', v_role;
    END IF;
  END IF;

  SELECT coalesce(array_agg(g ORDER BY g), '{}') INTO v_missing
    FROM unnest(ARRAY['pg_read_all_data', 'pg_read_all_stats']) AS g
   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                      WHERE m.member = v_oid AND m.roleid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = g));
  IF cardinality(v_missing) > 0 THEN
    EXECUTE format('GRANT %s TO %I', (SELECT string_agg(quote_ident(g), ', ') FROM unnest(v_missing) AS g), v_role);
    RAISE NOTICE 'ONEROOF READER role %: granted %', v_role, array_to_string(v_missing, ', ');
  ELSE
    RAISE NOTICE 'ONEROOF READER role %: already a member of pg_read_all_data, pg_read_all_stats', v_role;
  END IF;

  -- Role settings: exactly default_transaction_read_only=on (a session may ALTER ROLE itself SET …).
  SELECT string_agg(coalesce(d.datname || ': ', '') || array_to_string(s.setconfig, ', '), '; ') INTO v_text
    FROM pg_catalog.pg_db_role_setting s LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
   WHERE s.setrole = v_oid AND (s.setdatabase <> 0 OR s.setconfig IS DISTINCT FROM ARRAY['default_transaction_read_only=on']);
  IF v_text IS NOT NULL THEN
    FOR v_settings IN SELECT ARRAY[d.datname] FROM pg_catalog.pg_db_role_setting s
                        JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase WHERE s.setrole = v_oid LOOP
      EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET ALL', v_role, v_settings[1]);
    END LOOP;
    EXECUTE format('ALTER ROLE %I RESET ALL', v_role);
    RAISE NOTICE 'ONEROOF READER role %: role settings reset (were: %)', v_role, v_text;
  END IF;
  SELECT s.setconfig INTO v_settings FROM pg_catalog.pg_db_role_setting s WHERE s.setrole = v_oid AND s.setdatabase = 0;
  IF 'default_transaction_read_only=on' = ANY (coalesce(v_settings, '{}')) THEN
    RAISE NOTICE 'ONEROOF READER role %: default_transaction_read_only already on', v_role;
  ELSE
    EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', v_role);
    RAISE NOTICE 'ONEROOF READER role %: default_transaction_read_only set to on', v_role;
  END IF;

  IF has_database_privilege(v_oid, current_database(), 'CONNECT') THEN
    RAISE NOTICE 'ONEROOF READER role %: may connect to %', v_role, current_database();
  ELSE
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), v_role);
    RAISE NOTICE 'ONEROOF READER role %: granted CONNECT on %', v_role, current_database();
  END IF;

  -- How the local socket lets it in (psql connects there, inside the container).
  SELECT format('line %s: local %s %s %s', h.line_number, array_to_string(h.database, ','),
                array_to_string(h.user_name, ','), h.auth_method)
    INTO v_text
    FROM pg_catalog.pg_hba_file_rules h
   WHERE h.type = 'local' AND h.error IS NULL
     AND (h.database && ARRAY['all', current_database()]::text[])
     AND (h.user_name && ARRAY['all', v_role]::text[])
   ORDER BY h.line_number LIMIT 1;
  IF v_text IS NULL THEN
    RAISE WARNING 'ONEROOF READER role %: no pg_hba.conf rule for the local socket matches it: it cannot log in', v_role;
  ELSIF v_text !~ ' (trust|peer)$' THEN
    RAISE WARNING 'ONEROOF READER role %: pg_hba.conf % asks for a password, and the role has none: it cannot log in until a trust or peer rule for it comes first', v_role, v_text;
  ELSE
    RAISE NOTICE 'ONEROOF READER role %: pg_hba.conf %', v_role, v_text;
  END IF;
END
$reader$;
COMMIT;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 00_reader_role'; END $$;
