-- sql/prod/_record.sql — the last step of every tier's transaction, after its assertions passed;
-- included (\ir) just before COMMIT. Never run alone.
--
-- Writes the tier's ledger row (tier, attempt, file and sha256 as in manifest-sha256.txt, the
-- includes it ran with and their sha256, APR, outcome) and, for tiers 20..60, its one
-- governance event (kind oneroof.tier_event, payload = the same outcome). The outcome is the
-- JSON the tier's assertion block left in oneroof.tier_detail.
SET client_min_messages = notice;
INSERT INTO governance.ledger (tier, attempt, name, file, file_sha256, includes, apr_code, detail)
SELECT s.tier,
       coalesce((SELECT max(l.attempt) FROM governance.ledger l WHERE l.tier = s.tier), 0) + 1,
       s.name, s.file, s.checksums ->> s.file,
       coalesce((SELECT jsonb_object_agg(i, s.checksums ->> i)
                   FROM unnest(string_to_array(nullif(s.includes, ''), ',')) AS i), '{}'),
       s.apr, s.detail
  FROM (SELECT current_setting('oneroof.tier')::smallint AS tier,
               current_setting('oneroof.tier_name') AS name,
               current_setting('oneroof.tier_file') AS file,
               current_setting('oneroof.checksums')::jsonb AS checksums,
               current_setting('oneroof.tier_includes') AS includes,
               current_setting('oneroof.ratified_apr') AS apr,
               coalesce(nullif(current_setting('oneroof.tier_detail', true), ''), '{}')::jsonb AS detail) AS s;
INSERT INTO governance.event (tier, attempt, kind, payload)
SELECT l.tier, l.attempt, current_setting('oneroof.tier_event'), l.detail
  FROM governance.ledger l
 WHERE l.tier = current_setting('oneroof.tier')::smallint
   AND l.rolled_back_at IS NULL
   AND current_setting('oneroof.tier_event') <> '';
