SELECT n.nspname AS name FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY (%(schemas)s)
