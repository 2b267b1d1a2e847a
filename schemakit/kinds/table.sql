-- Tables with their columns, one row per table (columns aggregated as json), and
-- their partitioning: the key of a partitioned table, the parent and bound of a partition;
-- whether the table is UNLOGGED, and the parents it INHERITS from (not partitioning).
SELECT n.nspname AS schema, c.relname AS name,
       c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
       c.relreplident::text AS replica_identity,
       (SELECT ic.relname FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
        WHERE x.indrelid = c.oid AND x.indisreplident) AS replica_index,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = c.oid AND descr.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND descr.objsubid = 0) AS comment,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_by,
       (SELECT pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(pc.relname)
        FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE c.relispartition AND i.inhrelid = c.oid) AS partition_of,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       COALESCE((
         SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
                  a.attname,
                  pg_catalog.format_type(a.atttypid, a.atttypmod),
                  a.attnotnull,
                  CASE WHEN a.attgenerated = '' THEN def.expr END,
                  NULLIF(a.attidentity, ''),
                  CASE WHEN a.attgenerated <> '' THEN def.expr END,
                  CASE WHEN a.attcollation <> t.typcollation THEN
                       (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                        FROM pg_catalog.pg_collation co
                        JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                        WHERE co.oid = a.attcollation) END,
                  (SELECT descr.description FROM pg_catalog.pg_description descr
                   WHERE descr.objoid = c.oid AND descr.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND descr.objsubid = a.attnum),
                  a.attislocal,
                  -- The default calls a volatile function (gen_random_uuid(), nextval(),
                  -- clock_timestamp(), a VOLATILE function of the files): the function and
                  -- operator OIDs of the stored expression tree, looked up in pg_proc; only
                  -- for a default that calls something (a constant prints without a parenthesis
                  -- or an operator character).
                  ad.adbin IS NOT NULL AND a.attgenerated = '' AND def.expr ~ '[(+*/<>=~!@#%%^&|`?-]' AND EXISTS (
                    SELECT FROM pg_catalog.regexp_matches(ad.adbin::text, ':(?:funcid|opfuncid) (\d+)', 'g') AS m
                    JOIN pg_catalog.pg_proc p ON p.oid = m[1]::pg_catalog.oid
                    WHERE p.provolatile = 'v')
                ) ORDER BY a.attnum)
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         LEFT JOIN LATERAL (SELECT pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS expr) def ON true
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       ), '[]'::pg_catalog.json) AS columns,
       c.relpersistence = 'u' AS unlogged,
       ARRAY(SELECT pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(pc.relname)
             FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE NOT c.relispartition AND i.inhrelid = c.oid
             ORDER BY i.inhseqno) AS inherits
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND ((NOT (n.nspname = ANY (%(managed)s))
        AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%')
       -- a project's own objects in a platform schema (schemakit.platform)
       OR (n.nspname = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = c.relowner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s)))))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
