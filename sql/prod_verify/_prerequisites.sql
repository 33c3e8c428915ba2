-- sql/prod_verify/_prerequisites.sql — include (\ir) of 00_preflight.sql and _requires.sql; never
-- run alone. What the packet reads, checked through the catalogue only (pg_namespace, pg_class,
-- pg_attribute, pg_proc: readable by every role, whatever it may SELECT), so that a database
-- that is not this packet's baseline or result — an empty one, another application's, one with a
-- schema, table, view, column or function gone, one where someone made a schema governance by
-- hand — is named for what it lacks instead of failing on the first missing relation.
-- Each object is listed with who reads it; the psql variable oneroof_requires (set by the
-- includer: a probe's name, or preflight) selects the objects checked. Prints nothing. Leaves:
--   setting oneroof.prerequisites_missing             the missing objects, ', '-separated ('' when
--                                                      none): schema public, table public.x, column
--                                                      public.x.y, view governance.v, function governance.f()
--   setting oneroof.prerequisites_missing_public      the same, of schema public only
--   setting oneroof.prerequisites_missing_governance  the same, of schema governance only
--   setting oneroof.prerequisites_for                 the value of oneroof_requires
--   psql variable oneroof_prerequisites_met           t / f
-- The objects of schema governance are needed only when that schema exists (absent: the
-- baseline). A missing schema is named alone, not each object in it. Whether the session may read
-- what exists is not judged here: a missing grant stays the server's own error (permission denied).
-- Keep in step with what the probes and 00_preflight.sql read (sql/README.md, "Production notes").
SELECT set_config('oneroof.prerequisites_missing', coalesce(string_agg(m.what, ', ' ORDER BY m.ord, m.sub), ''), false)
         AS oneroof_prerequisites_set,
       set_config('oneroof.prerequisites_missing_public',
                  coalesce(string_agg(m.what, ', ' ORDER BY m.ord, m.sub) FILTER (WHERE m.ord < 10), ''), false)
         AS oneroof_prerequisites_public_set,
       set_config('oneroof.prerequisites_missing_governance',
                  coalesce(string_agg(m.what, ', ' ORDER BY m.ord, m.sub) FILTER (WHERE m.ord >= 10), ''), false)
         AS oneroof_prerequisites_governance_set,
       set_config('oneroof.prerequisites_for', :'oneroof_requires', false) AS oneroof_prerequisites_for_set,
       count(m.what) = 0 AS oneroof_prerequisites_met
  FROM (
    WITH need (ord, kind, nsp, rel, cols, used_by) AS (VALUES
      -- schema public: what the packet reads there (the tiers too). The state vector is read first
      -- by every command: it needs all of it, since its figures mean nothing on another database.
      (1, 'table', 'public', 'directus_collections', ARRAY['collection', 'group', 'note', 'hidden'],
          ARRAY['preflight', 'state_vector']),
      (2, 'table', 'public', 'directus_roles', ARRAY['id', 'name', 'admin_access'], ARRAY['preflight', 'state_vector']),
      (3, 'table', 'public', 'directus_users', ARRAY['id', 'email', 'status', 'role'], ARRAY['preflight', 'state_vector']),
      (4, 'table', 'public', 'os_proposals', ARRAY[]::text[], ARRAY['preflight', 'state_vector']),
      (5, 'table', 'public', 'os_proposal_approvals', ARRAY['apr_code', 'level', 'status', 'proposal', 'decided_at'],
          ARRAY['preflight', 'state_vector', 'gate']),
      -- schema governance, once it exists (tier 10 makes all of it in one transaction). The ledger
      -- (tier_status) is this packet's only when the whole structure is there; each other probe
      -- needs what it reads, so the state vector (and with it a full rollback) still reads when the
      -- scanner is gone.
      (11, 'table', 'governance', 'ledger', ARRAY['tier', 'file', 'file_sha256', 'rolled_back_at'],
           ARRAY['preflight', 'tier_status']),
      (12, 'view', 'governance', 'v_release_state', ARRAY['ospa', 'ownership', 'gap', 'conflict', 'gov_emit', 'idle'],
           ARRAY['preflight', 'state_vector', 'tier_status']),
      (13, 'view', 'governance', 'v_tier_status',
           ARRAY['tier', 'name', 'applied', 'attempt', 'file_sha256', 'apr_code', 'applied_at'], ARRAY['preflight', 'tier_status']),
      (14, 'view', 'governance', 'v_scanner_new', ARRAY['rule', 'severity', 'subject', 'detail'],
           ARRAY['preflight', 'tier_status', 'findings_new']),
      (15, 'function', 'governance', 'scan', NULL, ARRAY['preflight', 'tier_status', 'scanner_count'])
    ), wanted AS (
      SELECT need.*, n.oid AS nspid
        FROM need JOIN pg_catalog.pg_namespace n ON n.nspname = need.nsp
       WHERE :'oneroof_requires' = ANY (need.used_by)
    ), rel AS (
      SELECT w.*, c.oid AS relid
        FROM wanted w
        LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = w.nspid AND c.relname = w.rel
                                       AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       WHERE w.kind <> 'function'
    ), missing AS (
      SELECT 0 AS ord, 0::bigint AS sub, 'schema public' AS what
       WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public')
         AND EXISTS (SELECT 1 FROM need WHERE need.nsp = 'public' AND :'oneroof_requires' = ANY (need.used_by))
      UNION ALL
      SELECT rel.ord, 0, format('%s %s.%s', rel.kind, rel.nsp, rel.rel) FROM rel WHERE rel.relid IS NULL
      UNION ALL
      SELECT rel.ord, c.n, format('column %s.%s.%s', rel.nsp, rel.rel, c.col)
        FROM rel CROSS JOIN LATERAL unnest(rel.cols) WITH ORDINALITY AS c (col, n)
       WHERE rel.relid IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = rel.relid AND a.attname = c.col AND a.attnum > 0 AND NOT a.attisdropped)
      UNION ALL
      SELECT w.ord, 0, format('function %s.%s()', w.nsp, w.rel)
        FROM wanted w
       WHERE w.kind = 'function'
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                          WHERE p.pronamespace = w.nspid AND p.proname = w.rel AND p.pronargs = 0)
    )
    SELECT min(missing.ord) AS ord, min(missing.sub) AS sub, missing.what FROM missing GROUP BY missing.what
  ) AS m \gset
