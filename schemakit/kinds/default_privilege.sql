-- The default privileges (ALTER DEFAULT PRIVILEGES) of the connected role, one row
-- per (schema, object type, grantee): NULL schema for every schema, object type r
-- tables, S sequences, f functions, T types, n schemas. A type without a global
-- pg_default_acl row has the hardwired default (acldefault: PUBLIC EXECUTE on
-- functions, PUBLIC USAGE on types), so "no row" and "a row equal to acldefault()"
-- read the same. The role's own privileges are left out (what an owner holds), and
-- so are platform schemas and MAINTAIN (PostgreSQL 17+), so that majors agree.
WITH me AS (
  SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER
), kinds(objtype, acltype) AS (
  VALUES ('r', 'r'), ('S', 's'), ('f', 'f'), ('T', 'T'), ('n', 'n')
), acls AS (
  SELECT NULL::pg_catalog.name AS schema, k.objtype,
         COALESCE(d.defaclacl, pg_catalog.acldefault(k.acltype::"char", me.oid)) AS acl
  FROM kinds k
  CROSS JOIN me
  LEFT JOIN pg_catalog.pg_default_acl d
    ON d.defaclrole = me.oid AND d.defaclnamespace = 0 AND d.defaclobjtype = k.objtype::"char"
  UNION ALL
  SELECT n.nspname, d.defaclobjtype::text, d.defaclacl
  FROM pg_catalog.pg_default_acl d
  JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
  JOIN me ON d.defaclrole = me.oid
  WHERE d.defaclobjtype IN ('r', 'S', 'f', 'T')
    AND NOT (n.nspname = ANY (%(managed)s))
    AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%'
)
SELECT a.schema, a.objtype,
       CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END AS grantee,
       pg_catalog.array_agg(DISTINCT x.privilege_type::text) AS privileges,
       COALESCE(pg_catalog.array_agg(DISTINCT x.privilege_type::text) FILTER (WHERE x.is_grantable), '{}') AS grantable
FROM acls a
CROSS JOIN me
CROSS JOIN LATERAL pg_catalog.aclexplode(a.acl) x
WHERE x.grantee <> me.oid
  AND x.privilege_type <> 'MAINTAIN'
GROUP BY a.schema, a.objtype, x.grantee
