-- schemakit stand-in for pgsodium 3.1.8: its schema, roles, key table and views,
-- and its functions' signatures. Hashes (crypto_hash_sha256/512) and random bytes
-- work; the cryptographic functions raise feature_not_supported. Never installed on
-- a real target.
\echo Use "CREATE EXTENSION pgsodium" to load this file. \quit

DO $roles$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['pgsodium_keyiduser', 'pgsodium_keyholder', 'pgsodium_keymaker'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;

CREATE TYPE pgsodium.key_status AS ENUM ('default', 'valid', 'invalid', 'expired');
CREATE TYPE pgsodium.key_type AS ENUM ('aead-ietf', 'aead-det', 'hmacsha512', 'hmacsha256', 'auth',
    'shorthash', 'generichash', 'kdf', 'secretbox', 'secretstream', 'stream_xchacha20');
CREATE TYPE pgsodium.crypto_box_keypair AS (public bytea, secret bytea);
CREATE TYPE pgsodium.crypto_sign_keypair AS (public bytea, secret bytea);
CREATE TYPE pgsodium.crypto_kx_keypair AS (public bytea, secret bytea);
CREATE TYPE pgsodium.crypto_kx_session AS (rx bytea, tx bytea);

CREATE TABLE pgsodium.key (
    id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    status pgsodium.key_status DEFAULT 'valid',
    created timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires timestamptz,
    key_type pgsodium.key_type,
    key_id bigserial,
    key_context bytea DEFAULT '\x7067736f6469756d'::bytea,
    name text UNIQUE,
    associated_data text DEFAULT 'associated',
    raw_key bytea,
    raw_key_nonce bytea,
    parent_key uuid REFERENCES pgsodium.key (id),
    comment text,
    user_data text
);

CREATE VIEW pgsodium.valid_key AS
SELECT id, name, status, key_type, key_id, key_context, created, expires, associated_data
FROM pgsodium.key
WHERE status IN ('valid', 'default') AND (expires IS NULL OR expires > now());

CREATE VIEW pgsodium.decrypted_key AS
SELECT id, status, created, expires, key_type, key_id, key_context, name, associated_data,
       raw_key, raw_key AS decrypted_raw_key, raw_key_nonce, parent_key, comment
FROM pgsodium.key;

CREATE VIEW pgsodium.masking_rule AS
SELECT NULL::oid AS attrelid, NULL::integer AS attnum, NULL::regnamespace AS relnamespace,
       NULL::name AS relname, NULL::name AS attname, NULL::text AS format_type, NULL::text AS col_description,
       NULL::text AS key_id_column, NULL::text AS key_id, NULL::text AS associated_columns,
       NULL::text AS nonce_column, NULL::text AS view_name, NULL::integer AS priority, NULL::boolean AS security_invoker
WHERE false;

CREATE FUNCTION pgsodium._unsupported(name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RAISE EXCEPTION 'pgsodium.%() is not available in schemakit''s pgsodium stand-in', name USING ERRCODE = 'feature_not_supported'; END $$;

CREATE FUNCTION pgsodium.randombytes_buf(size integer) RETURNS bytea
LANGUAGE sql VOLATILE STRICT AS $$
  SELECT pg_catalog.decode(pg_catalog.string_agg(pg_catalog.lpad(pg_catalog.to_hex((pg_catalog.random() * 255)::integer), 2, '0'), ''), 'hex')
  FROM pg_catalog.generate_series(1, size)
$$;
CREATE FUNCTION pgsodium.randombytes_random() RETURNS integer
LANGUAGE sql VOLATILE AS $$ SELECT (pg_catalog.random() * 2147483647)::integer $$;
CREATE FUNCTION pgsodium.randombytes_uniform(upper_bound integer) RETURNS integer
LANGUAGE sql VOLATILE STRICT AS $$ SELECT pg_catalog.floor(pg_catalog.random() * upper_bound)::integer $$;
CREATE FUNCTION pgsodium.randombytes_new_seed() RETURNS bytea
LANGUAGE sql VOLATILE AS $$ SELECT pgsodium.randombytes_buf(32) $$;
CREATE FUNCTION pgsodium.crypto_hash_sha256(message bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_catalog.sha256(message) $$;
CREATE FUNCTION pgsodium.crypto_hash_sha512(message bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_catalog.sha512(message) $$;

CREATE FUNCTION pgsodium.crypto_secretbox_keygen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_secretbox_keygen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_secretbox_noncegen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_secretbox_noncegen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_secretbox(message bytea, nonce bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_secretbox'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_secretbox(message bytea, nonce bytea, key_id bigint, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_secretbox'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_secretbox(message bytea, nonce bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_secretbox'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_secretbox_open(ciphertext bytea, nonce bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_secretbox_open'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_secretbox_open(message bytea, nonce bytea, key_id bigint, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_secretbox_open'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_secretbox_open(message bytea, nonce bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_secretbox_open'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_auth_keygen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_auth_keygen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_auth(message bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_auth'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_auth(message bytea, key_id bigint, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_auth'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_auth(message bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_auth'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_auth_verify(mac bytea, message bytea, key bytea) RETURNS boolean LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_auth_verify'); SELECT NULL::boolean WHERE true$$;
CREATE FUNCTION pgsodium.crypto_auth_verify(mac bytea, message bytea, key_id bigint, context bytea DEFAULT 'pgsodium') RETURNS boolean LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_auth_verify'); SELECT NULL::boolean WHERE true$$;
CREATE FUNCTION pgsodium.crypto_auth_verify(mac bytea, message bytea, key_uuid uuid) RETURNS boolean LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_auth_verify'); SELECT NULL::boolean WHERE true$$;
CREATE FUNCTION pgsodium.crypto_box_new_keypair() RETURNS pgsodium.crypto_box_keypair LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_box_new_keypair'); SELECT NULL::pgsodium.crypto_box_keypair WHERE true$$;
CREATE FUNCTION pgsodium.crypto_box_noncegen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_box_noncegen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_box(message bytea, nonce bytea, public bytea, secret bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_box'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_box_open(ciphertext bytea, nonce bytea, public bytea, secret bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_box_open'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_box_seal(message bytea, public_key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_box_seal'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_box_seal_open(ciphertext bytea, public_key bytea, secret_key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_box_seal_open'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_sign_new_keypair() RETURNS pgsodium.crypto_sign_keypair LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_sign_new_keypair'); SELECT NULL::pgsodium.crypto_sign_keypair WHERE true$$;
CREATE FUNCTION pgsodium.crypto_sign(message bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_sign'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_sign_open(signed_message bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_sign_open'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_sign_detached(message bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_sign_detached'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_sign_verify_detached(sig bytea, message bytea, key bytea) RETURNS boolean LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_sign_verify_detached'); SELECT NULL::boolean WHERE true$$;
CREATE FUNCTION pgsodium.crypto_generichash_keygen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_generichash_keygen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_generichash(message bytea, key bytea DEFAULT NULL) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_generichash'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_generichash(message bytea, key bigint, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_generichash'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_generichash(message bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_generichash'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_shorthash_keygen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_shorthash_keygen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_shorthash(message bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_shorthash'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_shorthash(message bytea, key bigint, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_shorthash'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_shorthash(message bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_shorthash'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_ietf_keygen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_ietf_keygen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_ietf_noncegen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_ietf_noncegen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_ietf_encrypt(message bytea, additional bytea, nonce bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_ietf_encrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_ietf_encrypt(message bytea, additional bytea, nonce bytea, key_id bigint, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_ietf_encrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_ietf_encrypt(message bytea, additional bytea, nonce bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_ietf_encrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_ietf_decrypt(message bytea, additional bytea, nonce bytea, key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_ietf_decrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_ietf_decrypt(message bytea, additional bytea, nonce bytea, key_id bigint, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_ietf_decrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_ietf_decrypt(message bytea, additional bytea, nonce bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_ietf_decrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_keygen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_keygen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_noncegen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_noncegen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key bytea, nonce bytea DEFAULT NULL) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_encrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_id bigint, context bytea DEFAULT 'pgsodium', nonce bytea DEFAULT NULL) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_encrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_uuid uuid, nonce bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_encrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_encrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key bytea, nonce bytea DEFAULT NULL) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_decrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_id bigint, context bytea DEFAULT 'pgsodium', nonce bytea DEFAULT NULL) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_decrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_uuid uuid, nonce bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_decrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_uuid uuid) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_aead_det_decrypt'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_kdf_keygen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_kdf_keygen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_kdf_derive_from_key(subkey_size bigint, subkey_id bigint, context bytea, primary_key bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_kdf_derive_from_key'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_kx_new_keypair() RETURNS pgsodium.crypto_kx_keypair LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_kx_new_keypair'); SELECT NULL::pgsodium.crypto_kx_keypair WHERE true$$;
CREATE FUNCTION pgsodium.crypto_kx_new_seed() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_kx_new_seed'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_pwhash_saltgen() RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_pwhash_saltgen'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_pwhash(password bytea, salt bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_pwhash'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_pwhash_str(password bytea) RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_pwhash_str'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.crypto_pwhash_str_verify(hashed_password bytea, password bytea) RETURNS boolean LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_pwhash_str_verify'); SELECT NULL::boolean WHERE true$$;
CREATE FUNCTION pgsodium.crypto_signcrypt_new_keypair() RETURNS pgsodium.crypto_sign_keypair LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('crypto_signcrypt_new_keypair'); SELECT NULL::pgsodium.crypto_sign_keypair WHERE true$$;
CREATE FUNCTION pgsodium.derive_key(key_id bigint, key_len integer DEFAULT 32, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('derive_key'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.pgsodium_derive(key_id bigint, key_len integer DEFAULT 32, context bytea DEFAULT 'pgsodium') RETURNS bytea LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('pgsodium_derive'); SELECT NULL::bytea WHERE true$$;
CREATE FUNCTION pgsodium.get_key_by_id(uuid) RETURNS pgsodium.valid_key LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('get_key_by_id'); SELECT NULL::pgsodium.valid_key WHERE true$$;
CREATE FUNCTION pgsodium.get_key_by_name(text) RETURNS pgsodium.valid_key LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('get_key_by_name'); SELECT NULL::pgsodium.valid_key WHERE true$$;
CREATE FUNCTION pgsodium.get_named_keys(filter text DEFAULT '%') RETURNS SETOF pgsodium.valid_key LANGUAGE sql VOLATILE AS $$SELECT pgsodium._unsupported('get_named_keys'); SELECT NULL::pgsodium.valid_key WHERE false$$;

CREATE FUNCTION pgsodium.create_key(
    key_type pgsodium.key_type DEFAULT 'aead-det',
    name text DEFAULT NULL,
    raw_key bytea DEFAULT NULL,
    raw_key_nonce bytea DEFAULT NULL,
    parent_key uuid DEFAULT NULL,
    key_context bytea DEFAULT '\x7067736f6469756d'::bytea,
    expires timestamptz DEFAULT NULL,
    associated_data text DEFAULT ''
) RETURNS pgsodium.valid_key
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    WITH k AS (
        INSERT INTO pgsodium.key (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires, associated_data)
        VALUES (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires, associated_data)
        RETURNING id
    )
    SELECT v.* FROM pgsodium.valid_key v, k WHERE v.id = k.id
$$;

GRANT USAGE ON SCHEMA pgsodium TO pgsodium_keyiduser, pgsodium_keyholder, pgsodium_keymaker;
GRANT pgsodium_keyiduser TO pgsodium_keyholder;
GRANT pgsodium_keyholder TO pgsodium_keymaker;
GRANT SELECT ON pgsodium.valid_key TO pgsodium_keyiduser;
GRANT SELECT ON pgsodium.decrypted_key TO pgsodium_keymaker;
GRANT ALL ON pgsodium.key TO pgsodium_keymaker;
