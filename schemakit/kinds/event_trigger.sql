-- Event triggers (CREATE EVENT TRIGGER): the project's, not the platform's. On Supabase
-- the platform's are owned by supabase_admin (issue_pg_net_access, pgrst_ddl_watch, ...)
-- and call functions in its schemas: those, and an extension's, are never read (so never
-- dropped); the project's are compared like any object.
SELECT e.evtname AS name, e.evtevent AS event,
       n.nspname AS function_schema, p.proname AS function_name,
       ARRAY(SELECT t FROM pg_catalog.unnest(COALESCE(e.evttags, '{}'::text[])) t ORDER BY t COLLATE "C") AS tags,
       e.evtenabled::text AS enabled,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = e.oid AND descr.classoid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
          AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_event_trigger e
JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_roles ro ON ro.oid = e.evtowner
WHERE NOT (n.nspname = ANY (%(managed)s))
  AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%'
  AND ro.rolname NOT LIKE 'supabase\_%%' AND NOT (ro.rolname = ANY (%(platform_roles)s))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                    AND d.objid = e.oid AND d.deptype = 'e')
