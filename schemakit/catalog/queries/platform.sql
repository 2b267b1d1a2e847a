-- Server facts in one round trip.
SELECT pg_catalog.current_setting('server_version_num')::int AS server_version,
       pg_catalog.to_regclass('storage.buckets') IS NOT NULL AS has_buckets,
       -- either schema: read with the platform's rules (schemakit.platform.catalog_params), so
       -- that a database with one of them never has the platform's objects read as its own
       pg_catalog.to_regnamespace('auth') IS NOT NULL OR pg_catalog.to_regnamespace('storage') IS NOT NULL
         AS has_platform,
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_depend) AS edges
