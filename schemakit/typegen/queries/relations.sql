-- Tables, views, materialized views and foreign tables of the requested schemas.
-- pg_relation_is_updatable's bitmask: 8 = INSERT, 4 = UPDATE.
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       (pg_catalog.pg_relation_is_updatable(c.oid, false) & 8) = 8 AS insertable,
       (pg_catalog.pg_relation_is_updatable(c.oid, false) & 4) = 4 AS updatable
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY (%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
ORDER BY n.nspname, c.relname
