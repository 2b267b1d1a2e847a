-- schemakit stand-in for pgvector 0.8.0, for servers without the real one.
-- vector, halfvec and sparsevec are varlena types that keep their text form (the I/O
-- functions are PostgreSQL's own for text, the typmod ones varchar's), so
-- vector(1536) columns, casts from arrays and the distance operators load. hnsw and
-- ivfflat are access methods with the hash index's handler (an entry is a 4-byte hash
-- of the value, so vectors of any size fit): indexes build and accept rows, and their
-- operator classes have pgvector's names; ORDER BY embedding <=> q works but is not
-- index-assisted, and index options (WITH (m = 16), lists = 100) are refused by the
-- hash index's option parser. Never installed on a real target.
\echo Use "CREATE EXTENSION vector" to load this file. \quit

CREATE FUNCTION hnswhandler(internal) RETURNS index_am_handler LANGUAGE internal AS 'hashhandler';
CREATE FUNCTION ivfflathandler(internal) RETURNS index_am_handler LANGUAGE internal AS 'hashhandler';
CREATE ACCESS METHOD hnsw TYPE INDEX HANDLER hnswhandler;
CREATE ACCESS METHOD ivfflat TYPE INDEX HANDLER ivfflathandler;

-- ------------------------------------------------------------------ vector
CREATE TYPE vector;
CREATE FUNCTION vector_in(cstring, oid, integer) RETURNS vector LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION vector_out(vector) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION vector_typmod_in(cstring[]) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'varchartypmodin';
CREATE FUNCTION vector_typmod_out(integer) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'varchartypmodout';
CREATE FUNCTION vector_recv(internal, oid, integer) RETURNS vector LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION vector_send(vector) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE vector (
    INPUT = vector_in, OUTPUT = vector_out, TYPMOD_IN = vector_typmod_in, TYPMOD_OUT = vector_typmod_out,
    RECEIVE = vector_recv, SEND = vector_send, INTERNALLENGTH = VARIABLE, STORAGE = external
);
CREATE FUNCTION _vector_text(vector) RETURNS text LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE FUNCTION _text_vector(text) RETURNS vector LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE FUNCTION _vector_elems(vector) RETURNS double precision[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT pg_catalog.string_to_array(pg_catalog.btrim(pg_catalog.split_part(_vector_text($1), '/', 1), '[]{} '), ',')::double precision[] $$;
CREATE FUNCTION vector(vector, integer, boolean) RETURNS vector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT $1 $$;
CREATE CAST (vector AS vector) WITH FUNCTION vector(vector, integer, boolean) AS IMPLICIT;
CREATE FUNCTION vector_cmp(vector, vector) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteacmp';
CREATE FUNCTION vector_hash(vector) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashvarlena';

CREATE FUNCTION vector_lt(vector, vector) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bytealt';
CREATE FUNCTION vector_le(vector, vector) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteale';
CREATE FUNCTION vector_eq(vector, vector) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteaeq';
CREATE FUNCTION vector_ne(vector, vector) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteane';
CREATE FUNCTION vector_ge(vector, vector) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteage';
CREATE FUNCTION vector_gt(vector, vector) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteagt';

CREATE OPERATOR < (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_lt, COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_le, COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR = (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_eq, COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR <> (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_ne, COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR >= (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_ge, COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR > (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_gt, COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);

CREATE FUNCTION l2_distance(vector, vector) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (pg_catalog.sqrt(sum((a - b) * (a - b))))::double precision FROM unnest(_vector_elems($1), _vector_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <-> (LEFTARG = vector, RIGHTARG = vector, FUNCTION = l2_distance, COMMUTATOR = '<->');
CREATE FUNCTION inner_product(vector, vector) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (sum(a * b))::double precision FROM unnest(_vector_elems($1), _vector_elems($2)) AS u(a, b) $$;
CREATE FUNCTION vector_negative_inner_product(vector, vector) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (-sum(a * b))::double precision FROM unnest(_vector_elems($1), _vector_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <#> (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_negative_inner_product, COMMUTATOR = '<#>');
CREATE FUNCTION cosine_distance(vector, vector) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (1 - sum(a * b) / nullif(pg_catalog.sqrt(sum(a * a)) * pg_catalog.sqrt(sum(b * b)), 0))::double precision FROM unnest(_vector_elems($1), _vector_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <=> (LEFTARG = vector, RIGHTARG = vector, FUNCTION = cosine_distance, COMMUTATOR = '<=>');
CREATE FUNCTION l1_distance(vector, vector) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (sum(abs(a - b)))::double precision FROM unnest(_vector_elems($1), _vector_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <+> (LEFTARG = vector, RIGHTARG = vector, FUNCTION = l1_distance, COMMUTATOR = '<+>');
CREATE FUNCTION vector_dims(vector) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT pg_catalog.cardinality(_vector_elems($1)) $$;
CREATE FUNCTION vector_norm(vector) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT pg_catalog.sqrt(sum(a * a)) FROM pg_catalog.unnest(_vector_elems($1)) AS u(a) $$;
CREATE FUNCTION l2_normalize(vector) RETURNS vector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT $1 $$;
CREATE OPERATOR CLASS vector_ops DEFAULT FOR TYPE vector USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 vector_cmp(vector, vector);
CREATE OPERATOR CLASS vector_l2_ops FOR TYPE vector USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 vector_hash(vector);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 vector_hash(vector);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 vector_hash(vector);
CREATE OPERATOR CLASS vector_l1_ops FOR TYPE vector USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 vector_hash(vector);
CREATE OPERATOR CLASS vector_l2_ops DEFAULT FOR TYPE vector USING ivfflat AS
    OPERATOR 1 =, FUNCTION 1 vector_hash(vector);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING ivfflat AS
    OPERATOR 1 =, FUNCTION 1 vector_hash(vector);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING ivfflat AS
    OPERATOR 1 =, FUNCTION 1 vector_hash(vector);

-- ------------------------------------------------------------------ halfvec
CREATE TYPE halfvec;
CREATE FUNCTION halfvec_in(cstring, oid, integer) RETURNS halfvec LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION halfvec_out(halfvec) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION halfvec_typmod_in(cstring[]) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'varchartypmodin';
CREATE FUNCTION halfvec_typmod_out(integer) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'varchartypmodout';
CREATE FUNCTION halfvec_recv(internal, oid, integer) RETURNS halfvec LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION halfvec_send(halfvec) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE halfvec (
    INPUT = halfvec_in, OUTPUT = halfvec_out, TYPMOD_IN = halfvec_typmod_in, TYPMOD_OUT = halfvec_typmod_out,
    RECEIVE = halfvec_recv, SEND = halfvec_send, INTERNALLENGTH = VARIABLE, STORAGE = external
);
CREATE FUNCTION _halfvec_text(halfvec) RETURNS text LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE FUNCTION _text_halfvec(text) RETURNS halfvec LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE FUNCTION _halfvec_elems(halfvec) RETURNS double precision[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT pg_catalog.string_to_array(pg_catalog.btrim(pg_catalog.split_part(_halfvec_text($1), '/', 1), '[]{} '), ',')::double precision[] $$;
CREATE FUNCTION halfvec(halfvec, integer, boolean) RETURNS halfvec LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT $1 $$;
CREATE CAST (halfvec AS halfvec) WITH FUNCTION halfvec(halfvec, integer, boolean) AS IMPLICIT;
CREATE FUNCTION halfvec_cmp(halfvec, halfvec) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteacmp';
CREATE FUNCTION halfvec_hash(halfvec) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashvarlena';

CREATE FUNCTION halfvec_lt(halfvec, halfvec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bytealt';
CREATE FUNCTION halfvec_le(halfvec, halfvec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteale';
CREATE FUNCTION halfvec_eq(halfvec, halfvec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteaeq';
CREATE FUNCTION halfvec_ne(halfvec, halfvec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteane';
CREATE FUNCTION halfvec_ge(halfvec, halfvec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteage';
CREATE FUNCTION halfvec_gt(halfvec, halfvec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteagt';

CREATE OPERATOR < (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = halfvec_lt, COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = halfvec_le, COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR = (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = halfvec_eq, COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR <> (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = halfvec_ne, COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR >= (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = halfvec_ge, COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR > (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = halfvec_gt, COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);

CREATE FUNCTION l2_distance(halfvec, halfvec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (pg_catalog.sqrt(sum((a - b) * (a - b))))::double precision FROM unnest(_halfvec_elems($1), _halfvec_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <-> (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = l2_distance, COMMUTATOR = '<->');
CREATE FUNCTION inner_product(halfvec, halfvec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (sum(a * b))::double precision FROM unnest(_halfvec_elems($1), _halfvec_elems($2)) AS u(a, b) $$;
CREATE FUNCTION halfvec_negative_inner_product(halfvec, halfvec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (-sum(a * b))::double precision FROM unnest(_halfvec_elems($1), _halfvec_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <#> (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = halfvec_negative_inner_product, COMMUTATOR = '<#>');
CREATE FUNCTION cosine_distance(halfvec, halfvec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (1 - sum(a * b) / nullif(pg_catalog.sqrt(sum(a * a)) * pg_catalog.sqrt(sum(b * b)), 0))::double precision FROM unnest(_halfvec_elems($1), _halfvec_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <=> (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = cosine_distance, COMMUTATOR = '<=>');
CREATE FUNCTION l1_distance(halfvec, halfvec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (sum(abs(a - b)))::double precision FROM unnest(_halfvec_elems($1), _halfvec_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <+> (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = l1_distance, COMMUTATOR = '<+>');
CREATE FUNCTION vector_dims(halfvec) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT pg_catalog.cardinality(_halfvec_elems($1)) $$;
CREATE FUNCTION l2_norm(halfvec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT pg_catalog.sqrt(sum(a * a)) FROM pg_catalog.unnest(_halfvec_elems($1)) AS u(a) $$;
CREATE FUNCTION l2_normalize(halfvec) RETURNS halfvec LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT $1 $$;
CREATE OPERATOR CLASS halfvec_ops DEFAULT FOR TYPE halfvec USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 halfvec_cmp(halfvec, halfvec);
CREATE OPERATOR CLASS halfvec_l2_ops FOR TYPE halfvec USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 halfvec_hash(halfvec);
CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 halfvec_hash(halfvec);
CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 halfvec_hash(halfvec);
CREATE OPERATOR CLASS halfvec_l1_ops FOR TYPE halfvec USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 halfvec_hash(halfvec);
CREATE OPERATOR CLASS halfvec_l2_ops DEFAULT FOR TYPE halfvec USING ivfflat AS
    OPERATOR 1 =, FUNCTION 1 halfvec_hash(halfvec);
CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING ivfflat AS
    OPERATOR 1 =, FUNCTION 1 halfvec_hash(halfvec);
CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING ivfflat AS
    OPERATOR 1 =, FUNCTION 1 halfvec_hash(halfvec);

-- ------------------------------------------------------------------ sparsevec
CREATE TYPE sparsevec;
CREATE FUNCTION sparsevec_in(cstring, oid, integer) RETURNS sparsevec LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION sparsevec_out(sparsevec) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION sparsevec_typmod_in(cstring[]) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'varchartypmodin';
CREATE FUNCTION sparsevec_typmod_out(integer) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'varchartypmodout';
CREATE FUNCTION sparsevec_recv(internal, oid, integer) RETURNS sparsevec LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION sparsevec_send(sparsevec) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE sparsevec (
    INPUT = sparsevec_in, OUTPUT = sparsevec_out, TYPMOD_IN = sparsevec_typmod_in, TYPMOD_OUT = sparsevec_typmod_out,
    RECEIVE = sparsevec_recv, SEND = sparsevec_send, INTERNALLENGTH = VARIABLE, STORAGE = external
);
CREATE FUNCTION _sparsevec_text(sparsevec) RETURNS text LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE FUNCTION _text_sparsevec(text) RETURNS sparsevec LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE FUNCTION _sparsevec_elems(sparsevec) RETURNS double precision[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT pg_catalog.string_to_array(pg_catalog.btrim(pg_catalog.split_part(_sparsevec_text($1), '/', 1), '[]{} '), ',')::double precision[] $$;
CREATE FUNCTION sparsevec(sparsevec, integer, boolean) RETURNS sparsevec LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT $1 $$;
CREATE CAST (sparsevec AS sparsevec) WITH FUNCTION sparsevec(sparsevec, integer, boolean) AS IMPLICIT;
CREATE FUNCTION sparsevec_cmp(sparsevec, sparsevec) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteacmp';
CREATE FUNCTION sparsevec_hash(sparsevec) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashvarlena';

CREATE FUNCTION sparsevec_lt(sparsevec, sparsevec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bytealt';
CREATE FUNCTION sparsevec_le(sparsevec, sparsevec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteale';
CREATE FUNCTION sparsevec_eq(sparsevec, sparsevec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteaeq';
CREATE FUNCTION sparsevec_ne(sparsevec, sparsevec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteane';
CREATE FUNCTION sparsevec_ge(sparsevec, sparsevec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteage';
CREATE FUNCTION sparsevec_gt(sparsevec, sparsevec) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteagt';

CREATE OPERATOR < (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_lt, COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_le, COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR = (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_eq, COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR <> (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_ne, COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR >= (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_ge, COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR > (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_gt, COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);

CREATE FUNCTION l2_distance(sparsevec, sparsevec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (pg_catalog.sqrt(sum((a - b) * (a - b))))::double precision FROM unnest(_sparsevec_elems($1), _sparsevec_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <-> (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = l2_distance, COMMUTATOR = '<->');
CREATE FUNCTION inner_product(sparsevec, sparsevec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (sum(a * b))::double precision FROM unnest(_sparsevec_elems($1), _sparsevec_elems($2)) AS u(a, b) $$;
CREATE FUNCTION sparsevec_negative_inner_product(sparsevec, sparsevec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (-sum(a * b))::double precision FROM unnest(_sparsevec_elems($1), _sparsevec_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <#> (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_negative_inner_product, COMMUTATOR = '<#>');
CREATE FUNCTION cosine_distance(sparsevec, sparsevec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (1 - sum(a * b) / nullif(pg_catalog.sqrt(sum(a * a)) * pg_catalog.sqrt(sum(b * b)), 0))::double precision FROM unnest(_sparsevec_elems($1), _sparsevec_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <=> (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = cosine_distance, COMMUTATOR = '<=>');
CREATE FUNCTION l1_distance(sparsevec, sparsevec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT (sum(abs(a - b)))::double precision FROM unnest(_sparsevec_elems($1), _sparsevec_elems($2)) AS u(a, b) $$;
CREATE OPERATOR <+> (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = l1_distance, COMMUTATOR = '<+>');
CREATE FUNCTION l2_norm(sparsevec) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT pg_catalog.sqrt(sum(a * a)) FROM pg_catalog.unnest(_sparsevec_elems($1)) AS u(a) $$;
CREATE FUNCTION l2_normalize(sparsevec) RETURNS sparsevec LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT $1 $$;
CREATE OPERATOR CLASS sparsevec_ops DEFAULT FOR TYPE sparsevec USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 sparsevec_cmp(sparsevec, sparsevec);
CREATE OPERATOR CLASS sparsevec_l2_ops FOR TYPE sparsevec USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 sparsevec_hash(sparsevec);
CREATE OPERATOR CLASS sparsevec_ip_ops FOR TYPE sparsevec USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 sparsevec_hash(sparsevec);
CREATE OPERATOR CLASS sparsevec_cosine_ops FOR TYPE sparsevec USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 sparsevec_hash(sparsevec);
CREATE OPERATOR CLASS sparsevec_l1_ops FOR TYPE sparsevec USING hnsw AS
    OPERATOR 1 =, FUNCTION 1 sparsevec_hash(sparsevec);

CREATE FUNCTION array_to_vector(integer[], integer, boolean) RETURNS vector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_vector('[' || pg_catalog.array_to_string($1, ',') || ']') $$;
CREATE CAST (integer[] AS vector) WITH FUNCTION array_to_vector(integer[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION array_to_vector(real[], integer, boolean) RETURNS vector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_vector('[' || pg_catalog.array_to_string($1, ',') || ']') $$;
CREATE CAST (real[] AS vector) WITH FUNCTION array_to_vector(real[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION array_to_vector(double precision[], integer, boolean) RETURNS vector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_vector('[' || pg_catalog.array_to_string($1, ',') || ']') $$;
CREATE CAST (double precision[] AS vector) WITH FUNCTION array_to_vector(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION array_to_vector(numeric[], integer, boolean) RETURNS vector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_vector('[' || pg_catalog.array_to_string($1, ',') || ']') $$;
CREATE CAST (numeric[] AS vector) WITH FUNCTION array_to_vector(numeric[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION vector_to_float4(vector, integer, boolean) RETURNS real[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _vector_elems($1)::real[] $$;
CREATE CAST (vector AS real[]) WITH FUNCTION vector_to_float4(vector, integer, boolean) AS IMPLICIT;
CREATE FUNCTION array_to_halfvec(integer[], integer, boolean) RETURNS halfvec LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_halfvec('[' || pg_catalog.array_to_string($1, ',') || ']') $$;
CREATE CAST (integer[] AS halfvec) WITH FUNCTION array_to_halfvec(integer[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION array_to_halfvec(real[], integer, boolean) RETURNS halfvec LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_halfvec('[' || pg_catalog.array_to_string($1, ',') || ']') $$;
CREATE CAST (real[] AS halfvec) WITH FUNCTION array_to_halfvec(real[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION array_to_halfvec(double precision[], integer, boolean) RETURNS halfvec LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_halfvec('[' || pg_catalog.array_to_string($1, ',') || ']') $$;
CREATE CAST (double precision[] AS halfvec) WITH FUNCTION array_to_halfvec(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION array_to_halfvec(numeric[], integer, boolean) RETURNS halfvec LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_halfvec('[' || pg_catalog.array_to_string($1, ',') || ']') $$;
CREATE CAST (numeric[] AS halfvec) WITH FUNCTION array_to_halfvec(numeric[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION halfvec_to_float4(halfvec, integer, boolean) RETURNS real[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _halfvec_elems($1)::real[] $$;
CREATE CAST (halfvec AS real[]) WITH FUNCTION halfvec_to_float4(halfvec, integer, boolean) AS IMPLICIT;
CREATE FUNCTION halfvec_to_vector(halfvec, integer, boolean) RETURNS vector LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE CAST (halfvec AS vector) WITH FUNCTION halfvec_to_vector(halfvec, integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION vector_to_halfvec(vector, integer, boolean) RETURNS halfvec LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'btrim1';
CREATE CAST (vector AS halfvec) WITH FUNCTION vector_to_halfvec(vector, integer, boolean) AS IMPLICIT;
CREATE FUNCTION subvector(vector, integer, integer) RETURNS vector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT AS $$ SELECT _text_vector('[' || pg_catalog.array_to_string((_vector_elems($1))[$2:$2 + $3 - 1], ',') || ']') $$;

-- bit vectors (hamming and jaccard distances)
CREATE FUNCTION _bit_hash(bit) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashvarlena';
CREATE FUNCTION hamming_distance(bit, bit) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.length(pg_catalog.replace(($1 # $2)::text, '0', ''))::double precision $$;
CREATE FUNCTION jaccard_distance(bit, bit) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT 1 - pg_catalog.length(pg_catalog.replace(($1 & $2)::text, '0', ''))::double precision
                / nullif(pg_catalog.length(pg_catalog.replace(($1 | $2)::text, '0', '')), 0) $$;
CREATE OPERATOR <~> (LEFTARG = bit, RIGHTARG = bit, FUNCTION = hamming_distance, COMMUTATOR = '<~>');
CREATE OPERATOR <%> (LEFTARG = bit, RIGHTARG = bit, FUNCTION = jaccard_distance, COMMUTATOR = '<%>');
CREATE OPERATOR CLASS bit_hamming_ops FOR TYPE bit USING hnsw AS
    OPERATOR 1 pg_catalog.=, FUNCTION 1 _bit_hash(bit);
CREATE OPERATOR CLASS bit_jaccard_ops FOR TYPE bit USING hnsw AS
    OPERATOR 1 pg_catalog.=, FUNCTION 1 _bit_hash(bit);
CREATE OPERATOR CLASS bit_hamming_ops FOR TYPE bit USING ivfflat AS
    OPERATOR 1 pg_catalog.=, FUNCTION 1 _bit_hash(bit);
