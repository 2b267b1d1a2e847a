-- schemakit stand-in for http 1.6: its types and function signatures; requests raise
-- feature_not_supported (a local stand-in sends nothing).
-- Never installed on a real target.
\echo Use "CREATE EXTENSION http" to load this file. \quit

CREATE DOMAIN http_method AS text;
CREATE DOMAIN content_type AS text CHECK (VALUE ~ '^\S+\/\S+');
CREATE TYPE http_header AS (field varchar, value varchar);
CREATE TYPE http_request AS (method http_method, uri varchar, headers http_header[], content_type varchar, content varchar);
CREATE TYPE http_response AS (status integer, content_type varchar, headers http_header[], content varchar);
CREATE FUNCTION http_header(field varchar, value varchar) RETURNS http_header
LANGUAGE sql IMMUTABLE AS $$ SELECT ROW(field, value)::http_header $$;
CREATE FUNCTION urlencode(string varchar) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT pg_catalog.string_agg(CASE WHEN c ~ '[A-Za-z0-9_.~-]' THEN c
    ELSE pg_catalog.upper(pg_catalog.regexp_replace(pg_catalog.encode(pg_catalog.convert_to(c, 'UTF8'), 'hex'), '(..)', '%\1', 'g')) END, '' ORDER BY o)
  FROM pg_catalog.regexp_split_to_table(string, '') WITH ORDINALITY AS s(c, o)
$$;
CREATE FUNCTION urlencode(string bytea) RETURNS text LANGUAGE sql IMMUTABLE STRICT
SET search_path FROM CURRENT AS $$ SELECT urlencode(pg_catalog.convert_from(string, 'UTF8')::varchar) $$;
CREATE FUNCTION urlencode(data jsonb) RETURNS text LANGUAGE sql IMMUTABLE STRICT
SET search_path FROM CURRENT AS $$
  SELECT pg_catalog.string_agg(urlencode(key::varchar) || '=' || urlencode(value::varchar), '&') FROM jsonb_each_text(data)
$$;
CREATE FUNCTION http(request http_request) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_get(uri varchar) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_get() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_get(uri varchar, data jsonb) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_get() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_post(uri varchar, content varchar, content_type varchar) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_post() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_post(uri varchar, data jsonb) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_post() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_put(uri varchar, content varchar, content_type varchar) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_put() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_patch(uri varchar, content varchar, content_type varchar) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_patch() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_delete(uri varchar) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_delete() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_delete(uri varchar, content varchar, content_type varchar) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_delete() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_head(uri varchar) RETURNS http_response LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_head() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_set_curlopt(curlopt varchar, value varchar) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'http_set_curlopt() is not available in schemakit''s http stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION http_reset_curlopt() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION http_list_curlopt() RETURNS TABLE (curlopt text, value text) LANGUAGE sql AS $$ SELECT NULL::text, NULL::text WHERE false $$;
CREATE FUNCTION bytea_to_text(data bytea) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_catalog.convert_from(data, 'UTF8') $$;
CREATE FUNCTION text_to_bytea(data text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_catalog.convert_to(data, 'UTF8') $$;
