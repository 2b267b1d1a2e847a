-- Views and materialized views: definition, options (reloptions) and columns.
SELECT n.nspname AS schema, c.relname AS name,
       pg_catalog.pg_get_viewdef(c.oid) AS definition,
       ARRAY(SELECT pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS columns,
       ARRAY(SELECT o FROM pg_catalog.unnest(c.reloptions) o ORDER BY o) AS options,
       c.relkind = 'm' AS materialized,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = c.oid AND descr.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND ((NOT (n.nspname = ANY (%(managed)s))
        AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%')
       -- a project's own objects in a platform schema (schemakit.platform)
       OR (n.nspname = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = c.relowner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s)))))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
