-- Privileges granted on user objects, one row per (object, grantee): relations
-- (tables, views, materialized views, sequences), columns, functions and procedures,
-- types and domains, and user schemas. A NULL ACL is the type's default (acldefault); the owner's own
-- privileges are left out (owners differ between a shadow and a target), and so is
-- the grantor. MAINTAIN (PostgreSQL 17+, part of ALL there) is left out too, so that
-- a newer shadow and an older target agree.
WITH objs AS (
  SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                        WHEN 'm' THEN 'materialized view' ELSE 'table' END AS on_kind,
         n.nspname AS schema, c.relname AS name, NULL::text AS args, NULL::pg_catalog.name AS col,
         c.relowner AS owner,
         COALESCE(c.relacl, pg_catalog.acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)) AS acl,
         'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid,
         owner.schema AS owner_schema, owner.name AS owner_name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  -- the table of an identity or serial sequence (folded into its column)
  LEFT JOIN LATERAL (
    SELECT tn.nspname AS schema, t.relname AS name
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
    WHERE c.relkind = 'S' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
    LIMIT 1
  ) owner ON true
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
  UNION ALL
  SELECT 'column', n.nspname, c.relname, NULL, a.attname, c.relowner, a.attacl,
         'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, NULL, NULL
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
  UNION ALL
  SELECT CASE WHEN p.prokind = 'p' THEN 'procedure' ELSE 'function' END, n.nspname, p.proname,
         pg_catalog.pg_get_function_identity_arguments(p.oid), NULL, p.proowner,
         COALESCE(p.proacl, pg_catalog.acldefault('f'::"char", p.proowner)),
         'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, NULL, NULL
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.prokind IN ('f', 'p')
  UNION ALL
  -- Types and domains (a domain's key kind is "type" too): enums, domains, ranges and
  -- standalone composite types; not array, multirange or table row types.
  SELECT 'type', n.nspname, t.typname, NULL, NULL, t.typowner,
         COALESCE(t.typacl, pg_catalog.acldefault('T'::"char", t.typowner)),
         'pg_catalog.pg_type'::pg_catalog.regclass, t.oid, NULL, NULL
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
  WHERE t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')
  UNION ALL
  SELECT 'schema', n.nspname, n.nspname, NULL, NULL, n.nspowner,
         COALESCE(n.nspacl, pg_catalog.acldefault('n'::"char", n.nspowner)),
         'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid, NULL, NULL
  FROM pg_catalog.pg_namespace n
  WHERE n.oid >= 16384
)
-- Grouped per object (a few rows each), not over all objects' rows at once.
SELECT o.on_kind, o.schema, o.name, o.args, o.col,
       CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END AS grantee,
       x.privileges, x.grantable, o.owner_schema, o.owner_name
FROM objs o
CROSS JOIN LATERAL (
  SELECT e.grantee,
         pg_catalog.array_agg(DISTINCT e.privilege_type::text) AS privileges,
         COALESCE(pg_catalog.array_agg(DISTINCT e.privilege_type::text) FILTER (WHERE e.is_grantable), '{}') AS grantable
  FROM pg_catalog.aclexplode(o.acl) e
  WHERE e.grantee <> o.owner AND e.privilege_type <> 'MAINTAIN'
  GROUP BY e.grantee
) x
WHERE ((NOT (o.schema = ANY (%(managed)s))
        AND o.schema NOT LIKE 'pg\_%%' AND o.schema NOT LIKE 'supabase\_%%'
        AND o.schema <> 'information_schema')
       -- grants on a project's own objects in a platform schema (schemakit.platform)
       OR (o.schema = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = o.owner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s))))
       -- and on a baseline function the catalog reads (redefined: functions.sql)
       OR (o.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND (o.schema || '.' || o.name) = ANY (%(platform_functions)s)
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_proc p,
                                  ROWS FROM (pg_catalog.unnest(%(platform_functions)s::text[]),
                                             pg_catalog.unnest(%(platform_bodies)s::text[])) AS b(name, body)
                           WHERE p.oid = o.objid AND b.name = o.schema || '.' || o.name AND b.body = p.prosrc)))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = o.classid AND d.objid = o.objid AND d.deptype = 'e')
