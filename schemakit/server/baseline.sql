-- schemakit's Supabase baseline (DESIGN.md section 6).
--
-- Mirrors Supabase Postgres 15.8 (supabase/postgres 15.8.1.x, GoTrue v2.170, storage
-- v1.19, supabase_vault 0.3.1, pg_net 0.14.0): schemas, roles, auth tables and the
-- extensions every project has (pgcrypto, uuid-ossp and pg_stat_statements in `extensions`,
-- pg_graphql in `graphql`, supabase_vault in `vault`), the `"$user", public, extensions` search_path.
-- Extensions the server lacks come from schemakit's stand-ins (server/standins/).
--
-- A minimal, faithful stand-in for what a Supabase project has before any user
-- migration: the API roles, the auth and storage schemas with the objects user
-- schemas reference, Supabase's grants and default privileges, the realtime
-- publication. Definitions follow supabase/postgres and supabase/storage.
--
-- Run by a superuser. Idempotent: it can run any number of times, on any number of
-- databases of the same server (roles are cluster-wide, the rest is per database).
-- Never run it on a real Supabase database (see has_supabase_platform()).

-- ---------------------------------------------------------------- roles
DO $roles$
DECLARE
    spec record;
BEGIN
    FOR spec IN
        SELECT * FROM (VALUES
            ('anon',                   'NOLOGIN NOINHERIT'),
            ('authenticated',          'NOLOGIN NOINHERIT'),
            ('service_role',           'NOLOGIN NOINHERIT BYPASSRLS'),
            ('authenticator',          'LOGIN NOINHERIT'),
            -- A superuser on Supabase: it owns the platform's SECURITY DEFINER functions.
            ('supabase_admin',         'NOLOGIN SUPERUSER'),
            ('supabase_auth_admin',    'NOLOGIN NOINHERIT CREATEROLE'),
            ('supabase_storage_admin', 'NOLOGIN NOINHERIT CREATEROLE'),
            -- Stands for Supabase's "postgres" role: not a superuser, owns the
            -- user's objects. Applies in tests run as this role.
            ('schemakit_owner',        'LOGIN CREATEDB CREATEROLE BYPASSRLS')
        ) AS t(name, options)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = spec.name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', spec.name, spec.options);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created concurrently by another session
            END;
        END IF;
    END LOOP;
END
$roles$;

GRANT anon, authenticated, service_role TO authenticator;
-- Supabase's postgres is a member of the API roles (so it can SET ROLE to test
-- policies) and of supabase_storage_admin (so it can create policies on
-- storage.objects, which only the table's owner may do).
GRANT anon, authenticated, service_role, supabase_storage_admin TO schemakit_owner;

-- ---------------------------------------------------------------- schemas
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_admin;

GRANT USAGE ON SCHEMA extensions TO schemakit_owner, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA auth TO schemakit_owner, anon, authenticated, service_role;
GRANT ALL ON SCHEMA auth TO supabase_auth_admin;
GRANT USAGE ON SCHEMA storage TO schemakit_owner, anon, authenticated, service_role;
GRANT ALL ON SCHEMA storage TO supabase_storage_admin WITH GRANT OPTION;

-- PG15+ no longer grants CREATE on public to PUBLIC.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON SCHEMA public TO schemakit_owner;

-- Supabase's default privileges in public: without them SET ROLE authenticated is
-- refused ("permission denied") before any policy is consulted.
ALTER DEFAULT PRIVILEGES FOR ROLE schemakit_owner IN SCHEMA public
    GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE schemakit_owner IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE schemakit_owner IN SCHEMA public
    GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON TABLES TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON SEQUENCES TO schemakit_owner, anon, authenticated, service_role;

-- The same for the role postgres, when the server has one, and for the role that
-- installs the baseline (a shadow's superuser, whatever its name): objects they
-- create get Supabase's grants too, so a shadow and a target agree on them.
DO $postgres$
DECLARE
    r text;
BEGIN
    FOR r IN SELECT DISTINCT rolname FROM pg_catalog.pg_roles
             WHERE rolname IN ('postgres', CURRENT_USER) AND rolname <> 'schemakit_owner'
    LOOP
        EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
                                  'GRANT ALL ON TABLES TO anon, authenticated, service_role', r);
        EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
                                  'GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role', r);
        EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
                                  'GRANT ALL ON SEQUENCES TO anon, authenticated, service_role', r);
    END LOOP;
