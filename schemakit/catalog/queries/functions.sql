SELECT n.nspname AS schema, p.proname AS name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
       COALESCE(pg_catalog.pg_get_function_result(p.oid), '') AS result,
       pg_catalog.pg_get_functiondef(p.oid) AS definition,
       p.prokind = 'p' AS is_procedure,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p')
  AND NOT (n.nspname = ANY (%(managed)s))
  AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
