-- User schemas (managed ones filtered by the caller's %(managed)s list).
SELECT n.nspname AS name,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = n.oid AND descr.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_namespace n
WHERE NOT (n.nspname = ANY (%(managed)s))
  AND n.nspname NOT LIKE 'pg\_%%'
  AND n.nspname NOT LIKE 'supabase\_%%'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                    AND d.objid = n.oid AND d.deptype = 'e')
