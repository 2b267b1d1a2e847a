-- schemakit stand-in for supabase_vault 0.3.1: vault.secrets, the
-- vault.decrypted_secrets view and vault.create_secret / vault.update_secret. Secrets
-- are kept as given (nothing is encrypted: a local development stand-in). Never
-- installed on a real target.
\echo Use "CREATE EXTENSION supabase_vault" to load this file. \quit

CREATE TABLE vault.secrets (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text,
    description text NOT NULL DEFAULT '',
    secret text NOT NULL,
    key_id uuid,
    nonce bytea,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT secrets_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE vault.secrets IS 'Table with encrypted `secret` column for storing sensitive information on disk.';
CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets (name) WHERE name IS NOT NULL;

CREATE VIEW vault.decrypted_secrets AS
SELECT s.id, s.name, s.description, s.secret, s.secret AS decrypted_secret,
       s.key_id, s.nonce, s.created_at, s.updated_at
FROM vault.secrets s;

CREATE FUNCTION vault.create_secret(
    new_secret text,
    new_name text DEFAULT NULL,
    new_description text DEFAULT '',
    new_key_id uuid DEFAULT NULL
) RETURNS uuid
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    INSERT INTO vault.secrets (secret, name, description, key_id)
    VALUES (new_secret, new_name, new_description, new_key_id)
    RETURNING id
$$;

CREATE FUNCTION vault.update_secret(
    secret_id uuid,
    new_secret text DEFAULT NULL,
    new_name text DEFAULT NULL,
    new_description text DEFAULT NULL,
    new_key_id uuid DEFAULT NULL
) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    UPDATE vault.secrets
    SET secret = COALESCE(new_secret, secret),
        name = COALESCE(new_name, name),
        description = COALESCE(new_description, description),
        key_id = COALESCE(new_key_id, key_id),
        updated_at = CURRENT_TIMESTAMP
    WHERE id = secret_id
$$;

REVOKE ALL ON vault.secrets, vault.decrypted_secrets FROM PUBLIC;
REVOKE ALL ON FUNCTION vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid) FROM PUBLIC;
