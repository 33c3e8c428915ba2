-- sql/prod_verify/_canonical_off.sql — included (\ir) after _canonical_on.sql; never run alone.
-- Puts back the session settings _canonical_on.sql saved.
SELECT set_config('client_min_messages', 'notice', false) AS oneroof_canonical_client_min_messages \gset
SELECT set_config('search_path', :'oneroof_saved_search_path', false) AS oneroof_restored_search_path,
       set_config('TimeZone', :'oneroof_saved_timezone', false) AS oneroof_restored_timezone,
       set_config('DateStyle', :'oneroof_saved_datestyle', false) AS oneroof_restored_datestyle,
       set_config('IntervalStyle', :'oneroof_saved_intervalstyle', false) AS oneroof_restored_intervalstyle,
       set_config('extra_float_digits', :'oneroof_saved_extra_float_digits', false) AS oneroof_restored_extra_float_digits,
       set_config('bytea_output', :'oneroof_saved_bytea_output', false) AS oneroof_restored_bytea_output,
       set_config('xmlbinary', :'oneroof_saved_xmlbinary', false) AS oneroof_restored_xmlbinary \gset
