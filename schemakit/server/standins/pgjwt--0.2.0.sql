-- schemakit stand-in for pgjwt 0.2.0: url_encode/url_decode work; sign, verify and
-- algorithm_sign raise feature_not_supported.
-- Never installed on a real target.
\echo Use "CREATE EXTENSION pgjwt" to load this file. \quit

CREATE FUNCTION @extschema@.url_encode(data bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_catalog.translate(pg_catalog.encode(data, 'base64'), E'+/=\n', '-_')
$$;
CREATE FUNCTION @extschema@.url_decode(data text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  WITH t AS (SELECT pg_catalog.translate(data, '-_', '+/') AS trans),
       rem AS (SELECT pg_catalog.length(t.trans) % 4 AS remainder FROM t)
  SELECT pg_catalog.decode(t.trans || CASE WHEN rem.remainder > 0 THEN pg_catalog.repeat('=', (4 - rem.remainder)) ELSE '' END, 'base64')
  FROM t, rem
$$;
CREATE FUNCTION @extschema@.try_cast_double(inp text) RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  BEGIN RETURN inp::double precision; EXCEPTION WHEN OTHERS THEN RETURN NULL; END;
END $$;
CREATE FUNCTION @extschema@.algorithm_sign(signables text, secret text, algorithm text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'algorithm_sign() is not available in schemakit''s pgjwt stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION @extschema@.sign(payload json, secret text, algorithm text DEFAULT 'HS256') RETURNS text LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'sign() is not available in schemakit''s pgjwt stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION @extschema@.verify(token text, secret text, algorithm text DEFAULT 'HS256') RETURNS TABLE(header json, payload json, valid boolean) LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'verify() is not available in schemakit''s pgjwt stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
