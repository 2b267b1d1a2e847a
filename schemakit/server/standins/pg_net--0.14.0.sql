-- schemakit stand-in for pg_net 0.14.0: the net schema, its tables, types and
-- functions. Requests are queued in net.http_request_queue and never sent (there is
-- no background worker). Never installed on a real target.
\echo Use "CREATE EXTENSION pg_net" to load this file. \quit

CREATE SCHEMA net;

CREATE TYPE net.request_status AS ENUM ('PENDING', 'SUCCESS', 'ERROR');
CREATE TYPE net.http_response AS (status_code integer, headers jsonb, body text);
CREATE TYPE net.http_response_result AS (status net.request_status, message text, response net.http_response);

CREATE UNLOGGED TABLE net.http_request_queue (
    id bigserial NOT NULL,
    method text NOT NULL,
    url text NOT NULL,
    headers jsonb NOT NULL,
    body bytea,
    timeout_milliseconds integer NOT NULL
);

CREATE UNLOGGED TABLE net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out boolean,
    error_msg text,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX _http_response_created_idx ON net._http_response (created);

CREATE FUNCTION net.http_get(
    url text,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{}'::jsonb,
    timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = net AS $$
    INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
    VALUES ('GET', url, headers, timeout_milliseconds)
    RETURNING id
$$;

CREATE FUNCTION net.http_post(
    url text,
    body jsonb DEFAULT '{}'::jsonb,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = net AS $$
    INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    VALUES ('POST', url, headers, pg_catalog.convert_to(body::text, 'UTF8'), timeout_milliseconds)
    RETURNING id
$$;

CREATE FUNCTION net.http_delete(
    url text,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{}'::jsonb,
    timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = net AS $$
    INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
    VALUES ('DELETE', url, headers, timeout_milliseconds)
    RETURNING id
$$;

CREATE FUNCTION net._http_collect_response(request_id bigint, async boolean DEFAULT true)
RETURNS net.http_response_result
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = net AS $$
    SELECT ROW('PENDING', 'request is pending (schemakit stand-in: never sent)', NULL)::net.http_response_result
$$;

CREATE FUNCTION net.http_collect_response(request_id bigint, async boolean DEFAULT true)
RETURNS net.http_response_result
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = net AS $$
    SELECT net._http_collect_response(request_id, async)
$$;

CREATE FUNCTION net.worker_restart() RETURNS boolean
LANGUAGE sql AS $$ SELECT true $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA net FROM PUBLIC;
