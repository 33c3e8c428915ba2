-- sql/prod_verify/_prerequisites.sql — include (\ir) of 00_preflight.sql and _requires.sql; never
-- run alone. What the packet reads on its read-only path, checked through the catalogue only
-- (pg_namespace, pg_class, pg_attribute, pg_proc: readable by every role, whatever it may
-- SELECT), so that a database that is not this packet's baseline or result — an empty one,
-- another application's, one with a table or column gone, one where someone made a schema
-- governance by hand — is named for what it lacks instead of failing on the first missing
-- relation. Prints nothing. Leaves:
--   setting oneroof.prerequisites_missing   the missing objects, in this order, ', '-separated
--                                            ('' when none): schema public, table public.x,
--                                            column public.x.y, view governance.v, function governance.f()
--   oneroof.prerequisites_missing_public      the same, of schema public only (the Directus/os tables)
--   oneroof.prerequisites_missing_governance  the same, of schema governance only
--   psql variable oneroof_prerequisites_met  t / f
-- The objects of schema governance are needed only when that schema exists (absent: the baseline).
-- A schema that is missing is named alone, not each object in it. Whether the session may read
-- what exists is not judged here: a missing grant stays the server's own error.
-- Keep in step with what the probes and 00_preflight.sql read (sql/README.md, "Production notes").
SELECT set_config('oneroof.prerequisites_missing', coalesce(string_agg(m.what, ', ' ORDER BY m.ord, m.sub), ''), false)
         AS oneroof_prerequisites_set,
       set_config('oneroof.prerequisites_missing_public',
                  coalesce(string_agg(m.what, ', ' ORDER BY m.ord, m.sub) FILTER (WHERE m.ord < 10), ''), false)
         AS oneroof_prerequisites_public_set,
       set_config('oneroof.prerequisites_missing_governance',
                  coalesce(string_agg(m.what, ', ' ORDER BY m.ord, m.sub) FILTER (WHERE m.ord >= 10), ''), false)
         AS oneroof_prerequisites_governance_set,
       count(m.what) = 0 AS oneroof_prerequisites_met
  FROM (
    WITH rel_need (ord, kind, nsp, rel, cols) AS (VALUES
      (1, 'table', 'public', 'directus_collections', ARRAY['collection', 'group', 'note', 'hidden']),
      (2, 'table', 'public', 'directus_roles', ARRAY['id', 'name', 'admin_access']),
      (3, 'table', 'public', 'directus_users', ARRAY['id', 'email', 'status', 'role']),
      (4, 'table', 'public', 'os_proposals', ARRAY[]::text[]),
      (5, 'table', 'public', 'os_proposal_approvals', ARRAY['apr_code', 'level', 'status', 'proposal', 'decided_at']),
      (11, 'table', 'governance', 'ledger', ARRAY['tier', 'file', 'file_sha256', 'rolled_back_at']),
      (12, 'view', 'governance', 'v_release_state', ARRAY['ospa', 'ownership', 'gap', 'conflict', 'gov_emit', 'idle']),
      (13, 'view', 'governance', 'v_tier_status',
           ARRAY['tier', 'name', 'applied', 'attempt', 'file_sha256', 'apr_code', 'applied_at']),
      (14, 'view', 'governance', 'v_scanner_new', ARRAY['rule', 'severity', 'subject', 'detail'])
    ), fn_need (ord, nsp, fn) AS (VALUES
      (15, 'governance', 'scan')
    ), nsp AS (
      SELECT n.nspname, n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname IN ('public', 'governance')
    ), rel AS (
      SELECT r.*, c.oid AS relid
        FROM rel_need r
        JOIN nsp ON nsp.nspname = r.nsp
        LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = nsp.oid AND c.relname = r.rel
                                       AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    )
    SELECT 0 AS ord, 0 AS sub, 'schema public' AS what WHERE NOT EXISTS (SELECT 1 FROM nsp WHERE nsp.nspname = 'public')
    UNION ALL
    SELECT rel.ord, 0, format('%s %s.%s', rel.kind, rel.nsp, rel.rel) FROM rel WHERE rel.relid IS NULL
    UNION ALL
    SELECT rel.ord, c.n, format('column %s.%s.%s', rel.nsp, rel.rel, c.col)
      FROM rel CROSS JOIN LATERAL unnest(rel.cols) WITH ORDINALITY AS c (col, n)
     WHERE rel.relid IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = rel.relid AND a.attname = c.col AND a.attnum > 0 AND NOT a.attisdropped)
    UNION ALL
    SELECT f.ord, 0, format('function %s.%s()', f.nsp, f.fn)
      FROM fn_need f JOIN nsp ON nsp.nspname = f.nsp
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                        WHERE p.pronamespace = nsp.oid AND p.proname = f.fn AND p.pronargs = 0)
  ) AS m \gset
