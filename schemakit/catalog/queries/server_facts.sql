-- What of a shadow server, beyond the files, shapes the model it gives (schemakit.cache's keys):
-- one round trip.
SELECT pg_catalog.current_setting('server_version_num'),
  CURRENT_USER,
  (SELECT pg_catalog.md5(pg_catalog.string_agg(pg_catalog.concat_ws(':', rolname, rolsuper, rolinherit,
     rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin), ',' ORDER BY rolname)) FROM pg_catalog.pg_roles),
  (SELECT pg_catalog.md5(pg_catalog.string_agg(pg_catalog.concat_ws(':', r.rolname, m.rolname, a.admin_option),
     ',' ORDER BY r.rolname, m.rolname))
   FROM pg_catalog.pg_auth_members a
   JOIN pg_catalog.pg_roles r ON r.oid = a.roleid JOIN pg_catalog.pg_roles m ON m.oid = a.member),
  (SELECT pg_catalog.md5(pg_catalog.string_agg(pg_catalog.concat_ws(':', s.setrole, s.setconfig::text),
     ',' ORDER BY s.setrole)) FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase = 0),
  (SELECT pg_catalog.md5(pg_catalog.string_agg(pg_catalog.concat_ws(':', name, default_version), ',' ORDER BY name))
   FROM pg_catalog.pg_available_extensions),
  (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(':', datname, pg_catalog.pg_encoding_to_char(encoding),
     datcollate, datctype), ',' ORDER BY datname)
   FROM pg_catalog.pg_database WHERE datname IN ('template0', 'template1')),
  (SELECT pg_catalog.md5(pg_catalog.string_agg(pg_catalog.concat_ws(':', collname, collprovider, collencoding),
     ',' ORDER BY collname, collencoding)) FROM pg_catalog.pg_collation),
  (SELECT pg_catalog.string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_catalog.pg_settings
   WHERE name IN ('DateStyle', 'IntervalStyle', 'TimeZone', 'default_table_access_method',
     'default_toast_compression', 'extra_float_digits', 'search_path', 'server_encoding',
     'standard_conforming_strings', 'lc_collate', 'lc_ctype', 'lc_monetary', 'lc_numeric'))
