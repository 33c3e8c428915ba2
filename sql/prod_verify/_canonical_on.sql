-- sql/prod_verify/_canonical_on.sql — included (\ir), never run alone. Read-only.
--
-- Saves the session settings that change how the catalog and rows print as text, and sets
-- canonical values, so a fingerprint does not depend on who runs it or their ~/.psqlrc:
-- search_path = pg_catalog (every name in pg_get_*def comes out schema-qualified), TimeZone UTC,
-- ISO dates, postgres intervals, shortest exact floats, hex bytea, base64 in XML.
-- _canonical_off.sql puts the saved values back. \gset keeps stdout clean for `psql -At`.
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_canonical_client_min_messages \gset
SELECT current_setting('search_path') AS oneroof_saved_search_path,
       current_setting('TimeZone') AS oneroof_saved_timezone,
       current_setting('DateStyle') AS oneroof_saved_datestyle,
       current_setting('IntervalStyle') AS oneroof_saved_intervalstyle,
       current_setting('extra_float_digits') AS oneroof_saved_extra_float_digits,
       current_setting('bytea_output') AS oneroof_saved_bytea_output,
       current_setting('xmlbinary') AS oneroof_saved_xmlbinary \gset
SELECT set_config('search_path', 'pg_catalog', false) AS oneroof_canonical_search_path,
       set_config('TimeZone', 'UTC', false) AS oneroof_canonical_timezone,
       set_config('DateStyle', 'ISO, YMD', false) AS oneroof_canonical_datestyle,
       set_config('IntervalStyle', 'postgres', false) AS oneroof_canonical_intervalstyle,
       set_config('extra_float_digits', '1', false) AS oneroof_canonical_extra_float_digits,
       set_config('bytea_output', 'hex', false) AS oneroof_canonical_bytea_output,
       set_config('xmlbinary', 'base64', false) AS oneroof_canonical_xmlbinary \gset
