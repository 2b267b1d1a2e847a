-- Publications: what they publish, and their member tables (schema-qualified names).
SELECT p.pubname AS name, p.puballtables AS all_tables,
       ARRAY_REMOVE(ARRAY[CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
                          CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END], NULL) AS publish,
       ARRAY(SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
             FROM pg_catalog.pg_publication_rel r
             JOIN pg_catalog.pg_class c ON c.oid = r.prrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE r.prpubid = p.oid
             ORDER BY 1) AS tables,
       (SELECT descr.description FROM pg_catalog.pg_description descr
        WHERE descr.objoid = p.oid AND descr.classoid = 'pg_catalog.pg_publication'::pg_catalog.regclass AND descr.objsubid = 0) AS comment
FROM pg_catalog.pg_publication p
