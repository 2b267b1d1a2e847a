-- The _RETURN rule of the requested schemas' views and materialized views, as a
-- node tree: typegen.lineage reads which table column each view column shows.
SELECT c.oid::int8 AS relid, r.ev_action::text AS action
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND r.rulename = '_RETURN' AND n.nspname = ANY (%(schemas)s)
ORDER BY c.oid
