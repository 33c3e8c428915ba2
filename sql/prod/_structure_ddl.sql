-- sql/prod/_structure_ddl.sql — the structure of tier 10: 11 tables, 31 views, 1 function, all
-- in schema governance. Included (\ir) by 10_structure.sql (inside its transaction) and by
-- clone_revalidation/20_revalidate.sql (inside a transaction that is rolled back); never run
-- alone, and no transaction control here.
--
-- Inert by construction:
--   * nothing outside schema governance is created, altered or granted; no triggers, no
--     foreign keys to Directus tables (a foreign key would put RI triggers on the referenced
--     table), no grants, no default privileges, no data;
--   * CREATE ... IF NOT EXISTS and CREATE OR REPLACE throughout, so running it again over the
--     live objects changes nothing (20_revalidate.sql proves it: the catalog digest is equal
--     before and after).
-- The views read these Directus/os columns (while governance is installed, DDL that drops or
-- retypes them fails: see sql/README.md, "Coupling"):
--   directus_collections(collection, "group", note, hidden), directus_roles(id, name, admin_access),
--   directus_users(id, email, status, role), os_proposal_approvals(apr_code, level, status,
--   proposal, decided_at), and pg_stat_activity.
-- Every name is schema-qualified: the file is correct under any search_path.
SET client_min_messages = notice;

CREATE SCHEMA IF NOT EXISTS governance;
COMMENT ON SCHEMA governance IS
  'One-Roof Governance Phase-1 (sql/README.md). Removed whole by sql/prod_rollback/99_rollback_full.sql.';

