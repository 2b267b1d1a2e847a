SELECT n.nspname AS schema, p.proname AS name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
       COALESCE(pg_catalog.pg_get_function_result(p.oid), '') AS result,
       pg_catalog.pg_get_functiondef(p.oid) AS definition,
       p.prokind = 'p' AS is_procedure,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = p.oid AND descr.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p')
  AND NOT (n.nspname = ANY (%(managed)s))
  AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
  -- the constructors PostgreSQL makes with a range type belong to it (deptype 'i')
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype = 'i'
                    AND d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass)
