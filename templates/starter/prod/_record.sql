-- prod/_record.sql — the last step of every tier's transaction, after its assertions passed;
-- included (\ir) just before the COMMIT. Never run alone. Writes the tier's ledger row: tier,
-- attempt, name, file and its sha256 (as in manifest-sha256.txt), the approval code, who, when.
INSERT INTO loyalty.ledger (tier, attempt, name, file, file_sha256, approval)
SELECT s.tier, coalesce((SELECT max(l.attempt) FROM loyalty.ledger l WHERE l.tier = s.tier), 0) + 1,
       s.name, s.file, current_setting('release.checksums')::jsonb ->> s.file, current_setting('release.approval')
  FROM (SELECT current_setting('release.tier')::smallint AS tier, current_setting('release.tier_name') AS name,
               current_setting('release.tier_file') AS file) AS s;
