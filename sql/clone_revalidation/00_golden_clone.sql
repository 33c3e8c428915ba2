-- sql/clone_revalidation/00_golden_clone.sql
--
-- The golden clone: production's baseline, rebuilt on an EMPTY `directus` database, the same
-- bytes every time (no now(), no random(), fixed ids and timestamps). It is what every
-- rehearsal and test runs the release against; `oneroof replica reset` streams this file into
-- psql on stdin, so it is self-contained (no \ir includes).
--
--   psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/clone_revalidation/00_golden_clone.sql
--
-- What it reproduces (sql/README.md, "The golden clone"):
--   * Directus system tables, the subset of Directus 10's columns the packet reads:
--     directus_roles (11 roles), directus_users (19 users), directus_collections
--     (7 folders + 210 user collections).
--   * 210 governed entities: 7 domains x 6 topics x 5 tables, named <prefix><topic>_<suffix>,
--     each a real table in public registered in directus_collections.
--   * One unregistered table (legacy_import_staging): a table, but not a governed entity.
--   * os_proposals (the Phase-1 proposal, submitted) and os_proposal_approvals (empty: ospa 0).
--   * The governance debt the scanner baselines (38 findings, sql/README.md "Scanner"):
--       7  entity.no_primary_key        the *_history table of each domain's first topic
--       21 entity.undocumented          the *_links tables of topics 4, 5, 6 of each domain
--       6  user.active_without_role     six active accounts with no role
--       2  owner.no_active_steward      Compliance Steward (only a suspended user), Platform Steward (none)
--       2  role.unexpected_admin_access Legacy Importer, Migration Bot
--   * A database setting oneroof.golden_clone = 'phase-1': the marker 10_approve.sql requires,
--     so a fake approval can never be recorded on a database that is not a golden clone.
--
-- State vector after this file: 0|0|210|0|0|0 (ospa|ownership|gap|conflict|gov_emit|idle).
SET client_min_messages = notice;
\set ON_ERROR_STOP on
\set AUTOCOMMIT on
\set VERBOSITY default
\set SHOW_CONTEXT errors

BEGIN;

DO $guard$
DECLARE
  v_relations bigint;
BEGIN
  IF current_database() <> 'directus' THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 00_golden_clone.sql builds the baseline of database directus, got database %',
      current_database();
  END IF;
  SELECT count(*) INTO v_relations
    FROM pg_catalog.pg_class c
   WHERE c.relnamespace = 'public'::regnamespace;
  IF v_relations <> 0 OR to_regnamespace('governance') IS NOT NULL THEN
    RAISE EXCEPTION 'ONEROOF REFUSED: 00_golden_clone.sql builds on an empty database, got % relations in public, schema governance %',
      v_relations, CASE WHEN to_regnamespace('governance') IS NULL THEN 'absent' ELSE 'present' END
      USING HINT = 'oneroof replica reset recreates the database first';
  END IF;
END
$guard$;

-- Directus system tables (Directus 10 column names; only the columns the packet reads, plus
-- the ones that make rows recognisable).
CREATE TABLE public.directus_roles (
  id           uuid PRIMARY KEY,
  name         varchar(100) NOT NULL,
  icon         varchar(30) NOT NULL DEFAULT 'supervised_user_circle',
  description  text,
  ip_access    text,
  enforce_tfa  boolean NOT NULL DEFAULT false,
  admin_access boolean NOT NULL DEFAULT false,
  app_access   boolean NOT NULL DEFAULT true
);

CREATE TABLE public.directus_users (
  id          uuid PRIMARY KEY,
  first_name  varchar(50),
  last_name   varchar(50),
  email       varchar(128) UNIQUE,
  password    varchar(255),
  status      varchar(16) NOT NULL DEFAULT 'active',
  role        uuid REFERENCES public.directus_roles (id) ON DELETE SET NULL,
  provider    varchar(128) NOT NULL DEFAULT 'default',
  last_access timestamptz
);

CREATE TABLE public.directus_collections (
  collection       varchar(64) PRIMARY KEY,
  icon             varchar(30),
  note             text,
  display_template varchar(255),
  hidden           boolean NOT NULL DEFAULT false,
  singleton        boolean NOT NULL DEFAULT false,
  accountability   varchar(255) DEFAULT 'all',
  sort             integer,
  "group"          varchar(64) REFERENCES public.directus_collections (collection),
  collapse         varchar(255) NOT NULL DEFAULT 'open'
);

-- The human ratification record (the "os" package that predates this release).
CREATE TABLE public.os_proposals (
  id           varchar(32) PRIMARY KEY,
  title        text NOT NULL,
  status       varchar(16) NOT NULL
               CHECK (status IN ('draft', 'submitted', 'ratified', 'rejected', 'withdrawn')),
  submitted_by uuid REFERENCES public.directus_users (id),
  submitted_at timestamptz
);

