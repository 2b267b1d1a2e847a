-- Server facts in one round trip.
SELECT pg_catalog.current_setting('server_version_num')::int AS server_version,
       pg_catalog.to_regclass('storage.buckets') IS NOT NULL AS has_buckets,
       pg_catalog.to_regnamespace('auth') IS NOT NULL AND pg_catalog.to_regnamespace('storage') IS NOT NULL
         AS has_platform,
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_depend) AS edges
