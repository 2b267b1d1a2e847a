-- schemakit's Supabase baseline (DESIGN.md section 6).
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
            ('supabase_admin',         'NOLOGIN'),
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
