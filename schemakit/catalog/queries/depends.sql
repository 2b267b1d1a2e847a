-- Dependency edges between modelled objects, translated from pg_depend into keys
-- (kind, identity), so that both databases agree on them. The identity is built as
-- schemakit.model builds it (quote_ident is PostgreSQL's quote_identifier): once per
-- object here, rather than once per edge in Python.
-- A constraint's index stands for the constraint. Column-level dependencies also
-- name the column: ref_column for a referenced column (refobjsubid), dep_column for
-- the column whose default or generation expression depends on something.
WITH named AS (
  SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid,
         CASE WHEN k.oid IS NOT NULL THEN 'table constraint'
              WHEN c.relkind IN ('r', 'p') THEN 'table'
              WHEN c.relkind IN ('i', 'I') THEN 'index'
              WHEN c.relkind = 'v' THEN 'view'
              WHEN c.relkind = 'm' THEN 'materialized view'
              WHEN c.relkind = 'S' THEN 'sequence'
              WHEN c.relkind = 'c' THEN 'type' END AS kind,
         n.nspname AS schema,
         COALESCE(k.conname, c.relname) AS name,
         kt.relname AS parent,
         NULL::pg_catalog.name AS col
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_constraint k ON k.conindid = c.oid AND k.contype IN ('p', 'u', 'x')
                                      AND c.relkind IN ('i', 'I')
  LEFT JOIN pg_catalog.pg_class kt ON kt.oid = k.conrelid
  WHERE c.oid >= 16384 AND c.relkind IN ('r', 'p', 'i', 'I', 'v', 'm', 'S', 'c')
  UNION ALL
  SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid, 'table constraint',
         n.nspname, k.conname, c.relname, NULL
  FROM pg_catalog.pg_constraint k
  JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE k.oid >= 16384 AND k.contype <> 'n'
  UNION ALL
  SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid,
         CASE WHEN p.prokind = 'p' THEN 'procedure' ELSE 'function' END,
         n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid), NULL
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.oid >= 16384
  UNION ALL
  SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, g.oid, 'trigger', n.nspname, g.tgname, c.relname, NULL
  FROM pg_catalog.pg_trigger g
  JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT g.tgisinternal
  UNION ALL
  SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, p.oid, 'policy', n.nspname, p.polname, c.relname, NULL
  FROM pg_catalog.pg_policy p
  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid,
         CASE WHEN c.relkind IN ('r', 'p') THEN 'table'
              WHEN c.relkind = 'v' THEN 'view'
              WHEN c.relkind = 'm' THEN 'materialized view'
              ELSE 'type' END,
         COALESCE(rn.nspname, n.nspname), COALESCE(c.relname, rt.typname, t.typname), NULL, NULL
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
  -- a multirange stands for its range type
  LEFT JOIN pg_catalog.pg_range mr ON t.typtype = 'm' AND mr.rngmultitypid = t.oid
  LEFT JOIN pg_catalog.pg_type rt ON rt.oid = mr.rngtypid
  LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rt.typnamespace
  WHERE t.oid >= 16384 AND t.typtype IN ('e', 'd', 'c', 'r', 'm')
  UNION ALL
  SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, co.oid, 'collation', n.nspname, co.collname, NULL, NULL
  FROM pg_catalog.pg_collation co
  JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
  WHERE co.oid >= 16384
  UNION ALL
  -- a view's rewrite rule stands for the view; a column default for its table
  SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass, r.oid,
         CASE WHEN c.relkind = 'm' THEN 'materialized view' ELSE 'view' END,
         n.nspname, c.relname, NULL, NULL
  FROM pg_catalog.pg_rewrite r
  JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE r.oid >= 16384 AND c.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, ad.oid, 'table', n.nspname, c.relname, NULL, a.attname
  FROM pg_catalog.pg_attrdef ad
  JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
  JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE ad.oid >= 16384 AND c.relkind IN ('r', 'p')
  UNION ALL
  SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid, 'schema', n.nspname, n.nspname, NULL, NULL
  FROM pg_catalog.pg_namespace n
  WHERE n.oid >= 16384
  UNION ALL
  SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid, 'extension', NULL, e.extname, NULL, NULL
  FROM pg_catalog.pg_extension e
  UNION ALL
  SELECT 'pg_catalog.pg_event_trigger'::pg_catalog.regclass, et.oid, 'event trigger', NULL, et.evtname, NULL, NULL
  FROM pg_catalog.pg_event_trigger et
), objs AS (
  SELECT classid, objid, kind, col,
         CASE WHEN kind IN ('schema', 'extension', 'event trigger') THEN pg_catalog.quote_ident(name)
              WHEN kind IN ('function', 'procedure')
                THEN pg_catalog.quote_ident(schema) || '.' || pg_catalog.quote_ident(name) || '(' || COALESCE(parent, '') || ')'
              WHEN kind IN ('table constraint', 'trigger', 'policy')
                THEN pg_catalog.quote_ident(name) || ' on ' || pg_catalog.quote_ident(schema) || '.'
                     || pg_catalog.quote_ident(parent)
              ELSE pg_catalog.quote_ident(schema) || '.' || pg_catalog.quote_ident(name) END AS ident
  FROM named
), edges AS (
  -- every edge (a read since, schemakit.catalog.partial, takes those of what changed)
  SELECT d.classid, d.objid, d.refclassid, d.refobjid, d.refobjsubid
  FROM pg_catalog.pg_depend d
  WHERE d.deptype IN ('n', 'a', 'i')
)
SELECT a.kind, a.ident, b.kind, b.ident, a.col AS dep_column, rc.attname AS ref_column
FROM edges d
JOIN objs a ON a.classid = d.classid AND a.objid = d.objid
JOIN objs b ON b.classid = d.refclassid AND b.objid = d.refobjid
LEFT JOIN pg_catalog.pg_attribute rc
  ON d.refobjsubid > 0 AND b.kind IN ('table', 'view', 'materialized view')
 AND rc.attrelid = d.refobjid AND rc.attnum = d.refobjsubid
WHERE NOT (a.classid = b.classid AND a.objid = b.objid)
