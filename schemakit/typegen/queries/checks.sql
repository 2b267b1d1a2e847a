-- Single-column CHECK constraints, as PostgreSQL prints their expression
-- (parsed by typegen.checks into literal lists).
SELECT k.conrelid::int8 AS relid, a.attname AS column_name, k.conname AS name,
       pg_catalog.pg_get_expr(k.conbin, k.conrelid) AS expression
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
WHERE k.contype = 'c' AND pg_catalog.cardinality(k.conkey) = 1
  AND n.nspname = ANY (%(schemas)s)
ORDER BY k.conrelid, a.attname, k.conname