-- ---------------------------------------------------------------------------------------------
-- Tables (11)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS governance.ledger (
  tier           smallint NOT NULL CHECK (tier IN (10, 20, 30, 40, 50, 60)),
  attempt        smallint NOT NULL CHECK (attempt >= 1),
  name           text NOT NULL,
  file           text NOT NULL,
  file_sha256    text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  includes       jsonb NOT NULL DEFAULT '{}',
  apr_code       text NOT NULL,
  detail         jsonb NOT NULL DEFAULT '{}',
  applied_at     timestamptz NOT NULL DEFAULT now(),
  applied_by     text NOT NULL DEFAULT current_user,
  rolled_back_at timestamptz,
  rolled_back_by text,
  PRIMARY KEY (tier, attempt),
  CHECK ((rolled_back_at IS NULL) = (rolled_back_by IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS ledger_one_applied_attempt
  ON governance.ledger (tier) WHERE rolled_back_at IS NULL;
COMMENT ON TABLE governance.ledger IS
  'One row per tier attempt: file and sha256 (as in manifest-sha256.txt), APR, outcome (detail), who/when; rolled_back_* set by per-tier rollback. A tier is applied when it has a row with rolled_back_at IS NULL.';

CREATE TABLE IF NOT EXISTS governance.event (
  tier       smallint NOT NULL,
  attempt    smallint NOT NULL,
  kind       text NOT NULL CHECK (kind ~ '^[a-z_]+\.[a-z_]+$'),
  payload    jsonb NOT NULL,
  emitted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tier, attempt, kind),
  FOREIGN KEY (tier, attempt) REFERENCES governance.ledger (tier, attempt) DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON TABLE governance.event IS
  'Governance events emitted by the release (the gov_emit figure): one per mutating tier, payload = the tier''s outcome. Undelivered outbox for Phase 2; per-tier rollback removes its tier''s event.';

CREATE TABLE IF NOT EXISTS governance.responsibility_axis (
  axis_code         text PRIMARY KEY CHECK (axis_code ~ '^[a-z][a-z_]*$'),
  ordinal           smallint NOT NULL UNIQUE,
  title             text NOT NULL,
  collection_prefix text NOT NULL UNIQUE CHECK (collection_prefix ~ '^[a-z]+_$'),
  steward_role_name text NOT NULL,
  steward_role      uuid NOT NULL,
  directus_folder   text NOT NULL
);
COMMENT ON TABLE governance.responsibility_axis IS
  'Tier 20: the responsibility axis (7 points, from _reference.sql). steward_role is directus_roles.id resolved by name at tier 20 (no foreign key: it would put triggers on a Directus table).';

CREATE TABLE IF NOT EXISTS governance.axis_placement (
  collection text PRIMARY KEY,
  axis_code  text NOT NULL REFERENCES governance.responsibility_axis (axis_code),
  placed_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE governance.axis_placement IS
  'Tier 20: every governed entity on exactly one axis point (its name starts with the point''s prefix).';

CREATE TABLE IF NOT EXISTS governance.sovereign_ownership (
  collection text NOT NULL REFERENCES governance.axis_placement (collection),
  owner_role uuid NOT NULL,
  axis_code  text NOT NULL REFERENCES governance.responsibility_axis (axis_code),
  apr_code   text NOT NULL,
  seeded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection, owner_role)
);
COMMENT ON TABLE governance.sovereign_ownership IS
  'Tier 30: the sovereign owner (a Directus role) of each governed entity: the steward of its axis point. The key allows a second owner so that a conflict can be seen (v_ownership_conflict), never created by the release.';

CREATE TABLE IF NOT EXISTS governance.containment_boundary (
  boundary_code   text PRIMARY KEY,
  axis_code       text NOT NULL UNIQUE REFERENCES governance.responsibility_axis (axis_code),
  classification  text NOT NULL CHECK (classification IN ('restricted', 'internal')),
  directus_folder text NOT NULL
);
COMMENT ON TABLE governance.containment_boundary IS
  'Tier 40: one containment boundary per axis point, with the data classification its entities are held under.';

CREATE TABLE IF NOT EXISTS governance.containment (
  collection    text PRIMARY KEY REFERENCES governance.axis_placement (collection),
  boundary_code text NOT NULL REFERENCES governance.containment_boundary (boundary_code),
  contained_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE governance.containment IS
  'Tier 40: every governed entity inside the boundary of its own axis point.';

CREATE TABLE IF NOT EXISTS governance.topic (
  topic_code        text PRIMARY KEY CHECK (topic_code ~ '^[a-z_]+\.[a-z_]+$'),
  axis_code         text NOT NULL REFERENCES governance.responsibility_axis (axis_code),
  title             text NOT NULL,
  collection_prefix text NOT NULL UNIQUE
);
COMMENT ON TABLE governance.topic IS
  'Tier 50: the topic reference set (42 topics, from _reference.sql) as finalized.';

CREATE TABLE IF NOT EXISTS governance.topic_assignment (
  collection   text PRIMARY KEY REFERENCES governance.axis_placement (collection),
  topic_code   text NOT NULL REFERENCES governance.topic (topic_code),
  finalized_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE governance.topic_assignment IS
  'Tier 50: the finalized topic of every governed entity.';

CREATE TABLE IF NOT EXISTS governance.scanner_rule (
  rule      text PRIMARY KEY CHECK (rule ~ '^[a-z_]+\.[a-z_]+$'),
  kind      text NOT NULL CHECK (kind IN ('invariant', 'debt')),
  severity  text NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
  rationale text NOT NULL
);
COMMENT ON TABLE governance.scanner_rule IS
  'Tier 60: the rules governance.scan() applies. invariant: what the release establishes (0 findings after it); debt: what Phase 1 records as the baseline for later phases.';

CREATE TABLE IF NOT EXISTS governance.scanner_baseline (
  rule         text NOT NULL REFERENCES governance.scanner_rule (rule),
  subject      text NOT NULL,
  detail       text NOT NULL,
  apr_code     text NOT NULL,
  baselined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule, subject)
);
COMMENT ON TABLE governance.scanner_baseline IS
  'Tier 60: the findings of governance.scan() at release time (38 on the golden clone). A later finding not in here is new (v_scanner_new).';

-- ---------------------------------------------------------------------------------------------
-- Views (31). Each one is used by a tier assertion, the verify suite, a probe or an operator
-- (sql/README.md, "Views"). Order matters: a view comes after the views it reads.
-- ---------------------------------------------------------------------------------------------

-- The governed entities: Directus user collections backed by a table in public (a folder is a
-- collection row without a table; a table not registered in Directus is not governed).
CREATE OR REPLACE VIEW governance.v_governed_entity AS
SELECT c.collection::text AS collection, c."group"::text AS directus_folder, c.note, c.hidden
  FROM public.directus_collections c
  JOIN pg_catalog.pg_class t ON t.relname = c.collection::text AND t.relkind IN ('r', 'p')
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
 WHERE c.collection::text NOT LIKE 'directus\_%';
COMMENT ON VIEW governance.v_governed_entity IS 'The governed entities (210 on the golden clone).';

CREATE OR REPLACE VIEW governance.v_axis AS
SELECT a.ordinal, a.axis_code, a.title, a.collection_prefix, a.steward_role_name, a.directus_folder,
       (SELECT count(*) FROM governance.axis_placement p WHERE p.axis_code = a.axis_code) AS placed
  FROM governance.responsibility_axis a;
COMMENT ON VIEW governance.v_axis IS 'Operator: the axis points, their stewards and how many entities each holds.';

CREATE OR REPLACE VIEW governance.v_axis_unplaced AS
SELECT g.collection
  FROM governance.v_governed_entity g
 WHERE NOT EXISTS (SELECT 1 FROM governance.axis_placement p WHERE p.collection = g.collection);
COMMENT ON VIEW governance.v_axis_unplaced IS 'Tier 20 / verify / scanner: governed entities not on the axis.';

CREATE OR REPLACE VIEW governance.v_axis_misplaced AS
SELECT p.collection, p.axis_code,
       CASE WHEN g.collection IS NULL THEN 'not a governed entity'
            ELSE 'name does not start with ' || a.collection_prefix END AS reason
  FROM governance.axis_placement p
  JOIN governance.responsibility_axis a ON a.axis_code = p.axis_code
  LEFT JOIN governance.v_governed_entity g ON g.collection = p.collection
 WHERE g.collection IS NULL OR NOT starts_with(p.collection, a.collection_prefix);
COMMENT ON VIEW governance.v_axis_misplaced IS 'Tier 20 / verify: placements that no longer match the live graph.';

CREATE OR REPLACE VIEW governance.v_steward AS
SELECT a.axis_code, a.steward_role_name, a.steward_role,
       EXISTS (SELECT 1 FROM public.directus_roles r WHERE r.id = a.steward_role) AS role_exists,
       (SELECT count(*) FROM public.directus_users u WHERE u.role = a.steward_role) AS members,
       (SELECT count(*) FROM public.directus_users u WHERE u.role = a.steward_role AND u.status = 'active') AS active_members
  FROM governance.responsibility_axis a;
COMMENT ON VIEW governance.v_steward IS 'Operator: each axis steward role and its (active) members.';

CREATE OR REPLACE VIEW governance.v_ownership AS
SELECT o.collection, o.owner_role, r.name::text AS owner_role_name, o.axis_code, o.apr_code, o.seeded_at
  FROM governance.sovereign_ownership o
  LEFT JOIN public.directus_roles r ON r.id = o.owner_role;
COMMENT ON VIEW governance.v_ownership IS 'Operator: the sovereign owner of each entity, by role name.';

CREATE OR REPLACE VIEW governance.v_ownership_gap AS
SELECT g.collection
  FROM governance.v_governed_entity g
 WHERE NOT EXISTS (SELECT 1 FROM governance.sovereign_ownership o WHERE o.collection = g.collection);
COMMENT ON VIEW governance.v_ownership_gap IS 'The gap figure: governed entities with no sovereign owner (210 before tier 30, 0 after).';

CREATE OR REPLACE VIEW governance.v_ownership_conflict AS
SELECT o.collection, count(*) AS owners
  FROM governance.sovereign_ownership o
  JOIN governance.v_governed_entity g ON g.collection = o.collection
 GROUP BY o.collection
HAVING count(*) > 1;
COMMENT ON VIEW governance.v_ownership_conflict IS 'The conflict figure: governed entities with more than one sovereign owner.';

CREATE OR REPLACE VIEW governance.v_ownership_orphan AS
SELECT o.collection, o.owner_role,
       CASE WHEN g.collection IS NULL THEN 'not a governed entity' ELSE 'owner role no longer exists' END AS reason
  FROM governance.sovereign_ownership o
  LEFT JOIN governance.v_governed_entity g ON g.collection = o.collection
 WHERE g.collection IS NULL
    OR NOT EXISTS (SELECT 1 FROM public.directus_roles r WHERE r.id = o.owner_role);
COMMENT ON VIEW governance.v_ownership_orphan IS 'Verify / scanner: ownership of a vanished entity or by a vanished role.';

CREATE OR REPLACE VIEW governance.v_ownership_axis_mismatch AS
SELECT o.collection, o.owner_role, p.axis_code AS placed_on, a.steward_role AS axis_steward
  FROM governance.sovereign_ownership o
  JOIN governance.axis_placement p ON p.collection = o.collection
  JOIN governance.responsibility_axis a ON a.axis_code = p.axis_code
 WHERE o.owner_role <> a.steward_role OR o.axis_code <> p.axis_code;
COMMENT ON VIEW governance.v_ownership_axis_mismatch IS 'Tier 30 / verify / scanner: owners that are not the steward of the entity''s axis point.';

CREATE OR REPLACE VIEW governance.v_owner_load AS
SELECT o.owner_role, max(r.name::text) AS owner_role_name, count(*) AS owned,
       string_agg(DISTINCT o.axis_code, ',' ORDER BY o.axis_code) AS axes
  FROM governance.sovereign_ownership o
  LEFT JOIN public.directus_roles r ON r.id = o.owner_role
 GROUP BY o.owner_role;
COMMENT ON VIEW governance.v_owner_load IS 'Operator: how many entities each owner role holds.';

CREATE OR REPLACE VIEW governance.v_containment AS
SELECT c.collection, c.boundary_code, b.classification, b.axis_code,
       (g.directus_folder IS NOT DISTINCT FROM b.directus_folder) AS in_boundary_folder
  FROM governance.containment c
  JOIN governance.containment_boundary b ON b.boundary_code = c.boundary_code
  LEFT JOIN governance.v_governed_entity g ON g.collection = c.collection;
COMMENT ON VIEW governance.v_containment IS 'Operator: each entity''s boundary and classification, and whether its Directus folder agrees.';

CREATE OR REPLACE VIEW governance.v_containment_gap AS
SELECT g.collection,
       CASE WHEN c.collection IS NULL THEN 'not contained'
            ELSE 'boundary ' || c.boundary_code || ' is not on axis point ' || coalesce(p.axis_code, '(unplaced)') END AS reason
  FROM governance.v_governed_entity g
  LEFT JOIN governance.containment c ON c.collection = g.collection
  LEFT JOIN governance.containment_boundary b ON b.boundary_code = c.boundary_code
  LEFT JOIN governance.axis_placement p ON p.collection = g.collection
 WHERE c.collection IS NULL OR p.axis_code IS DISTINCT FROM b.axis_code;
COMMENT ON VIEW governance.v_containment_gap IS 'The containment gap: governed entities outside the boundary of their axis point (0 after tier 40).';

CREATE OR REPLACE VIEW governance.v_boundary_load AS
SELECT b.boundary_code, b.classification, b.axis_code,
       (SELECT count(*) FROM governance.containment c WHERE c.boundary_code = b.boundary_code) AS contained
  FROM governance.containment_boundary b;
COMMENT ON VIEW governance.v_boundary_load IS 'Operator: how many entities each boundary contains.';

CREATE OR REPLACE VIEW governance.v_topic_reference AS
SELECT t.topic_code, t.axis_code, t.title, t.collection_prefix,
       (SELECT count(*) FROM governance.v_governed_entity g WHERE starts_with(g.collection, t.collection_prefix)) AS live_entities
  FROM governance.topic t;
COMMENT ON VIEW governance.v_topic_reference IS 'Operator review: the finalized reference set and how many live entities each topic matches.';

CREATE OR REPLACE VIEW governance.v_topic_assignment AS
SELECT a.collection, a.topic_code, t.title, t.axis_code, a.finalized_at
  FROM governance.topic_assignment a
  JOIN governance.topic t ON t.topic_code = a.topic_code;
COMMENT ON VIEW governance.v_topic_assignment IS 'Operator: the finalized topic of each entity.';

-- Divergent: the finalized topic is not the one the reference set gives (no match, several
-- matches, or a different assignment).
CREATE OR REPLACE VIEW governance.v_topic_divergent AS
SELECT g.collection, a.topic_code AS assigned, m.matches[1] AS reference,
       CASE WHEN coalesce(cardinality(m.matches), 0) = 0 THEN 'no reference topic matches'
            WHEN cardinality(m.matches) > 1 THEN 'several reference topics match: ' || array_to_string(m.matches, ',')
            WHEN a.topic_code IS NULL THEN 'no finalized topic'
            ELSE 'finalized ' || a.topic_code || ', reference ' || m.matches[1] END AS reason
  FROM governance.v_governed_entity g
  LEFT JOIN governance.topic_assignment a ON a.collection = g.collection
 CROSS JOIN LATERAL (SELECT array_agg(t.topic_code ORDER BY t.topic_code COLLATE "C") AS matches
                       FROM governance.topic t WHERE starts_with(g.collection, t.collection_prefix)) m
 WHERE coalesce(cardinality(m.matches), 0) <> 1 OR a.topic_code IS DISTINCT FROM m.matches[1];
COMMENT ON VIEW governance.v_topic_divergent IS 'The divergent figure: entities whose finalized topic differs from the reference set (0 after tier 50).';

-- Projection: a finalized topic must project onto the entity's own axis point.
CREATE OR REPLACE VIEW governance.v_topic_projection AS
SELECT a.collection, a.topic_code, t.axis_code AS topic_axis, p.axis_code AS entity_axis
  FROM governance.topic_assignment a
  JOIN governance.topic t ON t.topic_code = a.topic_code
  LEFT JOIN governance.axis_placement p ON p.collection = a.collection
 WHERE p.axis_code IS DISTINCT FROM t.axis_code;
COMMENT ON VIEW governance.v_topic_projection IS 'The projection figure: topics that do not project onto the entity''s axis point (0 after tier 50).';

CREATE OR REPLACE VIEW governance.v_topic_unused AS
SELECT r.topic_code, r.axis_code, r.collection_prefix
  FROM governance.v_topic_reference r
 WHERE r.live_entities = 0;
COMMENT ON VIEW governance.v_topic_unused IS 'Operator review: reference topics that match no live entity (drift since the reference was made).';

CREATE OR REPLACE VIEW governance.v_entity_profile AS
SELECT g.collection, g.directus_folder, p.axis_code, o.owner_role_name, c.boundary_code, b.classification,
       a.topic_code, g.note IS NOT NULL AND g.note <> '' AS documented
  FROM governance.v_governed_entity g
  LEFT JOIN governance.axis_placement p ON p.collection = g.collection
  LEFT JOIN LATERAL (SELECT string_agg(v.owner_role_name, ',' ORDER BY v.owner_role_name COLLATE "C") AS owner_role_name
                       FROM governance.v_ownership v WHERE v.collection = g.collection) o ON true
  LEFT JOIN governance.containment c ON c.collection = g.collection
  LEFT JOIN governance.containment_boundary b ON b.boundary_code = c.boundary_code
  LEFT JOIN governance.topic_assignment a ON a.collection = g.collection;
COMMENT ON VIEW governance.v_entity_profile IS 'Operator: one row per governed entity, everything under one roof (axis, owner, boundary, topic).';

CREATE OR REPLACE VIEW governance.v_release_state AS
SELECT (SELECT count(*) FROM public.os_proposal_approvals) AS ospa,
       (SELECT count(*) FROM governance.sovereign_ownership) AS ownership,
       (SELECT count(*) FROM governance.v_ownership_gap) AS gap,
       (SELECT count(*) FROM governance.v_ownership_conflict) AS conflict,
       (SELECT count(*) FROM governance.event) AS gov_emit,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity s
         WHERE s.datname = current_database() AND s.pid <> pg_backend_pid()
           AND s.state IN ('idle in transaction', 'idle in transaction (aborted)')) AS idle;
COMMENT ON VIEW governance.v_release_state IS 'The state vector (prod_verify/state_vector.sql): ospa|ownership|gap|conflict|gov_emit|idle.';

CREATE OR REPLACE VIEW governance.v_gate AS
SELECT a.apr_code::text AS apr_code, a.level::text AS level, a.status::text AS status, a.proposal::text AS proposal,
       a.decided_at, (a.status = 'ratified' AND a.level IN ('L2', 'L4')) AS opens_gate
  FROM public.os_proposal_approvals a;
COMMENT ON VIEW governance.v_gate IS 'Operator / verify: the approvals, and which of them open the gate (ratified, L2 or L4).';

CREATE OR REPLACE VIEW governance.v_tier_status AS
SELECT t.tier, t.name, l.tier IS NOT NULL AS applied, l.attempt, l.file, l.file_sha256, l.apr_code,
       l.applied_at, l.applied_by
  FROM (VALUES (10, 'structure'), (20, 'responsibility_axis'), (30, 'sovereign_ownership'),
               (40, 'containment'), (50, 'topic_finalization'), (60, 'scanner_baseline')) AS t (tier, name)
  LEFT JOIN governance.ledger l ON l.tier = t.tier AND l.rolled_back_at IS NULL;
COMMENT ON VIEW governance.v_tier_status IS 'Status / verify: the six tiers, applied or not, with file checksum and APR.';

CREATE OR REPLACE VIEW governance.v_ledger_history AS
SELECT l.tier, l.attempt, l.name, l.file, l.file_sha256, l.apr_code, l.applied_at, l.applied_by,
       l.rolled_back_at, l.rolled_back_by, l.detail
  FROM governance.ledger l;
COMMENT ON VIEW governance.v_ledger_history IS 'Auditor: every attempt of every tier, including rolled-back ones.';

CREATE OR REPLACE VIEW governance.v_event AS
SELECT e.tier, e.attempt, e.kind, e.payload, e.emitted_at
  FROM governance.event e;
COMMENT ON VIEW governance.v_event IS 'Operator: the governance events the release emitted (gov_emit).';

-- Structure counts and inertness, from the catalog. external_dependents: objects outside the
-- schema that depend on something inside it (a trigger, view, default or constraint elsewhere
-- would make the release non-inert and block a clean rollback).
CREATE OR REPLACE VIEW governance.v_catalog_inventory AS
WITH gov AS (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = 'governance'),
dep AS (
  SELECT d.classid, d.objid,
         CASE d.classid
           WHEN 'pg_catalog.pg_class'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid = d.objid)
           WHEN 'pg_catalog.pg_type'::regclass THEN (SELECT t.typnamespace FROM pg_catalog.pg_type t WHERE t.oid = d.objid)
           WHEN 'pg_catalog.pg_proc'::regclass THEN (SELECT p.pronamespace FROM pg_catalog.pg_proc p WHERE p.oid = d.objid)
           WHEN 'pg_catalog.pg_constraint'::regclass THEN (SELECT c.connamespace FROM pg_catalog.pg_constraint c WHERE c.oid = d.objid)
           WHEN 'pg_catalog.pg_rewrite'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class WHERE r.oid = d.objid)
           WHEN 'pg_catalog.pg_trigger'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid WHERE t.oid = d.objid)
           WHEN 'pg_catalog.pg_attrdef'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_attrdef a JOIN pg_catalog.pg_class c ON c.oid = a.adrelid WHERE a.oid = d.objid)
           WHEN 'pg_catalog.pg_policy'::regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid WHERE p.oid = d.objid)
         END AS dependent_namespace
    FROM pg_catalog.pg_depend d
   -- 'i' (internal): the referenced object's own parts (its toast table, row type), dropped with it
   WHERE d.deptype <> 'i'
     AND ((d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid IN (SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relnamespace IN (SELECT oid FROM gov)))
      OR (d.refclassid = 'pg_catalog.pg_proc'::regclass
          AND d.refobjid IN (SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM gov)))
      OR (d.refclassid = 'pg_catalog.pg_type'::regclass
          AND d.refobjid IN (SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typnamespace IN (SELECT oid FROM gov)))
      OR (d.refclassid = 'pg_catalog.pg_namespace'::regclass AND d.refobjid IN (SELECT oid FROM gov)))
)
SELECT (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace IN (SELECT oid FROM gov) AND c.relkind IN ('r', 'p')) AS tables,
       (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace IN (SELECT oid FROM gov) AND c.relkind = 'v') AS views,
       (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM gov)) AS functions,
       (SELECT count(*) FROM dep WHERE dep.dependent_namespace IS DISTINCT FROM (SELECT oid FROM gov)) AS external_dependents,
       (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace IN (SELECT oid FROM gov) AND c.relacl IS NOT NULL)
       + (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM gov) AND p.proacl IS NOT NULL)
       + (SELECT count(*) FROM pg_catalog.pg_namespace n WHERE n.oid IN (SELECT oid FROM gov) AND n.nspacl IS NOT NULL)
       + (SELECT count(*) FROM pg_catalog.pg_default_acl a WHERE a.defaclnamespace IN (SELECT oid FROM gov)) AS grants;
