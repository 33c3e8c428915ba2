-- prod_verify/fingerprint.sql — probe, read-only: one line, a sha256 (hex) of what the release
-- must leave as it found it: the columns of every table in schema app, and the rows of
-- app.customer and app.approval. The same before the release, after it, and after the full
-- rollback. Never depends on OIDs or physical order (every sort is by name, COLLATE "C").
--
--   psql -X -At -f prod_verify/fingerprint.sql
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_probe_messages \gset
\ir _requires.sql
SELECT encode(sha256(convert_to(concat_ws(E'\n',
  (SELECT string_agg(format('column %s.%s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull),
                     E'\n' ORDER BY c.relname COLLATE "C", a.attnum)
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
    WHERE c.relnamespace = 'app'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT string_agg(format('customer %s %s %s', u.id, u.email, u.name), E'\n' ORDER BY u.id) FROM app.customer u),
  (SELECT string_agg(format('approval %s %s %s %s', p.code, p.status, p.subject,
                            to_char(p.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')), E'\n' ORDER BY p.code COLLATE "C")
     FROM app.approval p)), 'UTF8')), 'hex');
