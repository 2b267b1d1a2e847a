-- schemakit stand-in for pg_graphql 1.5.11: graphql.resolve and friends; resolve answers
-- with an error (no GraphQL engine).
-- Never installed on a real target.
\echo Use "CREATE EXTENSION pg_graphql" to load this file. \quit

CREATE FUNCTION graphql.resolve(
    query text,
    variables jsonb DEFAULT '{}'::jsonb,
    "operationName" text DEFAULT NULL,
    extensions jsonb DEFAULT NULL
) RETURNS jsonb LANGUAGE sql VOLATILE AS $$
  SELECT pg_catalog.jsonb_build_object('errors', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
      'message', 'GraphQL is not available in schemakit''s pg_graphql stand-in')))
$$;
CREATE FUNCTION graphql.comment_directive(comment_ text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN comment_ ~ '^@graphql\(' THEN pg_catalog.substring(comment_ FROM '^@graphql\((.*)\)')::jsonb END
$$;
CREATE FUNCTION graphql.exception(message text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION USING ERRCODE = '22000', MESSAGE = message; END $$;
CREATE FUNCTION graphql.get_schema_version() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION graphql.increment_schema_version() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
GRANT USAGE ON SCHEMA graphql TO PUBLIC;
