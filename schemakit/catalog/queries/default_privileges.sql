-- What ALTER DEFAULT PRIVILEGES grants on the objects the connected role creates,
-- by schema (NULL: every schema), object type (r tables, S sequences, f functions)
-- and grantee: a grant these already imply is not planned for a new object.
SELECT n.nspname AS schema, d.defaclobjtype::text AS objtype,
       CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END AS grantee,
       x.privilege_type::text AS privilege
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) x
WHERE d.defaclobjtype IN ('r', 'S', 'f')
  AND x.privilege_type <> 'MAINTAIN'
  AND d.defaclrole = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)
