-- schemakit stand-in for wrappers 0.5.0: the FDW handler and validator functions, by the
-- real names.
-- Never installed on a real target.
\echo Use "CREATE EXTENSION wrappers" to load this file. \quit

CREATE TABLE wrappers_fdw_stats (
    fdw_name text NOT NULL PRIMARY KEY,
    create_times bigint,
    rows_in bigint,
    rows_out bigint,
    bytes_in bigint,
    bytes_out bigint,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT timezone('utc'::text, now()),
    updated_at timestamptz NOT NULL DEFAULT timezone('utc'::text, now())
);
-- The handlers are postgres_fdw's C handler (foreign tables load; querying them does
-- not work); the validators accept any option.
CREATE FUNCTION airtable_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION airtable_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION airtable_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'airtable'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION auth0_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION auth0_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION auth0_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'auth0'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION big_query_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION big_query_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION big_query_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'big_query'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION click_house_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION click_house_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION click_house_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'click_house'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION cognito_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION cognito_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION cognito_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'cognito'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION firebase_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION firebase_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION firebase_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'firebase'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION hello_world_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION hello_world_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION hello_world_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'hello_world'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION logflare_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION logflare_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION logflare_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'logflare'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION mssql_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION mssql_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION mssql_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'mssql'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION redis_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION redis_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION redis_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'redis'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION s3_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION s3_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION s3_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 's3'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION stripe_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION stripe_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION stripe_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'stripe'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
CREATE FUNCTION wasm_fdw_handler() RETURNS fdw_handler LANGUAGE c STRICT AS '$libdir/postgres_fdw', 'postgres_fdw_handler';
CREATE FUNCTION wasm_fdw_validator(options text[], catalog oid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION wasm_fdw_meta() RETURNS TABLE(name text, version text, author text, website text) LANGUAGE sql AS $$ SELECT 'wasm'::text, '0.5.0'::text, 'Supabase'::text, ''::text $$;
