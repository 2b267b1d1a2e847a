-- Every type, to resolve a column's type: arrays to their element, domains to
-- their base type, enums and composites to their name.
SELECT t.oid::int8 AS oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS typtype,
       t.typcategory::text AS category, t.typelem::int8 AS element, t.typbasetype::int8 AS base,
       t.typrelid::int8 AS relid, COALESCE(c.relkind::text, '') AS relkind
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
