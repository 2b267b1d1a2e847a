-- Row-level security policies, on user tables and on the platform tables whose
-- policies are the user's (%(policy_tables)s, e.g. storage.objects).
SELECT n.nspname AS schema, c.relname AS table, p.polname AS name,
       p.polpermissive AS permissive,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       CASE WHEN p.polroles = '{0}' THEN ARRAY['public']::text[]
            ELSE ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
                       WHERE r.oid = ANY (p.polroles) ORDER BY r.rolname) END AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = p.oid AND descr.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (NOT (n.nspname = ANY (%(managed)s))
       AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%')
   OR (n.nspname || '.' || c.relname) = ANY (%(policy_tables)s)
   OR (n.nspname = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = c.relowner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s)))
       -- a table an extension created (pg_cron's cron.job) comes with its policies
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                       WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                         AND d.objid = c.oid AND d.deptype = 'e'))