CREATE TABLE public.os_proposal_approvals (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  proposal   varchar(32) NOT NULL REFERENCES public.os_proposals (id),
  apr_code   varchar(64) NOT NULL,
  level      varchar(2) NOT NULL CHECK (level IN ('L1', 'L2', 'L3', 'L4')),
  status     varchar(16) NOT NULL CHECK (status IN ('pending', 'ratified', 'rejected', 'revoked')),
  approver   text NOT NULL,
  decided_at timestamptz,
  note       text,
  UNIQUE (apr_code, level)
);

-- Roles: ids are md5-derived so every build has the same bytes.
INSERT INTO public.directus_roles (id, name, icon, description, admin_access)
SELECT md5('oneroof-golden-clone/role/' || r.name)::uuid, r.name, r.icon, r.description, r.admin_access
  FROM (VALUES
    ('Administrator',      'verified',      'Initial administrative role with unrestricted App/API access', true),
    ('Finance Steward',    'account_balance', 'Stewards the finance collections',                           false),
    ('People Steward',     'badge',         'Stewards the people (HR) collections',                        false),
    ('Customer Steward',   'handshake',     'Stewards the customer (CRM) collections',                     false),
    ('Operations Steward', 'local_shipping', 'Stewards the operations collections',                        false),
    ('Content Steward',    'article',       'Stewards the content (CMS) collections',                      false),
    ('Compliance Steward', 'gavel',         'Stewards the compliance (GRC) collections',                   false),
    ('Platform Steward',   'settings',      'Stewards the platform collections',                           false),
    ('Editor',             'edit',          'Content editors',                                             false),
    ('Legacy Importer',    'upload',        'Role of the 2023 bulk import; still has admin access',        true),
    ('Migration Bot',      'smart_toy',     'Schema migration account; still has admin access',            true)
  ) AS r (name, icon, description, admin_access);

INSERT INTO public.directus_users (id, first_name, last_name, email, status, role, last_access)
SELECT md5('oneroof-golden-clone/user/' || u.email)::uuid, u.first_name, u.last_name, u.email, u.status,
       (SELECT r.id FROM public.directus_roles r WHERE r.name = u.role_name),
       u.last_access::timestamptz
  FROM (VALUES
    ('Ada',     'Admin',    'admin@oneroof.example',         'active',    'Administrator',      '2026-06-02T08:00:00Z'),
    ('Fiona',   'Berg',     'fiona.berg@oneroof.example',    'active',    'Finance Steward',    '2026-06-01T09:12:00Z'),
    ('Paul',    'Okafor',   'paul.okafor@oneroof.example',   'active',    'People Steward',     '2026-05-29T14:30:00Z'),
    ('Carla',   'Mendes',   'carla.mendes@oneroof.example',  'active',    'Customer Steward',   '2026-06-02T10:45:00Z'),
    ('Omar',    'Haddad',   'omar.haddad@oneroof.example',   'active',    'Operations Steward', '2026-05-30T07:05:00Z'),
    ('Chen',    'Li',       'chen.li@oneroof.example',       'active',    'Content Steward',    '2026-06-02T16:20:00Z'),
    ('Greta',   'Voss',     'greta.voss@oneroof.example',    'suspended', 'Compliance Steward', '2026-01-15T11:00:00Z'),
    ('Eva',     'Lund',     'eva.lund@oneroof.example',      'active',    'Editor',             '2026-06-02T12:00:00Z'),
    ('Ed',      'Novak',    'ed.novak@oneroof.example',      'active',    'Editor',             '2026-06-01T15:40:00Z'),
    ('Iris',    'Tan',      'iris.tan@oneroof.example',      'active',    'Editor',             '2026-05-31T09:30:00Z'),
    ('Migration', 'Bot',    'migration.bot@oneroof.example', 'active',    'Migration Bot',      '2026-05-20T03:00:00Z'),
    ('Import',  '2023',     'import-2023@oneroof.example',   'active',    NULL,                 '2023-11-02T22:10:00Z'),
    ('Legacy',  'Sync',     'legacy-sync@oneroof.example',   'active',    NULL,                 '2026-06-02T23:59:00Z'),
    ('Kiosk',   'Lobby',    'kiosk-lobby@oneroof.example',   'active',    NULL,                 '2026-06-02T18:00:00Z'),
    ('Contractor', 'One',   'contractor-01@oneroof.example', 'active',    NULL,                 '2026-04-10T10:00:00Z'),
    ('Contractor', 'Two',   'contractor-02@oneroof.example', 'active',    NULL,                 '2026-04-11T10:00:00Z'),
    ('Reporting', 'API',    'reporting-api@oneroof.example', 'active',    NULL,                 '2026-06-03T00:05:00Z'),
    ('New',     'Hire',     'new.hire@oneroof.example',      'invited',   NULL,                 NULL),
    ('Former',  'Staff',    'former.staff@oneroof.example',  'suspended', NULL,                 '2025-12-31T17:00:00Z')
  ) AS u (first_name, last_name, email, status, role_name, last_access);

