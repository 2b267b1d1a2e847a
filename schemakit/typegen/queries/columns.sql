-- Columns of the requested schemas' relations (and of their composite types).
SELECT a.attrelid::int8 AS relid, a.attname AS name, a.attnum AS position,
       a.atttypid::int8 AS type_oid, NOT a.attnotnull AS nullable,
       a.atthasdef AS has_default, a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       c.relkind IN ('r', 'p', 'f', 'c') OR pg_catalog.pg_column_is_updatable(c.oid, a.attnum, false) AS updatable
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY (%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
