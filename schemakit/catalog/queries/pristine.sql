-- Whether a fresh shadow (the template's clone, before the files load) holds anything the
-- catalog reads in an open platform schema: relations, functions and types no platform
-- role owns, or a baseline function whose body is not the baseline's. Usually none, and
-- then the pristine state need not be read (schemakit.desired).
WITH owners AS (
  SELECT ro.oid FROM pg_catalog.pg_roles ro
  WHERE ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s)
), open AS (
  SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY (%(open)s)
)
SELECT EXISTS (SELECT FROM pg_catalog.pg_class c JOIN open n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relowner NOT IN (SELECT oid FROM owners)
                 AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                   AND d.objid = c.oid AND d.deptype = 'e'))
    OR EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN open n ON n.oid = p.pronamespace
               WHERE (p.proowner NOT IN (SELECT oid FROM owners)
                      OR ((n.nspname || '.' || p.proname) = ANY (%(platform_functions)s)
                          AND NOT EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest(%(platform_functions)s::text[]),
                                                                 pg_catalog.unnest(%(platform_bodies)s::text[])) AS b(name, body)
                                          WHERE b.name = n.nspname || '.' || p.proname AND b.body = p.prosrc)))
                 AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                   AND d.objid = p.oid AND d.deptype = 'e'))
    OR EXISTS (SELECT FROM pg_catalog.pg_type t JOIN open n ON n.oid = t.typnamespace
               WHERE t.typtype IN ('e', 'd', 'c', 'r') AND t.typowner NOT IN (SELECT oid FROM owners)
                 AND (t.typrelid = 0 OR EXISTS (SELECT FROM pg_catalog.pg_class c
                                                 WHERE c.oid = t.typrelid AND c.relkind = 'c'))
                 AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                                   AND d.objid = t.oid AND d.deptype = 'e'))
    AS any_read
