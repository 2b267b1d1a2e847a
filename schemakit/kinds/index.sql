-- Indexes that no constraint owns (constraint-backed ones belong to their constraint).
SELECT n.nspname AS schema, t.relname AS table, i.relname AS name,
       pg_catalog.pg_get_indexdef(x.indexrelid) AS definition,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = i.oid AND descr.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace
WHERE t.relkind IN ('r', 'p', 'm')
  -- a partition's copy of an index on its parent comes with the parent's
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits i WHERE i.inhrelid = x.indexrelid)
  AND ((NOT (n.nspname = ANY (%(managed)s))
        AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%')
       -- a project's own objects in a platform schema (schemakit.platform)
       OR (n.nspname = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = t.relowner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s)))))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                  WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
