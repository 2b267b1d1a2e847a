-- Table constraints (PK, UNIQUE, FK, CHECK, EXCLUDE). PG18's NOT NULL rows
-- (contype 'n') are folded into columns, constraint triggers ('t') are triggers.
SELECT n.nspname AS schema, c.relname AS table, k.conname AS name, k.contype AS type,
       pg_catalog.pg_get_constraintdef(k.oid) AS definition,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = k.oid AND descr.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype IN ('p', 'u', 'f', 'c', 'x')
  AND c.relkind IN ('r', 'p')
  AND k.conparentid = 0  -- a partition's copy of its parent's constraint comes with the parent's
  AND ((NOT (n.nspname = ANY (%(managed)s))
        AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%')
       -- a project's own objects in a platform schema (schemakit.platform)
       OR (n.nspname = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = c.relowner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s)))))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
