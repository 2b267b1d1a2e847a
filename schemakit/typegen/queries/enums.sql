-- Every enum (one outside the requested schemas is inlined as its labels).
SELECT t.oid::int8 AS oid, n.nspname AS schema, t.typname AS name,
       pg_catalog.array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
GROUP BY t.oid, n.nspname, t.typname
ORDER BY n.nspname, t.typname
