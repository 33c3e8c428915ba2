-- prod_verify/_requires.sql — include (\ir), the first statement of every probe; never run alone.
-- Refuses a database that lacks what the packet reads (_prerequisites.sql) before the probe reads
-- anything, so `oneroof status`, `verify` and `preflight` say NO-GO (exit 3) naming each missing
-- object:
--   ERROR  ONEROOF NO-GO: prerequisites
--   DETAIL prerequisites: expected what this packet reads, got missing <object>[, <object>…]
\ir _prerequisites.sql
\if :oneroof_prerequisites_met
\else
DO $requires$ BEGIN
  RAISE EXCEPTION 'ONEROOF NO-GO: prerequisites'
    USING DETAIL = format('prerequisites: expected what this packet reads (prod_verify/_prerequisites.sql), got missing %s',
                          current_setting('release.prerequisites_missing')),
          HINT = 'this database is neither the packet''s baseline nor its result: is the target''s database the right one?';
END $requires$;
\endif
