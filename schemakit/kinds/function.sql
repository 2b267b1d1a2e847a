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
  AND ((NOT (n.nspname = ANY (%(managed)s))
        AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%')
       -- a project's own objects in a platform schema (schemakit.platform)
       OR (n.nspname = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = p.proowner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s))))
       -- the platform functions a project may redefine (storage.foldername): read when
       -- their body is not the baseline's (schemakit.platform.baseline_functions)
       OR ((n.nspname || '.' || p.proname) = ANY (%(platform_functions)s)
           AND NOT EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest(%(platform_functions)s::text[]),
                                                  pg_catalog.unnest(%(platform_bodies)s::text[])) AS b(name, body)
                           WHERE b.name = n.nspname || '.' || p.proname AND b.body = p.prosrc)))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
  -- the constructors PostgreSQL makes with a range type belong to it (deptype 'i')
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype = 'i'
                    AND d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass)
