-- Plain functions of the requested schemas that PostgREST can call: not
-- trigger functions, not aggregates or procedures, not members of an extension.
SELECT p.oid::int8 AS oid, n.nspname AS schema, p.proname AS name,
       COALESCE(p.proargnames, '{}') AS arg_names,
       COALESCE(p.proargmodes::text[], '{}') AS arg_modes,
       COALESCE(p.proallargtypes::int8[], p.proargtypes::int8[]) AS arg_types,
       p.pronargs AS n_in_args, p.pronargdefaults AS n_defaults,
       p.prorettype::int8 AS return_type, p.proretset AS returns_set,
       CASE WHEN p.proretset THEN NULLIF(p.prorows, 0) END AS row_estimate
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY (%(schemas)s)
  AND p.prokind = 'f'
  AND p.prorettype NOT IN ('pg_catalog.trigger'::pg_catalog.regtype, 'pg_catalog.event_trigger'::pg_catalog.regtype)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY n.nspname, p.proname, p.oid