-- The user collections: 7 domains (a Directus folder each) x 6 topics x 5 tables.
CREATE TEMPORARY TABLE golden_domain (ord int, prefix text, folder text, title text, topics text[]) ON COMMIT DROP;
INSERT INTO golden_domain VALUES
  (1, 'fin_', 'finance',    'Finance',    ARRAY['ledger', 'invoice', 'payment', 'budget', 'tax', 'asset']),
  (2, 'hr_',  'people',     'People',     ARRAY['employee', 'payroll', 'leave', 'recruiting', 'training', 'review']),
  (3, 'crm_', 'customers',  'Customers',  ARRAY['account', 'contact', 'lead', 'opportunity', 'ticket', 'survey']),
  (4, 'ops_', 'operations', 'Operations', ARRAY['supplier', 'purchase', 'inventory', 'shipment', 'facility', 'incident']),
  (5, 'cms_', 'content',    'Content',    ARRAY['page', 'article', 'media', 'menu', 'form', 'campaign']),
  (6, 'grc_', 'compliance', 'Compliance', ARRAY['policy', 'risk', 'control', 'audit', 'consent', 'retention']),
  (7, 'sys_', 'platform',   'Platform',   ARRAY['integration', 'webhook', 'job', 'flag', 'metric', 'archive']);

CREATE TEMPORARY TABLE golden_entity ON COMMIT DROP AS
SELECT d.ord * 100 + t.ord * 10 + s.ord AS sort,
       d.prefix || t.topic || '_' || s.suffix AS collection,
       d.folder,
       -- debt: the first topic's change-history table was imported without a primary key
       (t.ord = 1 AND s.suffix = 'history') AS no_primary_key,
       -- debt: the link tables of the last three topics were never documented
       CASE WHEN s.suffix = 'links' AND t.ord >= 4 THEN NULL
            ELSE d.title || ': ' || t.topic || ' ' || s.label END AS note
  FROM golden_domain d
 CROSS JOIN LATERAL unnest(d.topics) WITH ORDINALITY AS t (topic, ord)
 CROSS JOIN (VALUES (1, 'entries', 'entries'), (2, 'items', 'line items'), (3, 'history', 'change history'),
                    (4, 'links', 'relations'), (5, 'notes', 'notes')) AS s (ord, suffix, label);

INSERT INTO public.directus_collections (collection, icon, note, sort, "group")
SELECT d.folder, 'folder', d.title || ' collections', d.ord, NULL FROM golden_domain d
UNION ALL
SELECT e.collection, 'database', e.note, e.sort, e.folder FROM golden_entity e;

DO $tables$
DECLARE
  e record;
BEGIN
  -- Generated from the fixed list above (not from input): format(%I) quotes every name.
  FOR e IN SELECT collection, no_primary_key FROM golden_entity ORDER BY sort LOOP
    EXECUTE format(
      'CREATE TABLE public.%I (id %s, status varchar(255) NOT NULL DEFAULT %L, sort integer, '
      'user_created uuid, date_created timestamptz, user_updated uuid, date_updated timestamptz)',
      e.collection,
      CASE WHEN e.no_primary_key THEN 'integer NOT NULL' ELSE 'serial PRIMARY KEY' END,
      'draft');
  END LOOP;
END
$tables$;

-- A table that is not registered in Directus: present, but not a governed entity.
CREATE TABLE public.legacy_import_staging (line_no integer, payload text);

INSERT INTO public.os_proposals (id, title, status, submitted_by, submitted_at)
VALUES ('OSP-2026-0001', 'One-Roof Governance Phase-1', 'submitted',
        md5('oneroof-golden-clone/user/admin@oneroof.example')::uuid, '2026-05-28T09:00:00Z');

-- The golden-clone marker (10_approve.sql refuses to run without it).
ALTER DATABASE directus SET oneroof.golden_clone = 'phase-1';

DO $check$
DECLARE
  v_governed bigint;
  v_ospa bigint;
BEGIN
  SELECT count(*) INTO v_governed
    FROM public.directus_collections c
    JOIN pg_catalog.pg_class t ON t.relname = c.collection AND t.relkind IN ('r', 'p')
                              AND t.relnamespace = 'public'::regnamespace
   WHERE c.collection NOT LIKE 'directus\_%';
  IF v_governed <> 210 THEN
    RAISE EXCEPTION 'ASSERT revalidation.golden_clone_governed: expected 210, got %', v_governed;
  END IF;
  SELECT count(*) INTO v_ospa FROM public.os_proposal_approvals;
  IF v_ospa <> 0 THEN
    RAISE EXCEPTION 'ASSERT revalidation.golden_clone_ospa: expected 0, got %', v_ospa;
  END IF;
END
$check$;

COMMIT;

DO $$ BEGIN RAISE NOTICE 'ONEROOF END 00_golden_clone'; END $$;