COMMENT ON VIEW governance.v_catalog_inventory IS 'Tier 10 / verify: 11 tables, 31 views, 1 function; no external dependents, no grants.';

-- ---------------------------------------------------------------------------------------------
-- The function (1): the scanner.
-- ---------------------------------------------------------------------------------------------

-- Read-only (STABLE, plain SQL), deterministic order. Rules and the 38 golden-clone findings:
-- sql/README.md, "Scanner". Keep the rule list in step with the rows 60_scanner_baseline.sql
-- puts in governance.scanner_rule (verify: scanner.uncatalogued = 0).
CREATE OR REPLACE FUNCTION governance.scan()
  RETURNS TABLE (rule text, subject text, detail text)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog
AS $scan$
  SELECT f.rule, f.subject, f.detail FROM (
    -- invariants the release establishes (0 after tiers 20..50)
    SELECT 'entity.unplaced' AS rule, u.collection AS subject, 'not on the responsibility axis' AS detail
      FROM governance.v_axis_unplaced u
    UNION ALL
    SELECT 'entity.unowned', g.collection, 'no sovereign owner' FROM governance.v_ownership_gap g
    UNION ALL
    SELECT 'entity.owner_conflict', c.collection, c.owners || ' sovereign owners' FROM governance.v_ownership_conflict c
    UNION ALL
    SELECT 'entity.owner_orphan', o.collection, o.reason || ' (role ' || o.owner_role || ')' FROM governance.v_ownership_orphan o
    UNION ALL
    SELECT 'entity.owner_mismatch', m.collection, 'owner is not the steward of axis point ' || m.placed_on
      FROM governance.v_ownership_axis_mismatch m
    UNION ALL
    SELECT 'entity.uncontained', c.collection, c.reason FROM governance.v_containment_gap c
    UNION ALL
    SELECT 'entity.topic_divergent', d.collection, d.reason FROM governance.v_topic_divergent d
    UNION ALL
    SELECT 'entity.topic_projection', p.collection, 'topic ' || p.topic_code || ' lies on ' || p.topic_axis
           || ', entity on ' || coalesce(p.entity_axis, '(unplaced)')
      FROM governance.v_topic_projection p
    UNION ALL
    -- debt Phase 1 records as its baseline
    SELECT 'entity.no_primary_key', g.collection, 'table public.' || g.collection || ' has no primary key'
      FROM governance.v_governed_entity g
      JOIN pg_class t ON t.relname = g.collection AND t.relnamespace = 'public'::regnamespace
     WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = t.oid AND k.contype = 'p')
    UNION ALL
    SELECT 'entity.undocumented', g.collection, 'directus_collections.note is empty'
      FROM governance.v_governed_entity g
     WHERE coalesce(g.note, '') = ''
    UNION ALL
    SELECT 'user.active_without_role', u.email::text, 'active user with no role'
      FROM public.directus_users u
     WHERE u.status = 'active' AND u.role IS NULL
    UNION ALL
    SELECT 'owner.no_active_steward', max(r.name::text), count(*) || ' governed entities owned, no active member'
      FROM governance.sovereign_ownership o
      JOIN public.directus_roles r ON r.id = o.owner_role
     WHERE NOT EXISTS (SELECT 1 FROM public.directus_users u WHERE u.role = o.owner_role AND u.status = 'active')
     GROUP BY o.owner_role
    UNION ALL
    SELECT 'role.unexpected_admin_access', r.name::text, 'admin_access on a role other than Administrator'
      FROM public.directus_roles r
     WHERE r.admin_access AND r.name <> 'Administrator'
  ) AS f
  ORDER BY f.rule COLLATE "C", f.subject COLLATE "C"
