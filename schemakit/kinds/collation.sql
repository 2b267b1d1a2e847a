-- Collations made by CREATE COLLATION. The columns holding the locale differ across
-- majors (colliculocale in 15-16, colllocale from 17, collicurules from 16): read
-- through to_jsonb so one text serves every major.
SELECT n.nspname AS schema, co.collname AS name,
       co.collprovider::text AS provider,
       co.collisdeterministic AS deterministic,
       j.doc ->> 'collcollate' AS lc_collate,
       j.doc ->> 'collctype' AS lc_ctype,
       COALESCE(j.doc ->> 'colllocale', j.doc ->> 'colliculocale') AS locale,
       j.doc ->> 'collicurules' AS rules,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = co.oid AND descr.classoid = 'pg_catalog.pg_collation'::pg_catalog.regclass
          AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_collation co
JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
CROSS JOIN LATERAL (SELECT pg_catalog.to_jsonb(co) AS doc) j
WHERE NOT (n.nspname = ANY (%(managed)s))
  AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname NOT LIKE 'supabase\_%%'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass
                    AND d.objid = co.oid AND d.deptype = 'e')
