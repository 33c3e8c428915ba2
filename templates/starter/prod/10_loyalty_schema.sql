-- prod/10_loyalty_schema.sql — tier 10: the structure. Schema loyalty with the packet's ledger
-- (one row per tier attempt) and the table loyalty.member, empty. Nothing in app changes.
--
--   psql -X -v ON_ERROR_STOP=1 -v approval=APR-2026-0001 -f prod/10_loyalty_schema.sql
--
-- One transaction: BEGIN; marker; guard; create; assert; ledger row; COMMIT; marker.
-- Applied already (the ledger says so): ONEROOF TIER 10 SKIP, nothing else is sent.
-- Rollback: only the full one (prod_rollback/99_rollback_full.sql drops the schema).
SET client_min_messages = notice;
\ir _session.sql
\set oneroof_tier 10
\set oneroof_tier_name loyalty_schema
\set oneroof_tier_file 'prod/10_loyalty_schema.sql'
\ir _applied.sql

\if :oneroof_tier_applied
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 10 SKIP loyalty_schema: already applied'; END $$;
\else
:oneroof_tier_begin;
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 10 BEGIN loyalty_schema'; END $$;
\ir _guard.sql

CREATE SCHEMA loyalty;
CREATE TABLE loyalty.ledger (
  tier           smallint    NOT NULL,
  attempt        int         NOT NULL,
  name           text        NOT NULL,
  file           text        NOT NULL,
  file_sha256    text        NOT NULL,
  approval       text        NOT NULL,
  applied_at     timestamptz NOT NULL DEFAULT now(),
  applied_by     text        NOT NULL DEFAULT current_user,
  rolled_back_at timestamptz,
  rolled_back_by text,
  PRIMARY KEY (tier, attempt)
);
-- At most one applied (not rolled back) row per tier.
CREATE UNIQUE INDEX ledger_applied ON loyalty.ledger (tier) WHERE rolled_back_at IS NULL;
-- No foreign key to app.customer: it would add triggers to a table this release must not change.
CREATE TABLE loyalty.member (
  customer_id int         PRIMARY KEY,
  points      int         NOT NULL DEFAULT 0 CHECK (points >= 0),
  enrolled_at timestamptz NOT NULL DEFAULT now()
);

DO $assert$
DECLARE
  v_tables bigint;
BEGIN
  SELECT count(*) INTO v_tables FROM pg_catalog.pg_class c
   WHERE c.relnamespace = 'loyalty'::regnamespace AND c.relkind = 'r';
  IF v_tables <> 2 THEN RAISE EXCEPTION 'ASSERT tier10.tables: expected 2, got %', v_tables; END IF;
END
$assert$;

\ir _record.sql
:oneroof_tier_commit;
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 10 COMMIT loyalty_schema'; END $$;
\endif