$scan$;
COMMENT ON FUNCTION governance.scan() IS
  'The governance scanner: findings (rule, subject, detail), read-only, deterministic order. 38 on the golden clone after the release.';

CREATE OR REPLACE VIEW governance.v_scanner_finding AS
SELECT f.rule, r.kind, r.severity, f.subject, f.detail,
       EXISTS (SELECT 1 FROM governance.scanner_baseline b WHERE b.rule = f.rule AND b.subject = f.subject) AS in_baseline
  FROM governance.scan() f
  LEFT JOIN governance.scanner_rule r ON r.rule = f.rule;
COMMENT ON VIEW governance.v_scanner_finding IS 'Operator: the live findings, with rule kind and whether each is in the baseline.';

CREATE OR REPLACE VIEW governance.v_scanner_summary AS
SELECT r.rule, r.kind, r.severity,
       (SELECT count(*) FROM governance.v_scanner_finding f WHERE f.rule = r.rule) AS live,
       (SELECT count(*) FROM governance.scanner_baseline b WHERE b.rule = r.rule) AS baseline
  FROM governance.scanner_rule r;
COMMENT ON VIEW governance.v_scanner_summary IS 'Operator / status: per rule, live findings against the baseline.';

CREATE OR REPLACE VIEW governance.v_scanner_new AS
SELECT f.rule, f.kind, f.severity, f.subject, f.detail
  FROM governance.v_scanner_finding f
 WHERE NOT f.in_baseline;
