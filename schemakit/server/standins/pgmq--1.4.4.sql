-- schemakit stand-in for pgmq 1.4.4: pgmq.meta, its types and function signatures; queue
-- functions raise feature_not_supported.
-- Never installed on a real target.
\echo Use "CREATE EXTENSION pgmq" to load this file. \quit

CREATE TABLE pgmq.meta (
    queue_name varchar UNIQUE NOT NULL,
    is_partitioned boolean NOT NULL,
    is_unlogged boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TYPE pgmq.message_record AS (msg_id bigint, read_ct integer, enqueued_at timestamptz, vt timestamptz, message jsonb);
CREATE TYPE pgmq.queue_record AS (queue_name varchar, is_partitioned boolean, is_unlogged boolean, created_at timestamptz);
CREATE TYPE pgmq.metrics_result AS (queue_name text, queue_length bigint, newest_msg_age_sec integer,
                                    oldest_msg_age_sec integer, total_messages bigint, scrape_time timestamptz);
CREATE FUNCTION pgmq.list_queues() RETURNS SETOF pgmq.queue_record LANGUAGE sql AS $$
  SELECT queue_name, is_partitioned, is_unlogged, created_at FROM pgmq.meta
$$;
CREATE FUNCTION pgmq.create(queue_name text) RETURNS void LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'create() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.create_unlogged(queue_name text) RETURNS void LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'create_unlogged() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.create_partitioned(queue_name text, partition_interval text DEFAULT '10000', retention_interval text DEFAULT '100000') RETURNS void LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'create_partitioned() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.drop_queue(queue_name text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'drop_queue() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.purge_queue(queue_name text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'purge_queue() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, delay integer DEFAULT 0) RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'send() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], delay integer DEFAULT 0) RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'send_batch() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.read(queue_name text, vt integer, qty integer) RETURNS SETOF pgmq.message_record LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'read() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.read_with_poll(queue_name text, vt integer, qty integer, max_poll_seconds integer DEFAULT 5, poll_interval_ms integer DEFAULT 100) RETURNS SETOF pgmq.message_record LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'read_with_poll() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.pop(queue_name text) RETURNS SETOF pgmq.message_record LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'pop() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.archive(queue_name text, msg_id bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'archive() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.archive(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'archive() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.delete(queue_name text, msg_id bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'delete() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.delete(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'delete() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.set_vt(queue_name text, msg_id bigint, vt integer) RETURNS SETOF pgmq.message_record LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'set_vt() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.metrics(queue_name text) RETURNS pgmq.metrics_result LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'metrics() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
CREATE FUNCTION pgmq.metrics_all() RETURNS SETOF pgmq.metrics_result LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE EXCEPTION 'metrics_all() is not available in schemakit''s pgmq stand-in' USING ERRCODE = 'feature_not_supported'; END$$;
