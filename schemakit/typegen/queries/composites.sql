-- Stand-alone composite types (CREATE TYPE ... AS (...)), not tables' row types.
SELECT t.oid::int8 AS oid, n.nspname AS schema, t.typname AS name, c.oid::int8 AS relid
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
WHERE n.nspname = ANY (%(schemas)s) AND t.typtype = 'c' AND c.relkind = 'c'
ORDER BY n.nspname, t.typname
