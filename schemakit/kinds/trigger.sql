-- User triggers: on user tables, and on the platform tables the user owns
-- triggers on (%(trigger_tables)s, e.g. auth.users for handle_new_user).
SELECT n.nspname AS schema, c.relname AS table, g.tgname AS name,
       pg_catalog.pg_get_triggerdef(g.oid) AS definition,
       g.tgenabled AS enabled, g.tgconstraint <> 0 AS is_constraint,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = g.oid AND descr.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_trigger g
JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT g.tgisinternal
  AND g.tgparentid = 0  -- a partition's clone of its parent's trigger comes with the parent's
  AND ((NOT (n.nspname = ANY (%(managed)s))
        AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%')
       OR (n.nspname || '.' || c.relname) = ANY (%(trigger_tables)s)
       OR (n.nspname = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = c.relowner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s)))))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
