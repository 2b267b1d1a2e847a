-- schemakit stand-in for pgcrypto 1.3: the real extension's function signatures in
-- SQL, for servers built without OpenSSL. digest, gen_random_bytes and
-- gen_random_uuid work; crypt/gen_salt use a salted SHA-256 of their own (a hash
-- verifies against itself: crypt(pw, hash) = hash); the rest raise
-- feature_not_supported. Never installed on a real target.
\echo Use "CREATE EXTENSION pgcrypto" to load this file. \quit

CREATE FUNCTION digest(bytea, text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE pg_catalog.lower($2)
    WHEN 'md5' THEN pg_catalog.decode(pg_catalog.md5($1), 'hex')
    WHEN 'sha224' THEN pg_catalog.sha224($1)
    WHEN 'sha256' THEN pg_catalog.sha256($1)
    WHEN 'sha384' THEN pg_catalog.sha384($1)
    WHEN 'sha512' THEN pg_catalog.sha512($1)
  END
$$;
CREATE FUNCTION digest(text, text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT digest(pg_catalog.convert_to($1, 'UTF8'), $2)
$$;

CREATE FUNCTION gen_random_bytes(integer) RETURNS bytea
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.decode(pg_catalog.string_agg(pg_catalog.lpad(pg_catalog.to_hex((pg_catalog.random() * 255)::integer), 2, '0'), ''), 'hex')
  FROM pg_catalog.generate_series(1, $1)
$$;
CREATE FUNCTION gen_random_uuid() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$ SELECT pg_catalog.gen_random_uuid() $$;

CREATE FUNCTION gen_salt(text) RETURNS text
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT '$sk$' || pg_catalog.encode(gen_random_bytes(8), 'hex') || '$'
$$;
CREATE FUNCTION gen_salt(text, integer) RETURNS text
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$ SELECT gen_salt($1) $$;
CREATE FUNCTION crypt(text, text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT s || pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(s || $1, 'UTF8')), 'hex')
  FROM (SELECT pg_catalog.substring($2, '^\$[^$]*\$[^$]*\$') AS s) AS salt
$$;

CREATE FUNCTION hmac(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN RAISE EXCEPTION 'hmac() is not available in schemakit''s pgcrypto stand-in' USING ERRCODE = 'feature_not_supported'; END $$;
CREATE FUNCTION hmac(text, text, text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT hmac(pg_catalog.convert_to($1, 'UTF8'), pg_catalog.convert_to($2, 'UTF8'), $3)
$$;

CREATE FUNCTION _unsupported(name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN RAISE EXCEPTION '%() is not available in schemakit''s pgcrypto stand-in', name USING ERRCODE = 'feature_not_supported'; END $$;

CREATE FUNCTION encrypt(bytea, bytea, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('encrypt'); SELECT NULL::bytea $$;
CREATE FUNCTION decrypt(bytea, bytea, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('decrypt'); SELECT NULL::bytea $$;
CREATE FUNCTION encrypt_iv(bytea, bytea, bytea, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('encrypt_iv'); SELECT NULL::bytea $$;
CREATE FUNCTION decrypt_iv(bytea, bytea, bytea, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('decrypt_iv'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_sym_encrypt(text, text) RETURNS bytea LANGUAGE sql STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_sym_encrypt'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_sym_encrypt(text, text, text) RETURNS bytea LANGUAGE sql STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_sym_encrypt'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_sym_encrypt_bytea(bytea, text) RETURNS bytea LANGUAGE sql STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_sym_encrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_sym_encrypt_bytea(bytea, text, text) RETURNS bytea LANGUAGE sql STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_sym_encrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_sym_decrypt(bytea, text) RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_sym_decrypt'); SELECT NULL::text $$;
CREATE FUNCTION pgp_sym_decrypt(bytea, text, text) RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_sym_decrypt'); SELECT NULL::text $$;
CREATE FUNCTION pgp_sym_decrypt_bytea(bytea, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_sym_decrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_sym_decrypt_bytea(bytea, text, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_sym_decrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_pub_encrypt(text, bytea) RETURNS bytea LANGUAGE sql STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_encrypt'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_pub_encrypt(text, bytea, text) RETURNS bytea LANGUAGE sql STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_encrypt'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_pub_encrypt_bytea(bytea, bytea) RETURNS bytea LANGUAGE sql STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_encrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_pub_encrypt_bytea(bytea, bytea, text) RETURNS bytea LANGUAGE sql STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_encrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_pub_decrypt(bytea, bytea) RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_decrypt'); SELECT NULL::text $$;
CREATE FUNCTION pgp_pub_decrypt(bytea, bytea, text) RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_decrypt'); SELECT NULL::text $$;
CREATE FUNCTION pgp_pub_decrypt(bytea, bytea, text, text) RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_decrypt'); SELECT NULL::text $$;
CREATE FUNCTION pgp_pub_decrypt_bytea(bytea, bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_decrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_pub_decrypt_bytea(bytea, bytea, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_decrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_pub_decrypt_bytea(bytea, bytea, text, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_pub_decrypt_bytea'); SELECT NULL::bytea $$;
CREATE FUNCTION pgp_key_id(bytea) RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT _unsupported('pgp_key_id'); SELECT NULL::text $$;
CREATE FUNCTION armor(bytea) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_catalog.encode($1, 'base64') $$;
CREATE FUNCTION armor(bytea, text[], text[]) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_catalog.encode($1, 'base64') $$;
CREATE FUNCTION dearmor(text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_catalog.decode($1, 'base64') $$;
CREATE FUNCTION pgp_armor_headers(text, OUT key text, OUT value text) RETURNS SETOF record
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT NULL::text, NULL::text WHERE false $$;
