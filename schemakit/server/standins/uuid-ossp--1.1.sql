-- schemakit stand-in for uuid-ossp 1.1, for servers built without libuuid.
-- uuid_generate_v4 and v3 are real; v1 and v1mc return random (version 4) UUIDs;
-- v5 (SHA-1) raises feature_not_supported. Never installed on a real target.
\echo Use "CREATE EXTENSION ""uuid-ossp""" to load this file. \quit

CREATE FUNCTION uuid_nil() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;
CREATE FUNCTION uuid_ns_dns() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION uuid_ns_url() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION uuid_ns_oid() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION uuid_ns_x500() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION uuid_generate_v1() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT pg_catalog.gen_random_uuid() $$;
CREATE FUNCTION uuid_generate_v1mc() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT pg_catalog.gen_random_uuid() $$;
CREATE FUNCTION uuid_generate_v3(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.encode(pg_catalog.set_byte(pg_catalog.set_byte(h, 6, (pg_catalog.get_byte(h, 6) & 15) | 48),
                                               8, (pg_catalog.get_byte(h, 8) & 63) | 128), 'hex')::uuid
  FROM (SELECT pg_catalog.decode(pg_catalog.md5(pg_catalog.uuid_send($1) || pg_catalog.convert_to($2, 'UTF8')), 'hex') AS h) AS d
$$;
CREATE FUNCTION uuid_generate_v4() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT pg_catalog.gen_random_uuid() $$;
CREATE FUNCTION uuid_generate_v5(namespace uuid, name text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN RAISE EXCEPTION 'uuid_generate_v5() is not available in schemakit''s uuid-ossp stand-in' USING ERRCODE = 'feature_not_supported'; END $$;