END
$postgres$;

-- Storage's own default privileges: what supabase_storage_admin creates is open to
-- the API roles (RLS does the filtering).
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON TABLES TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON FUNCTIONS TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON SEQUENCES TO schemakit_owner, anon, authenticated, service_role;

-- ---------------------------------------------------------------- realtime
DO $realtime$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = 'supabase_realtime') THEN
        CREATE PUBLICATION supabase_realtime;
    END IF;
END
$realtime$;
-- The project's own role owns it on Supabase, so it can add its tables.
ALTER PUBLICATION supabase_realtime OWNER TO schemakit_owner;

-- ---------------------------------------------------------------- auth
CREATE TABLE IF NOT EXISTS auth.users (
    instance_id uuid,
    id uuid NOT NULL,
    aud varchar(255),
    role varchar(255),
    email varchar(255),
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    invited_at timestamptz,
    confirmation_token varchar(255),
    confirmation_sent_at timestamptz,
    recovery_token varchar(255),
    recovery_sent_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_super_admin boolean,
    created_at timestamptz,
    updated_at timestamptz,
    phone text DEFAULT NULL UNIQUE,
    phone_confirmed_at timestamptz,
    confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
    banned_until timestamptz,
    deleted_at timestamptz,
    is_sso_user boolean NOT NULL DEFAULT false,
    is_anonymous boolean NOT NULL DEFAULT false,
    CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS users_instance_id_idx ON auth.users (instance_id);
CREATE INDEX IF NOT EXISTS users_instance_id_email_idx ON auth.users (instance_id, lower(email::text));
COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema.';
ALTER TABLE auth.users OWNER TO supabase_auth_admin;
-- Supabase's postgres may read and write auth.users, reference it from foreign
-- keys and put triggers on it (the handle_new_user pattern).
GRANT ALL ON TABLE auth.users TO schemakit_owner;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

CREATE OR REPLACE FUNCTION auth.email() RETURNS text
LANGUAGE sql STABLE
AS $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  select
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.role() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.email() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.jwt() OWNER TO supabase_auth_admin;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt()
    TO schemakit_owner, anon, authenticated, service_role;

-- ---------------------------------------------------------------- storage
CREATE TABLE IF NOT EXISTS storage.buckets (
    id text NOT NULL,
    name text NOT NULL,
    owner uuid,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    public boolean DEFAULT false,
    avif_autodetection boolean DEFAULT false,
    file_size_limit bigint,
    allowed_mime_types text[],
    owner_id text,
    CONSTRAINT buckets_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);

CREATE TABLE IF NOT EXISTS storage.objects (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    bucket_id text,
    name text,
    owner uuid,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    last_accessed_at timestamptz DEFAULT now(),
    metadata jsonb,
    path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
    version text,
    owner_id text,
    user_metadata jsonb,
    CONSTRAINT objects_pkey PRIMARY KEY (id),
    CONSTRAINT "objects_bucketId_fkey" FOREIGN KEY (bucket_id) REFERENCES storage.buckets (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects (name text_pattern_ops);

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
ALTER TABLE storage.objects OWNER TO supabase_storage_admin;
GRANT ALL ON TABLE storage.buckets, storage.objects
    TO schemakit_owner, anon, authenticated, service_role;

CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    _parts text[];
BEGIN
    select string_to_array(name, '/') into _parts;
    return _parts[1 : array_length(_parts, 1) - 1];
END
$$;

CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    _parts text[];
BEGIN
    select string_to_array(name, '/') into _parts;
    return _parts[array_length(_parts, 1)];
END
$$;

CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    _parts text[];
    _filename text;
BEGIN
    select string_to_array(name, '/') into _parts;
    select _parts[array_length(_parts, 1)] into _filename;
    return reverse(split_part(reverse(_filename), '.', 1));
END
$$;

ALTER FUNCTION storage.foldername(text) OWNER TO supabase_storage_admin;
ALTER FUNCTION storage.filename(text) OWNER TO supabase_storage_admin;
ALTER FUNCTION storage.extension(text) OWNER TO supabase_storage_admin;
GRANT EXECUTE ON FUNCTION storage.foldername(text), storage.filename(text), storage.extension(text)
    TO schemakit_owner, anon, authenticated, service_role;

-- ================================================================ Supabase platform,
-- closer to a real project: what projects reference beyond auth.users and storage.

DO $roles2$
DECLARE
    spec record;
BEGIN
    FOR spec IN
        SELECT * FROM (VALUES
            ('supabase_functions_admin', 'NOLOGIN NOINHERIT CREATEROLE'),
            ('supabase_realtime_admin',  'NOLOGIN NOINHERIT'),
            ('dashboard_user',           'NOLOGIN CREATEDB CREATEROLE')
        ) AS t(name, options)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = spec.name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', spec.name, spec.options);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$roles2$;

-- Supabase's search_path: unqualified uuid_generate_v4(), gen_random_bytes() resolve
-- in `extensions`. Set on the roles that load and apply schemas (roles are
-- cluster-wide; database settings would not survive CREATE DATABASE ... TEMPLATE).
DO $search_path$
DECLARE
    r text;
BEGIN
    FOR r IN SELECT DISTINCT rolname FROM pg_catalog.pg_roles
             WHERE rolname IN ('postgres', 'schemakit_owner', 'anon', 'authenticated',
                               'service_role', 'authenticator', CURRENT_USER)
    LOOP
        -- Only when missing: roles are cluster-wide, and an ALTER ROLE that another
        -- database's install runs at the same moment fails "tuple concurrently updated".
        CONTINUE WHEN EXISTS (
            SELECT FROM pg_catalog.pg_db_role_setting s
            JOIN pg_catalog.pg_roles o ON o.oid = s.setrole
            WHERE o.rolname = r AND s.setdatabase = 0
              AND 'search_path="$user", public, extensions' = ANY (s.setconfig));
        EXECUTE pg_catalog.format('ALTER ROLE %I SET search_path TO "$user", public, extensions', r);
    END LOOP;
END
$search_path$;

CREATE SCHEMA IF NOT EXISTS graphql_public AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS realtime AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS supabase_functions AUTHORIZATION supabase_admin;

GRANT ALL ON SCHEMA extensions TO schemakit_owner WITH GRANT OPTION;
GRANT USAGE ON SCHEMA graphql_public TO schemakit_owner, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA realtime TO schemakit_owner, anon, authenticated, service_role;
GRANT ALL ON SCHEMA realtime TO supabase_realtime_admin;
GRANT USAGE ON SCHEMA supabase_functions TO schemakit_owner, anon, authenticated, service_role;
GRANT ALL ON SCHEMA supabase_functions TO supabase_functions_admin;
GRANT supabase_realtime_admin TO schemakit_owner;

-- Supabase's default privileges in extensions and graphql_public.
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA extensions
    GRANT ALL ON TABLES TO schemakit_owner WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA extensions
    GRANT ALL ON FUNCTIONS TO schemakit_owner WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA extensions
    GRANT ALL ON SEQUENCES TO schemakit_owner WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA graphql_public
    GRANT ALL ON TABLES TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA graphql_public
    GRANT ALL ON FUNCTIONS TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA graphql_public
    GRANT ALL ON SEQUENCES TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_functions_admin IN SCHEMA supabase_functions
    GRANT ALL ON TABLES TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_functions_admin IN SCHEMA supabase_functions
    GRANT ALL ON FUNCTIONS TO schemakit_owner, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_functions_admin IN SCHEMA supabase_functions
    GRANT ALL ON SEQUENCES TO schemakit_owner, anon, authenticated, service_role;

-- ---------------------------------------------------------------- extensions
-- Every Supabase project has these. The server's own when it has them, else
-- schemakit's stand-ins (installed before the baseline when the server is ours);
-- on a server with neither, the baseline goes on without them.
DO $extensions$
DECLARE
    spec record;
BEGIN
    FOR spec IN
        SELECT * FROM (VALUES
            ('pgcrypto', 'extensions'),
            ('uuid-ossp', 'extensions'),
            ('pg_stat_statements', 'extensions'),
            ('pg_graphql', NULL),  -- in graphql, its control file's schema
            ('supabase_vault', NULL)
        ) AS t(name, schema_name)
    LOOP
        IF EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = spec.name)
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = spec.name) THEN
            IF spec.schema_name IS NULL THEN
                EXECUTE pg_catalog.format('CREATE EXTENSION %I', spec.name);
            ELSE
                EXECUTE pg_catalog.format('CREATE EXTENSION %I WITH SCHEMA %I', spec.name, spec.schema_name);
            END IF;
        END IF;
    END LOOP;
END
$extensions$;
CREATE SCHEMA IF NOT EXISTS vault AUTHORIZATION supabase_admin;
GRANT USAGE ON SCHEMA vault TO schemakit_owner, service_role;
DO $vault$
BEGIN
    IF pg_catalog.to_regclass('vault.secrets') IS NOT NULL THEN
        GRANT SELECT, DELETE ON vault.secrets, vault.decrypted_secrets TO schemakit_owner, service_role;
        GRANT EXECUTE ON FUNCTION vault.create_secret(text, text, text, uuid),
                                  vault.update_secret(uuid, text, text, text, uuid)
            TO schemakit_owner, service_role;
    END IF;
END
$vault$;

-- ---------------------------------------------------------------- auth, more tables
DO $auth_types$
BEGIN
    IF pg_catalog.to_regtype('auth.aal_level') IS NULL THEN
        CREATE TYPE auth.aal_level AS ENUM ('aal1', 'aal2', 'aal3');
    END IF;
    IF pg_catalog.to_regtype('auth.factor_type') IS NULL THEN
        CREATE TYPE auth.factor_type AS ENUM ('totp', 'webauthn', 'phone');
    END IF;
    IF pg_catalog.to_regtype('auth.factor_status') IS NULL THEN
        CREATE TYPE auth.factor_status AS ENUM ('unverified', 'verified');
    END IF;
END
$auth_types$;
ALTER TYPE auth.aal_level OWNER TO supabase_auth_admin;
ALTER TYPE auth.factor_type OWNER TO supabase_auth_admin;
ALTER TYPE auth.factor_status OWNER TO supabase_auth_admin;

CREATE TABLE IF NOT EXISTS auth.identities (
    provider_id text NOT NULL,
    user_id uuid NOT NULL,
    identity_data jsonb NOT NULL,
    provider text NOT NULL,
    last_sign_in_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT identities_pkey PRIMARY KEY (id),
    CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider),
    CONSTRAINT identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS identities_user_id_idx ON auth.identities (user_id);
CREATE INDEX IF NOT EXISTS identities_email_idx ON auth.identities (email text_pattern_ops);
COMMENT ON TABLE auth.identities IS 'Auth: Stores identities associated to a user.';

CREATE TABLE IF NOT EXISTS auth.sessions (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamptz,
    updated_at timestamptz,
    factor_id uuid,
    aal auth.aal_level,
    not_after timestamptz,
    refreshed_at timestamp,
    user_agent text,
    ip inet,
    tag text,
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON auth.sessions (user_id);
CREATE INDEX IF NOT EXISTS sessions_not_after_idx ON auth.sessions (not_after DESC);
COMMENT ON TABLE auth.sessions IS 'Auth: Stores session data associated to a user.';

CREATE TABLE IF NOT EXISTS auth.mfa_factors (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    friendly_name text,
    factor_type auth.factor_type NOT NULL,
    status auth.factor_status NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    secret text,
    phone text,
    last_challenged_at timestamptz,
    CONSTRAINT mfa_factors_pkey PRIMARY KEY (id),
    CONSTRAINT mfa_factors_last_challenged_at_key UNIQUE (last_challenged_at),
    CONSTRAINT mfa_factors_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS mfa_factors_user_id_idx ON auth.mfa_factors (user_id);
COMMENT ON TABLE auth.mfa_factors IS 'auth: stores metadata about factors';

CREATE TABLE IF NOT EXISTS auth.refresh_tokens (
    instance_id uuid,
    id bigserial NOT NULL,
    token varchar(255),
    user_id varchar(255),
    revoked boolean,
    created_at timestamptz,
    updated_at timestamptz,
    parent varchar(255),
    session_id uuid,
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT refresh_tokens_token_unique UNIQUE (token),
    CONSTRAINT refresh_tokens_session_id_fkey FOREIGN KEY (session_id) REFERENCES auth.sessions (id) ON DELETE CASCADE
);
COMMENT ON TABLE auth.refresh_tokens IS 'Auth: Store of tokens used to refresh JWT tokens once they expire.';

ALTER TABLE auth.identities OWNER TO supabase_auth_admin;
ALTER TABLE auth.sessions OWNER TO supabase_auth_admin;
ALTER TABLE auth.mfa_factors OWNER TO supabase_auth_admin;
ALTER TABLE auth.refresh_tokens OWNER TO supabase_auth_admin;
ALTER TABLE auth.identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth.mfa_factors ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth.refresh_tokens ENABLE ROW LEVEL SECURITY;
GRANT ALL ON TABLE auth.identities, auth.sessions, auth.mfa_factors, auth.refresh_tokens
    TO schemakit_owner, dashboard_user;
GRANT ALL ON SEQUENCE auth.refresh_tokens_id_seq TO schemakit_owner, dashboard_user;

-- ---------------------------------------------------------------- realtime
CREATE TABLE IF NOT EXISTS realtime.messages (
    topic text NOT NULL,
    extension text NOT NULL,
    payload jsonb,
    event text,
    private boolean DEFAULT false,
    updated_at timestamp NOT NULL DEFAULT now(),
    inserted_at timestamp NOT NULL DEFAULT now(),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT messages_pkey PRIMARY KEY (id, inserted_at)
);
ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE realtime.messages OWNER TO supabase_realtime_admin;
GRANT SELECT, INSERT, UPDATE ON TABLE realtime.messages TO schemakit_owner, anon, authenticated, service_role;

CREATE OR REPLACE FUNCTION realtime.topic() RETURNS text
LANGUAGE sql STABLE
AS $$
  select nullif(current_setting('realtime.topic', true), '')::text;
$$;
ALTER FUNCTION realtime.topic() OWNER TO supabase_realtime_admin;
GRANT EXECUTE ON FUNCTION realtime.topic() TO schemakit_owner, anon, authenticated, service_role;

-- ---------------------------------------------------------------- graphql_public
CREATE OR REPLACE FUNCTION graphql_public.graphql(
    "operationName" text DEFAULT NULL,
    query text DEFAULT NULL,
    variables jsonb DEFAULT NULL,
    extensions jsonb DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN jsonb_build_object(
        'errors', jsonb_build_array(jsonb_build_object(
            'message', 'pg_graphql extension is not enabled.')));
END
$$;
ALTER FUNCTION graphql_public.graphql(text, text, jsonb, jsonb) OWNER TO supabase_admin;
GRANT EXECUTE ON FUNCTION graphql_public.graphql(text, text, jsonb, jsonb)
    TO schemakit_owner, anon, authenticated, service_role;

-- ---------------------------------------------------------------- database webhooks
CREATE TABLE IF NOT EXISTS supabase_functions.migrations (
    version text NOT NULL,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT migrations_pkey PRIMARY KEY (version)
);
CREATE TABLE IF NOT EXISTS supabase_functions.hooks (
    id bigserial NOT NULL,
    hook_table_id integer NOT NULL,
    hook_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    request_id bigint,
    CONSTRAINT hooks_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS supabase_functions_hooks_request_id_idx ON supabase_functions.hooks (request_id);
CREATE INDEX IF NOT EXISTS supabase_functions_hooks_h_table_id_h_name_idx
    ON supabase_functions.hooks (hook_table_id, hook_name);
COMMENT ON TABLE supabase_functions.hooks IS 'Supabase Functions Hooks: Audit trail for triggered hooks.';

-- The trigger function of database webhooks:
-- EXECUTE FUNCTION supabase_functions.http_request(url, method, headers, params, timeout_ms)
CREATE OR REPLACE FUNCTION supabase_functions.http_request() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = supabase_functions
AS $$
DECLARE
    request_id bigint;
    payload jsonb;
    url text := TG_ARGV[0]::text;
    method text := TG_ARGV[1]::text;
    headers jsonb DEFAULT '{}'::jsonb;
    params jsonb DEFAULT '{}'::jsonb;
    timeout_ms integer DEFAULT 1000;
BEGIN
    IF url IS NULL OR url = 'null' THEN
        RAISE EXCEPTION 'url argument is missing';
    END IF;
    IF method IS NULL OR method = 'null' THEN
        RAISE EXCEPTION 'method argument is missing';
    END IF;
    IF TG_ARGV[2] IS NOT NULL AND TG_ARGV[2] <> 'null' THEN
        headers = TG_ARGV[2]::jsonb;
    END IF;
    IF TG_ARGV[3] IS NOT NULL AND TG_ARGV[3] <> 'null' THEN
        params = TG_ARGV[3]::jsonb;
    END IF;
    IF TG_ARGV[4] IS NOT NULL AND TG_ARGV[4] <> 'null' THEN
        timeout_ms = TG_ARGV[4]::integer;
    END IF;
    CASE
        WHEN method = 'GET' THEN
            SELECT net.http_get(url, params, headers, timeout_ms) INTO request_id;
        WHEN method = 'POST' THEN
            payload = jsonb_build_object(
                'old_record', OLD, 'record', NEW, 'type', TG_OP,
                'table', TG_TABLE_NAME, 'schema', TG_TABLE_SCHEMA);
            SELECT net.http_post(url, payload, params, headers, timeout_ms) INTO request_id;
        ELSE
            RAISE EXCEPTION 'method argument % is invalid', method;
    END CASE;
    INSERT INTO supabase_functions.hooks (hook_table_id, hook_name, request_id)
    VALUES (TG_RELID, TG_NAME, request_id);
    RETURN NEW;
END
$$;

ALTER TABLE supabase_functions.migrations OWNER TO supabase_functions_admin;
ALTER TABLE supabase_functions.hooks OWNER TO supabase_functions_admin;
ALTER FUNCTION supabase_functions.http_request() OWNER TO supabase_functions_admin;
GRANT ALL ON TABLE supabase_functions.migrations, supabase_functions.hooks
    TO schemakit_owner, anon, authenticated, service_role;
GRANT ALL ON SEQUENCE supabase_functions.hooks_id_seq TO schemakit_owner, anon, authenticated, service_role;
REVOKE ALL ON FUNCTION supabase_functions.http_request() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION supabase_functions.http_request() TO schemakit_owner, anon, authenticated, service_role;

-- ---------------------------------------------------------------- pg_net access
-- As Supabase does with its event trigger extensions.grant_pg_net_access: when
-- pg_net is created, the API roles and the webhooks' role may use it.
-- SECURITY DEFINER (its owner is supabase_admin, a superuser as on Supabase): the
-- role that creates the extension does not own the net schema.
CREATE OR REPLACE FUNCTION extensions.grant_pg_net_access() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_event_trigger_ddl_commands() AS ev
               JOIN pg_catalog.pg_extension AS ext ON ev.objid = ext.oid
               WHERE ext.extname = 'pg_net') THEN
        GRANT USAGE ON SCHEMA net TO supabase_functions_admin, schemakit_owner, anon, authenticated, service_role;
        GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA net
            TO supabase_functions_admin, schemakit_owner, anon, authenticated, service_role;
    END IF;
END
$$;
COMMENT ON FUNCTION extensions.grant_pg_net_access() IS 'Grants access to pg_net';
-- The platform's, as on Supabase: owned by supabase_admin (never read as the project's).
DO $owner$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'supabase_admin') THEN
        ALTER ROLE supabase_admin SUPERUSER;  -- made by an older baseline
    END IF;
END
$owner$;
ALTER FUNCTION extensions.grant_pg_net_access() OWNER TO supabase_admin;
DO $net_trigger$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = 'issue_pg_net_access') THEN
        CREATE EVENT TRIGGER issue_pg_net_access ON ddl_command_end
            WHEN TAG IN ('CREATE EXTENSION')
            EXECUTE FUNCTION extensions.grant_pg_net_access();
    END IF;
END
$net_trigger$;