COMMENT ON VIEW governance.v_scanner_new IS 'Cron / verify: findings not in the baseline (regressions); prod_verify/findings_new.sql.';

CREATE OR REPLACE VIEW governance.v_scanner_resolved AS
SELECT b.rule, b.subject, b.detail
  FROM governance.scanner_baseline b
 WHERE NOT EXISTS (SELECT 1 FROM governance.scan() f WHERE f.rule = b.rule AND f.subject = b.subject);
COMMENT ON VIEW governance.v_scanner_resolved IS 'Operator / verify: baseline findings that are gone (debt paid).';

-- The verify suite's checks, one row each; 90_verify.sql raises on the first with ok = false.
-- Expected values are the seed's numbers for the golden clone / production.
CREATE OR REPLACE VIEW governance.v_verify AS
WITH inv AS (SELECT * FROM governance.v_catalog_inventory),
st AS (SELECT * FROM governance.v_release_state),
scan AS (SELECT count(*) AS findings,
                count(*) FILTER (WHERE f.kind IS NULL) AS uncatalogued,
                count(*) FILTER (WHERE NOT f.in_baseline) AS new
           FROM governance.v_scanner_finding f),
checks (ord, check_name, expected, observed) AS (
  SELECT 1, 'structure.tables', '11', (SELECT tables FROM inv)::text
  UNION ALL SELECT 2, 'structure.views', '31', (SELECT views FROM inv)::text
  UNION ALL SELECT 3, 'structure.functions', '1', (SELECT functions FROM inv)::text
  UNION ALL SELECT 4, 'structure.external_dependents', '0', (SELECT external_dependents FROM inv)::text
  UNION ALL SELECT 5, 'structure.grants', '0', (SELECT grants FROM inv)::text
  UNION ALL SELECT 6, 'ledger.applied', '10,20,30,40,50,60',
                   coalesce((SELECT string_agg(t.tier::text, ',' ORDER BY t.tier) FROM governance.v_tier_status t WHERE t.applied), '')
  UNION ALL SELECT 7, 'gate.ledger_apr_ratified', '0',
                   (SELECT count(*) FROM governance.ledger l
                     WHERE l.rolled_back_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM governance.v_gate g WHERE g.apr_code = l.apr_code AND g.opens_gate))::text
  UNION ALL SELECT 8, 'entities.governed', '210', (SELECT count(*) FROM governance.v_governed_entity)::text
  UNION ALL SELECT 9, 'axis.points', '7', (SELECT count(*) FROM governance.responsibility_axis)::text
  UNION ALL SELECT 10, 'axis.unplaced', '0', (SELECT count(*) FROM governance.v_axis_unplaced)::text
  UNION ALL SELECT 11, 'axis.misplaced', '0', (SELECT count(*) FROM governance.v_axis_misplaced)::text
  UNION ALL SELECT 12, 'ownership.rows', '210', (SELECT ownership FROM st)::text
  UNION ALL SELECT 13, 'ownership.gap', '0', (SELECT gap FROM st)::text
  UNION ALL SELECT 14, 'ownership.conflict', '0', (SELECT conflict FROM st)::text
  UNION ALL SELECT 15, 'ownership.orphan', '0', (SELECT count(*) FROM governance.v_ownership_orphan)::text
  UNION ALL SELECT 16, 'ownership.axis_mismatch', '0', (SELECT count(*) FROM governance.v_ownership_axis_mismatch)::text
  UNION ALL SELECT 17, 'containment.boundaries', '7', (SELECT count(*) FROM governance.containment_boundary)::text
  UNION ALL SELECT 18, 'containment.gap', '0', (SELECT count(*) FROM governance.v_containment_gap)::text
  UNION ALL SELECT 19, 'topic.reference', '42', (SELECT count(*) FROM governance.topic)::text
  UNION ALL SELECT 20, 'topic.divergent', '0', (SELECT count(*) FROM governance.v_topic_divergent)::text
  UNION ALL SELECT 21, 'topic.projection', '0', (SELECT count(*) FROM governance.v_topic_projection)::text
  UNION ALL SELECT 22, 'scanner.findings', '38', (SELECT findings FROM scan)::text
  UNION ALL SELECT 23, 'scanner.baseline', '38', (SELECT count(*) FROM governance.scanner_baseline)::text
  UNION ALL SELECT 24, 'scanner.new', '0', (SELECT new FROM scan)::text
  UNION ALL SELECT 25, 'scanner.resolved', '0', (SELECT count(*) FROM governance.v_scanner_resolved)::text
  UNION ALL SELECT 26, 'scanner.uncatalogued', '0', (SELECT uncatalogued FROM scan)::text
  UNION ALL SELECT 27, 'events.gov_emit', '5', (SELECT gov_emit FROM st)::text
)
SELECT ord, check_name, expected, observed, observed = expected AS ok FROM checks;
COMMENT ON VIEW governance.v_verify IS 'The verify suite: one row per check (90_verify.sql raises ASSERT verify.<check> on the first failing one).';
