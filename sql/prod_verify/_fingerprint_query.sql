-- sql/prod_verify/_fingerprint_query.sql — included (\ir), never run alone. Read-only.
--
-- Sets the psql variable oneroof_fp_sections_sql: the text of a SELECT returning one row per
-- fingerprint section (section, items, digest). Interpolate it unquoted, as a subquery:
--     SELECT ... FROM (:oneroof_fp_sections_sql) AS s
-- and only between _canonical_on.sql and _canonical_off.sql (search_path = pg_catalog,
-- TimeZone = UTC, ISO dates, ...), so the text it hashes does not depend on the session.
--
-- Sections (sql/README.md, "The fingerprint"):
--   catalog.database  extensions, event triggers, per-database settings, database ACL,
--                     default ACLs, publications
--   catalog.<schema>  for every non-system schema: the schema (owner, ACL, comment), relations
--                     (kind, owner, ACL, options, RLS, comment), columns (position among live
--                     columns, type, not null, default, identity, collation, ACL, comment),
--                     constraints, indexes, triggers, rules, view definitions, policies,
--                     sequences' parameters, functions (full definition), types, operators and
--                     the other named objects
--   data.<schema>.<table>  row count and sha256 of the rows (as text, sorted bytewise) of every
--                     table in governance and of public.os_*, directus_collections,
--                     directus_roles, directus_users (what the release reads or writes; other
--                     user data is not hashed: production tables can be large)
-- Everything is named, never numbered: no OIDs, no physical order, no timestamps of its own;
-- every ORDER BY is COLLATE "C". Sequences' current values are not covered.
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_fp_client_min_messages \gset
SELECT $oneroof_fp$
WITH ns AS (
  SELECT n.oid, n.nspname::text AS nspname
    FROM pg_namespace n
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
),
rel AS (
  SELECT c.oid, c.relname::text AS relname, c.relkind, ns.nspname
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
),
catalog_lines (section, line) AS (
  SELECT 'catalog.database', 'extension ' || e.extname || ' version ' || e.extversion
         || ' schema ' || e.extnamespace::regnamespace::text
    FROM pg_extension e
  UNION ALL
  SELECT 'catalog.database', 'event_trigger ' || t.evtname || ' on ' || t.evtevent
         || ' function ' || t.evtfoid::regprocedure::text || ' enabled ' || t.evtenabled::text
         || ' tags ' || coalesce(t.evttags::text, '-')
    FROM pg_event_trigger t
  UNION ALL
  SELECT 'catalog.database', 'setting role ' || coalesce(pg_get_userbyid(nullif(s.setrole, 0))::text, '*')
         || ' ' || array_to_string(s.setconfig, ' ')
    FROM pg_db_role_setting s
    JOIN pg_database d ON d.oid = s.setdatabase AND d.datname = current_database()
  UNION ALL
  SELECT 'catalog.database', 'database acl ' || coalesce(d.datacl::text, '-')
    FROM pg_database d WHERE d.datname = current_database()
  UNION ALL
  SELECT 'catalog.database', 'default_acl role ' || pg_get_userbyid(a.defaclrole)
         || ' schema ' || CASE WHEN a.defaclnamespace = 0 THEN '*' ELSE a.defaclnamespace::regnamespace::text END
         || ' objtype ' || a.defaclobjtype::text || ' acl ' || coalesce(a.defaclacl::text, '-')
    FROM pg_default_acl a
  UNION ALL
  SELECT 'catalog.database', 'publication ' || p.pubname || ' owner ' || pg_get_userbyid(p.pubowner)
         || ' all_tables ' || p.puballtables
    FROM pg_publication p
  UNION ALL
  SELECT 'catalog.' || ns.nspname, 'schema owner ' || pg_get_userbyid(n.nspowner)
         || ' acl ' || coalesce(n.nspacl::text, '-')
         || ' comment ' || coalesce(obj_description(n.oid, 'pg_namespace'), '-')
    FROM ns JOIN pg_namespace n ON n.oid = ns.oid
  UNION ALL
  SELECT 'catalog.' || r.nspname, 'relation ' || r.relname || ' kind ' || c.relkind::text
         || ' persistence ' || c.relpersistence::text || ' owner ' || pg_get_userbyid(c.relowner)
         || ' acl ' || coalesce(c.relacl::text, '-') || ' options ' || coalesce(c.reloptions::text, '-')
         || ' rls ' || c.relrowsecurity || '/' || c.relforcerowsecurity
         || ' replica_identity ' || c.relreplident::text
         || ' comment ' || coalesce(obj_description(c.oid, 'pg_class'), '-')
    FROM rel r JOIN pg_class c ON c.oid = r.oid
   WHERE c.relkind NOT IN ('i', 'I', 't')
  UNION ALL
  SELECT 'catalog.' || r.nspname, 'column ' || r.relname
         || ' #' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)
         || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
         || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
         || CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END
         || CASE WHEN a.attcollation <> ty.typcollation THEN ' collate ' || co.collname ELSE '' END
         || coalesce(' acl ' || a.attacl::text, '')
         || coalesce(' comment ' || col_description(a.attrelid, a.attnum), '')
    FROM rel r
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type ty ON ty.oid = a.atttypid
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE r.relkind NOT IN ('i', 'I', 't')
  UNION ALL
  SELECT 'catalog.' || ns.nspname, 'constraint ' || coalesce(cr.relname::text, ct.typname::text, '-')
         || '.' || con.conname || ' ' || pg_get_constraintdef(con.oid)
    FROM pg_constraint con JOIN ns ON ns.oid = con.connamespace
    LEFT JOIN pg_class cr ON cr.oid = con.conrelid
    LEFT JOIN pg_type ct ON ct.oid = con.contypid
  UNION ALL
  SELECT 'catalog.' || r.nspname, 'index ' || pg_get_indexdef(r.oid)
         || coalesce(' comment ' || obj_description(r.oid, 'pg_class'), '')
    FROM rel r WHERE r.relkind IN ('i', 'I')
  UNION ALL
  SELECT 'catalog.' || r.nspname, 'trigger ' || pg_get_triggerdef(tg.oid) || ' enabled ' || tg.tgenabled::text
    FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid
   WHERE NOT tg.tgisinternal
  UNION ALL
  SELECT 'catalog.' || r.nspname, 'rule ' || pg_get_ruledef(rw.oid)
    FROM pg_rewrite rw JOIN rel r ON r.oid = rw.ev_class
   WHERE rw.rulename <> '_RETURN'
  UNION ALL
  SELECT 'catalog.' || r.nspname, 'view ' || r.relname || ' ' || pg_get_viewdef(r.oid)
    FROM rel r WHERE r.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'catalog.' || r.nspname, 'policy ' || r.relname || '.' || p.polname || ' ' || p.polcmd::text
         || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END
         || ' roles ' || coalesce((SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x)::text END,
                                                     ',' ORDER BY CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x)::text END COLLATE "C")
                                     FROM unnest(p.polroles) AS x), '-')
         || ' using ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-')
         || ' check ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
    FROM pg_policy p JOIN rel r ON r.oid = p.polrelid
  UNION ALL
  SELECT 'catalog.' || r.nspname, 'sequence ' || r.relname || ' ' || format_type(s.seqtypid, NULL)
         || ' start ' || s.seqstart || ' increment ' || s.seqincrement || ' min ' || s.seqmin
         || ' max ' || s.seqmax || ' cache ' || s.seqcache || ' cycle ' || s.seqcycle
    FROM pg_sequence s JOIN rel r ON r.oid = s.seqrelid
  UNION ALL
  SELECT 'catalog.' || ns.nspname, 'function ' || p.oid::regprocedure::text || ' kind ' || p.prokind::text
         || ' owner ' || pg_get_userbyid(p.proowner) || ' acl ' || coalesce(p.proacl::text, '-')
         || ' comment ' || coalesce(obj_description(p.oid, 'pg_proc'), '-') || ' '
         || CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
  UNION ALL
  SELECT 'catalog.' || ns.nspname, 'type ' || t.typname || ' ' || t.typtype::text
         || ' owner ' || pg_get_userbyid(t.typowner) || ' acl ' || coalesce(t.typacl::text, '-')
         || CASE t.typtype
              WHEN 'd' THEN ' domain of ' || format_type(t.typbasetype, t.typtypmod)
                            || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
                            || coalesce(' default ' || t.typdefault, '')
              WHEN 'e' THEN ' labels ' || coalesce((SELECT string_agg(e.enumlabel::text, ',' ORDER BY e.enumsortorder)
                                                      FROM pg_enum e WHERE e.enumtypid = t.oid), '')
              ELSE '' END
    FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
   WHERE t.typtype IN ('b', 'd', 'e', 'r', 'm') AND t.typcategory <> 'A'
  UNION ALL
  SELECT 'catalog.' || ns.nspname, 'object ' || pg_describe_object(o.classid, o.objid, 0)
    FROM (SELECT 'pg_operator'::regclass AS classid, oid AS objid, oprnamespace AS nsp FROM pg_operator
          UNION ALL SELECT 'pg_collation'::regclass, oid, collnamespace FROM pg_collation
          UNION ALL SELECT 'pg_opclass'::regclass, oid, opcnamespace FROM pg_opclass
          UNION ALL SELECT 'pg_opfamily'::regclass, oid, opfnamespace FROM pg_opfamily
          UNION ALL SELECT 'pg_conversion'::regclass, oid, connamespace FROM pg_conversion
          UNION ALL SELECT 'pg_ts_config'::regclass, oid, cfgnamespace FROM pg_ts_config
          UNION ALL SELECT 'pg_ts_dict'::regclass, oid, dictnamespace FROM pg_ts_dict
          UNION ALL SELECT 'pg_statistic_ext'::regclass, oid, stxnamespace FROM pg_statistic_ext) AS o
    JOIN ns ON ns.oid = o.nsp
),
data_tables AS (
  SELECT r.nspname, r.relname
    FROM rel r
   WHERE r.relkind IN ('r', 'p')
     AND (r.nspname = 'governance'
          OR (r.nspname = 'public'
              AND (r.relname LIKE 'os\_%' OR r.relname IN ('directus_collections', 'directus_roles', 'directus_users'))))
),
data_sections AS (
  SELECT 'data.' || d.nspname || '.' || d.relname AS section,
         (xpath('/table/row/n/text()', x))[1]::text::bigint AS items,
         (xpath('/table/row/d/text()', x))[1]::text AS digest
    FROM data_tables d
   CROSS JOIN LATERAL query_to_xml(format(
           'SELECT count(*) AS n, encode(sha256(convert_to(coalesce(string_agg(ROW(x.*)::text, chr(10)'
           ' ORDER BY ROW(x.*)::text COLLATE "C"), %L), %L)), %L) AS d FROM %I.%I AS x',
           '', 'UTF8', 'hex', d.nspname, d.relname), false, false, '') AS x
)
SELECT c.section, count(*) AS items,
       encode(sha256(convert_to(string_agg(coalesce(c.line, '<null>'), E'\n' ORDER BY c.line COLLATE "C"), 'UTF8')), 'hex') AS digest
  FROM catalog_lines c
 GROUP BY c.section
UNION ALL
SELECT section, items, digest FROM data_sections
$oneroof_fp$ AS oneroof_fp_sections_sql \gset
