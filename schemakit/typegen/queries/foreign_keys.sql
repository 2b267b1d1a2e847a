-- Foreign keys from the requested schemas' tables. One-to-one when the
-- referencing columns are exactly a primary key or unique constraint of their table.
SELECT k.conname AS name, k.conrelid::int8 AS relid, k.confrelid::int8 AS referenced_relid,
       k.conkey::int4[] AS attnums, k.confkey::int4[] AS referenced_attnums,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
             ORDER BY u.ord) AS columns,
       rn.nspname AS referenced_schema, r.relname AS referenced_relation,
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
             ORDER BY u.ord) AS referenced_columns,
       EXISTS (SELECT FROM pg_catalog.pg_constraint uk
               WHERE uk.conrelid = k.conrelid AND uk.contype IN ('p', 'u')
                 AND uk.conkey @> k.conkey AND uk.conkey <@ k.conkey) AS one_to_one
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class r ON r.oid = k.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE k.contype = 'f' AND k.conparentid = 0 AND n.nspname = ANY (%(schemas)s)
ORDER BY k.conrelid, k.conname
