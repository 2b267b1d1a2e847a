-- Owners of the objects whose owner the schema files declare (schemakit.owners), one
-- row each: the objects are looked up by name with to_reg* (NULL where missing); a
-- function's argument types are looked up first, since to_regprocedure raises on a
-- type that does not exist before PostgreSQL 16. "creator" is true when the owner is
-- the role reading the catalog: the role that creates the objects.
WITH me AS (
  SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER
), wanted_functions AS (
  -- Argument types as written: unqualified ones resolve as when the files were loaded
  -- (pg_catalog, then the default schema); NULL where one does not exist here.
  SELECT w.value ->> 'name' AS name, (w.value ->> 'unspecified')::boolean AS unspecified,
         COALESCE((SELECT pg_catalog.array_agg(COALESCE(pg_catalog.to_regtype(a.t),
                                                        pg_catalog.to_regtype(%(default_schema)s || '.' || a.t)) ORDER BY a.n)
                   FROM pg_catalog.jsonb_array_elements_text(w.value -> 'args') WITH ORDINALITY a(t, n)),
                  '{}') AS types
  FROM pg_catalog.jsonb_array_elements(%(functions)s::jsonb) w
), objs AS (
  SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                        WHEN 'm' THEN 'materialized view' ELSE 'table' END AS on_kind,
         n.nspname AS schema, c.relname AS name, NULL::text AS args, c.relowner AS owner
  FROM pg_catalog.unnest(%(relations)s::text[]) w(name)
  JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(w.name)
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
  UNION ALL
  SELECT CASE WHEN p.prokind = 'p' THEN 'procedure' ELSE 'function' END, n.nspname, p.proname,
         pg_catalog.pg_get_function_identity_arguments(p.oid), p.proowner
  FROM wanted_functions w
  JOIN pg_catalog.pg_proc p ON p.oid = CASE
      WHEN w.unspecified THEN pg_catalog.to_regproc(w.name)::oid
      WHEN pg_catalog.array_position(w.types, NULL) IS NULL
        THEN pg_catalog.to_regprocedure(w.name || '(' || pg_catalog.array_to_string(w.types::text[], ',') || ')')::oid
    END
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  UNION ALL
  SELECT 'type', n.nspname, t.typname, NULL, t.typowner
  FROM pg_catalog.unnest(%(types)s::text[]) w(name)
  JOIN pg_catalog.pg_type t ON t.oid = pg_catalog.to_regtype(w.name)
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd', 'r', 'c')
  UNION ALL
  SELECT 'schema', n.nspname, n.nspname, NULL, n.nspowner
  FROM pg_catalog.pg_namespace n
  WHERE n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'collation', n.nspname, co.collname, NULL, co.collowner
  FROM pg_catalog.unnest(%(collations)s::text[]) w(name)
  JOIN pg_catalog.pg_collation co ON co.oid = pg_catalog.to_regcollation(w.name)
  JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
  UNION ALL
  SELECT 'publication', NULL, p.pubname, NULL, p.pubowner
  FROM pg_catalog.pg_publication p
  WHERE p.pubname = ANY (%(publications)s::text[])
)
SELECT o.on_kind, o.schema, o.name, o.args, pg_catalog.pg_get_userbyid(o.owner) AS role,
       o.owner = (SELECT me.oid FROM me) AS creator
FROM objs o
