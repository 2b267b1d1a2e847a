-- CHECK constraints of domains (on VALUE), parsed by typegen.checks into literal lists.
SELECT k.contypid::int8 AS type_oid, k.conname AS name,
       pg_catalog.pg_get_expr(k.conbin, 0) AS expression
FROM pg_catalog.pg_constraint k
WHERE k.contype = 'c' AND k.contypid <> 0
ORDER BY k.contypid, k.conname
