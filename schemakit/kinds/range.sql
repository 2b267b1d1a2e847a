-- Range types made by CREATE TYPE ... AS RANGE: subtype, multirange, and the options
-- that differ from their defaults (operator class, collation); functions as regproc text.
SELECT n.nspname AS schema, t.typname AS name,
       pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
       pg_catalog.quote_ident(mn.nspname) || '.' || pg_catalog.quote_ident(mt.typname) AS multirange,
       CASE WHEN NOT opc.opcdefault THEN
            pg_catalog.quote_ident(on_.nspname) || '.' || pg_catalog.quote_ident(opc.opcname) END AS subtype_opclass,
       CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN
            (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
             FROM pg_catalog.pg_collation co
             JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
             WHERE co.oid = r.rngcollation) END AS collation,
       NULLIF(r.rngcanonical::pg_catalog.regproc::text, '-') AS canonical,
       NULLIF(r.rngsubdiff::pg_catalog.regproc::text, '-') AS subtype_diff,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = t.oid AND descr.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_range r
JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid
JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
JOIN pg_catalog.pg_namespace on_ ON on_.oid = opc.opcnamespace
WHERE t.typtype = 'r'
  AND ((NOT (n.nspname = ANY (%(managed)s))
        AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%')
       -- a project's own objects in a platform schema (schemakit.platform)
       OR (n.nspname = ANY (%(open)s)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles ro WHERE ro.oid = t.typowner
                       AND (ro.rolname LIKE 'supabase\_%%' OR ro.rolname = ANY (%(platform_roles)s)))))
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
