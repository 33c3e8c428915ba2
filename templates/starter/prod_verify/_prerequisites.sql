-- prod_verify/_prerequisites.sql — include (\ir) of prod/00_preflight.sql and _requires.sql; never
-- run alone. What this packet reads, checked through the catalogue only (pg_namespace,
-- pg_class, pg_attribute: readable by every role), so that a database that is not the packet's
-- baseline or result — an empty one, another application's, one with a table or column gone, a
-- schema loyalty made by hand — is named for what it lacks, instead of the server's
-- "relation … does not exist". Prints nothing. Leaves the setting release.prerequisites_missing
-- (the missing objects, ', '-separated; '' when none) and the psql variable
-- oneroof_prerequisites_met (t/f). Schema loyalty's tables are needed only once it exists.
-- A new table or column the packet reads gets a row in `need`.
SELECT set_config('release.prerequisites_missing', coalesce(string_agg(m.what, ', ' ORDER BY m.ord, m.sub), ''), false)
         AS oneroof_prerequisites_set,
       count(m.what) = 0 AS oneroof_prerequisites_met
  FROM (
    WITH need (ord, nsp, rel, cols) AS (VALUES
      (1, 'app', 'customer', ARRAY['id', 'email', 'name']),
      (2, 'app', 'approval', ARRAY['code', 'status', 'subject', 'decided_at']),
      (11, 'loyalty', 'ledger', ARRAY['tier', 'attempt', 'file', 'file_sha256', 'approval', 'applied_at', 'rolled_back_at']),
      (12, 'loyalty', 'member', ARRAY['customer_id'])
    ), rel AS (
      SELECT need.*, c.oid AS relid
        FROM need JOIN pg_catalog.pg_namespace n ON n.nspname = need.nsp
        LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = need.rel AND c.relkind IN ('r', 'p')
    )
    SELECT 0 AS ord, 0::bigint AS sub, 'schema app' AS what
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = 'app')
    UNION ALL
    SELECT rel.ord, 0, format('table %s.%s', rel.nsp, rel.rel) FROM rel WHERE rel.relid IS NULL
    UNION ALL
    SELECT rel.ord, c.n, format('column %s.%s.%s', rel.nsp, rel.rel, c.col)
      FROM rel CROSS JOIN LATERAL unnest(rel.cols) WITH ORDINALITY AS c (col, n)
     WHERE rel.relid IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = rel.relid AND a.attname = c.col AND a.attnum > 0 AND NOT a.attisdropped)
  ) AS m \gset
