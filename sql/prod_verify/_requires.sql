-- sql/prod_verify/_requires.sql — include (\ir), the first statement of every probe that reads the
-- packet's tables (after \set oneroof_requires <probe>); never run alone. Refuses a database that
-- lacks what that probe reads (_prerequisites.sql: a missing schema, table, view, column or
-- function) before the probe reads anything:
--   ERROR  ONEROOF NO-GO: prerequisites
--   DETAIL prerequisites: expected <what>, got missing <object>[, <object>…]
-- so that oneroof's status, verify and preflight say NO-GO (exit 3) naming each missing object
-- instead of stopping on the server's "relation … does not exist". Prints nothing otherwise.
\ir _prerequisites.sql
\if :oneroof_prerequisites_met
\else
DO $oneroof_requires$ BEGIN
  RAISE EXCEPTION 'ONEROOF NO-GO: prerequisites'
    USING DETAIL = format('prerequisites: expected what the probe %s reads (prod_verify/_prerequisites.sql), got missing %s',
                          current_setting('oneroof.prerequisites_for'), current_setting('oneroof.prerequisites_missing')),
          HINT = 'this database is neither the packet''s baseline nor its result: is the target''s database the right one?';
END $oneroof_requires$;
\endif
