-- schemakit stand-in for postgis 3.3.7: geometry, geography, box2d and box3d (their text
-- form kept), spatial_ref_sys and a handful of common functions' signatures; the
-- spatial functions raise feature_not_supported.
-- Never installed on a real target.
\echo Use "CREATE EXTENSION postgis" to load this file. \quit

-- geometry and geography keep their text form; their type modifiers
-- (geometry(Point, 4326)) cannot be reproduced without C and are refused, and so
-- are GiST indexes (GiST's support functions cannot be written in SQL).
CREATE TYPE geometry;
CREATE FUNCTION geometry_in(cstring) RETURNS geometry LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION geometry_out(geometry) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION geometry_recv(internal) RETURNS geometry LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION geometry_send(geometry) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE geometry (INPUT = geometry_in, OUTPUT = geometry_out, RECEIVE = geometry_recv, SEND = geometry_send,
                 INTERNALLENGTH = VARIABLE, STORAGE = main);
CREATE TYPE geography;
CREATE FUNCTION geography_in(cstring) RETURNS geography LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION geography_out(geography) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION geography_recv(internal) RETURNS geography LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION geography_send(geography) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE geography (INPUT = geography_in, OUTPUT = geography_out, RECEIVE = geography_recv, SEND = geography_send,
                 INTERNALLENGTH = VARIABLE, STORAGE = main);
CREATE TYPE box2d;
CREATE FUNCTION box2d_in(cstring) RETURNS box2d LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION box2d_out(box2d) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION box2d_recv(internal) RETURNS box2d LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION box2d_send(box2d) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE box2d (INPUT = box2d_in, OUTPUT = box2d_out, RECEIVE = box2d_recv, SEND = box2d_send,
                 INTERNALLENGTH = VARIABLE, STORAGE = main);
CREATE TYPE box3d;
CREATE FUNCTION box3d_in(cstring) RETURNS box3d LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION box3d_out(box3d) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION box3d_recv(internal) RETURNS box3d LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION box3d_send(box3d) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE box3d (INPUT = box3d_in, OUTPUT = box3d_out, RECEIVE = box3d_recv, SEND = box3d_send,
                 INTERNALLENGTH = VARIABLE, STORAGE = main);
CREATE FUNCTION geometry_cmp(geometry, geometry) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteacmp';
CREATE FUNCTION geometry_lt(geometry, geometry) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bytealt';
CREATE OPERATOR < (LEFTARG = geometry, RIGHTARG = geometry, FUNCTION = geometry_lt);
CREATE FUNCTION geometry_le(geometry, geometry) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteale';
CREATE OPERATOR <= (LEFTARG = geometry, RIGHTARG = geometry, FUNCTION = geometry_le);
CREATE FUNCTION geometry_eq(geometry, geometry) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteaeq';
CREATE OPERATOR = (LEFTARG = geometry, RIGHTARG = geometry, FUNCTION = geometry_eq);
CREATE FUNCTION geometry_ge(geometry, geometry) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteage';
CREATE OPERATOR >= (LEFTARG = geometry, RIGHTARG = geometry, FUNCTION = geometry_ge);
CREATE FUNCTION geometry_gt(geometry, geometry) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteagt';
CREATE OPERATOR > (LEFTARG = geometry, RIGHTARG = geometry, FUNCTION = geometry_gt);
CREATE OPERATOR CLASS btree_geometry_ops DEFAULT FOR TYPE geometry USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 geometry_cmp(geometry, geometry);
CREATE FUNCTION geography_cmp(geography, geography) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteacmp';
CREATE FUNCTION geography_lt(geography, geography) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bytealt';
CREATE OPERATOR < (LEFTARG = geography, RIGHTARG = geography, FUNCTION = geography_lt);
CREATE FUNCTION geography_le(geography, geography) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteale';
CREATE OPERATOR <= (LEFTARG = geography, RIGHTARG = geography, FUNCTION = geography_le);
CREATE FUNCTION geography_eq(geography, geography) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteaeq';
CREATE OPERATOR = (LEFTARG = geography, RIGHTARG = geography, FUNCTION = geography_eq);
CREATE FUNCTION geography_ge(geography, geography) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteage';
CREATE OPERATOR >= (LEFTARG = geography, RIGHTARG = geography, FUNCTION = geography_ge);
CREATE FUNCTION geography_gt(geography, geography) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteagt';
CREATE OPERATOR > (LEFTARG = geography, RIGHTARG = geography, FUNCTION = geography_gt);
CREATE OPERATOR CLASS btree_geography_ops DEFAULT FOR TYPE geography USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 geography_cmp(geography, geography);
CREATE TABLE spatial_ref_sys (
    srid integer NOT NULL PRIMARY KEY CHECK (srid > 0 AND srid <= 998999),
    auth_name varchar(256),
    auth_srid integer,
    srtext varchar(2048),
    proj4text varchar(2048)
);
INSERT INTO spatial_ref_sys VALUES (4326, 'EPSG', 4326, 'GEOGCS["WGS 84"]', '+proj=longlat +datum=WGS84 +no_defs');
GRANT SELECT ON spatial_ref_sys TO PUBLIC;
CREATE FUNCTION postgis_version() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT '3.3 (schemakit stand-in)'::text $$;
CREATE FUNCTION st_geomfromtext(text) RETURNS geometry LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT geometry_in($1::cstring) $$;
CREATE FUNCTION st_geomfromtext(text, integer) RETURNS geometry LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT geometry_in(('SRID=' || $2 || ';' || $1)::cstring) $$;
CREATE FUNCTION st_astext(geometry) RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT geometry_out($1)::text $$;
CREATE FUNCTION st_makepoint(double precision, double precision) RETURNS geometry LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT geometry_in(('POINT(' || $1 || ' ' || $2 || ')')::cstring) $$;
CREATE FUNCTION st_point(double precision, double precision) RETURNS geometry LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT st_makepoint($1, $2) $$;
CREATE FUNCTION st_setsrid(geometry, integer) RETURNS geometry LANGUAGE sql IMMUTABLE STRICT SET search_path FROM CURRENT AS $$ SELECT geometry_in(('SRID=' || $2 || ';' || pg_catalog.regexp_replace(geometry_out($1)::text, '^SRID=\d+;', ''))::cstring) $$;
CREATE FUNCTION geography(geometry) RETURNS geography LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE CAST (geometry AS geography) WITH FUNCTION geography(geometry) AS IMPLICIT;
CREATE FUNCTION geometry(geography) RETURNS geometry LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE CAST (geography AS geometry) WITH FUNCTION geometry(geography);
CREATE FUNCTION st_distance(geometry, geometry) RETURNS double precision LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_distance() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_distance(geography, geography, boolean DEFAULT true) RETURNS double precision LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_distance() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_dwithin(geometry, geometry, double precision) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_dwithin() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_dwithin(geography, geography, double precision, boolean DEFAULT true) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_dwithin() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_intersects(geometry, geometry) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_intersects() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_intersects(geography, geography) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_intersects() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_contains(geometry, geometry) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_contains() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_within(geometry, geometry) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_within() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_buffer(geometry, double precision) RETURNS geometry LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_buffer() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_area(geometry) RETURNS double precision LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_area() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_length(geometry) RETURNS double precision LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_length() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_transform(geometry, integer) RETURNS geometry LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_transform() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_x(geometry) RETURNS double precision LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_x() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_y(geometry) RETURNS double precision LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_y() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_asgeojson(geometry, integer DEFAULT 9, integer DEFAULT 8) RETURNS text LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_asgeojson() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_geomfromgeojson(text) RETURNS geometry LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_geomfromgeojson() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION st_srid(geometry) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'st_srid() is not available in schemakit''s postgis stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
