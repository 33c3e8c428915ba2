-- prod/20_enrol_customers.sql — tier 20: every customer of app.customer becomes a loyalty
-- member with 0 points (members 0 -> 5, unenrolled 5 -> 0 on the golden clone).
--
--   psql -X -v ON_ERROR_STOP=1 -v approval=APR-2026-0001 -f prod/20_enrol_customers.sql
--
-- One transaction: BEGIN; marker; guard (needs tier 10); insert; assert; ledger row; COMMIT.
-- Rollback: prod_rollback/20_rollback_enrol_customers.sql.
SET client_min_messages = notice;
\ir _session.sql
\set oneroof_tier 20
\set oneroof_tier_name enrol_customers
\set oneroof_tier_file 'prod/20_enrol_customers.sql'
\ir _applied.sql

\if :oneroof_tier_applied
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 20 SKIP enrol_customers: already applied'; END $$;
\else
:oneroof_tier_begin;
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 20 BEGIN enrol_customers'; END $$;
\ir _guard.sql

INSERT INTO loyalty.member (customer_id)
SELECT c.id FROM app.customer c ORDER BY c.id;

DO $assert$
DECLARE
  v_customers bigint := (SELECT count(*) FROM app.customer);
  v_members   bigint := (SELECT count(*) FROM loyalty.member);
BEGIN
  IF v_members <> v_customers THEN
    RAISE EXCEPTION 'ASSERT tier20.members: expected %, got %', v_customers, v_members;
  END IF;
END
$assert$;

\ir _record.sql
:oneroof_tier_commit;
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 20 COMMIT enrol_customers'; END $$;
\endif
