-- sql/prod/50_topic_finalization.sql — tier 5 (50): topic finalization. The topic reference set
-- (42 topics, _reference.sql; the operator reviews it, 00_preflight.sql prints its sha256) is
-- finalized, and every governed entity gets the one topic whose prefix its name starts with.
-- divergent 0 (finalized = reference), projection 0 (each topic lies on its entity's axis point).
--
--   psql -X -v ON_ERROR_STOP=1 -v ratified_apr=APR-... -U workflow_admin -d directus -f sql/prod/50_topic_finalization.sql
--
-- One transaction: BEGIN; guard; insert; assert; ledger + event topics.finalized; COMMIT.
-- Rollback: prod_rollback/50_rollback_topic_finalization.sql.
SET client_min_messages = notice;
\ir _session.sql
\ir _reference.sql

SELECT to_regclass('governance.ledger') IS NOT NULL AS oneroof_ledger_exists \gset
\if :oneroof_ledger_exists
SELECT EXISTS (SELECT 1 FROM governance.ledger WHERE tier = 50 AND rolled_back_at IS NULL) AS oneroof_tier_applied \gset
\else
\set oneroof_tier_applied false
\endif

\if :oneroof_tier_applied
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 50 SKIP topic_finalization: already applied'; END $$;
\else
:oneroof_tier_begin;   -- BEGIN; in a dry run SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 50 BEGIN topic_finalization'; END $$;
SELECT set_config('oneroof.tier', '50', true) AS oneroof_tier,
       set_config('oneroof.tier_name', 'topic_finalization', true) AS oneroof_tier_name,
       set_config('oneroof.tier_file', 'prod/50_topic_finalization.sql', true) AS oneroof_tier_file,
       set_config('oneroof.tier_includes', 'prod/_session.sql,prod/_guard.sql,prod/_reference.sql,prod/_record.sql', true) AS oneroof_tier_includes,
       set_config('oneroof.tier_event', 'topics.finalized', true) AS oneroof_tier_event,
       set_config('oneroof.tier_detail', '', true) AS oneroof_tier_detail,
       set_config('oneroof.reference', :'oneroof_reference', true) AS oneroof_reference_set \gset
\ir _guard.sql

INSERT INTO governance.topic (topic_code, axis_code, title, collection_prefix)
SELECT t.code, t.axis, t.title, t.prefix
  FROM jsonb_to_recordset(current_setting('oneroof.reference')::jsonb -> 'topics')
       AS t (code text, axis text, title text, prefix text);

-- Only unambiguous matches are assigned; an entity with no or several matches stays without a
-- topic and shows up as divergent below (the tier then rolls back).
INSERT INTO governance.topic_assignment (collection, topic_code)
SELECT g.collection, min(t.topic_code)
  FROM governance.v_governed_entity g
  JOIN governance.axis_placement p ON p.collection = g.collection
  JOIN governance.topic t ON starts_with(g.collection, t.collection_prefix)
 GROUP BY g.collection
HAVING count(*) = 1;

DO $assert$
DECLARE
  v_ref jsonb := current_setting('oneroof.reference')::jsonb -> 'topics';
  v_topics bigint;
  v_divergent bigint;
  v_projection bigint;
  v_governed bigint;
  v_assigned bigint;
BEGIN
  SELECT count(*) INTO v_topics FROM governance.topic;
  IF v_topics <> jsonb_array_length(v_ref) THEN
    RAISE EXCEPTION 'ASSERT tier50.topics: expected %, got %', jsonb_array_length(v_ref), v_topics;
  END IF;
  SELECT count(*) INTO v_divergent FROM governance.v_topic_divergent;
  IF v_divergent <> 0 THEN RAISE EXCEPTION 'ASSERT tier50.divergent_zero: expected 0, got %', v_divergent; END IF;
  SELECT count(*) INTO v_projection FROM governance.v_topic_projection;
  IF v_projection <> 0 THEN RAISE EXCEPTION 'ASSERT tier50.projection_zero: expected 0, got %', v_projection; END IF;
  SELECT count(*) INTO v_governed FROM governance.v_governed_entity;
  SELECT count(*) INTO v_assigned FROM governance.topic_assignment;
  IF v_assigned <> v_governed THEN
    RAISE EXCEPTION 'ASSERT tier50.assigned: expected %, got %', v_governed, v_assigned;
  END IF;
  PERFORM set_config('oneroof.tier_detail', jsonb_build_object(
    'topics', v_topics, 'assigned', v_assigned, 'divergent', v_divergent, 'projection', v_projection,
    'unused_topics', (SELECT count(*) FROM governance.v_topic_unused),
    'topic_reference_sha256', encode(sha256(convert_to(v_ref::text, 'UTF8')), 'hex'))::text, true);
END
$assert$;

\ir _record.sql
:oneroof_tier_commit;  -- COMMIT; in a dry run RELEASE SAVEPOINT (see _session.sql)
DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 50 COMMIT topic_finalization'; END $$;
\endif
