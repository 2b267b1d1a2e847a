-- schemakit stand-in for pg_cron 1.6: the cron schema, its tables and functions; jobs are
-- recorded in cron.job and never run (no background worker).
-- Never installed on a real target.
\echo Use "CREATE EXTENSION pg_cron" to load this file. \quit

CREATE SCHEMA cron;
CREATE TABLE cron.job (
    jobid bigserial PRIMARY KEY,
    schedule text NOT NULL,
    command text NOT NULL,
    nodename text NOT NULL DEFAULT 'localhost',
    nodeport integer NOT NULL DEFAULT pg_catalog.inet_server_port(),
    database text NOT NULL DEFAULT pg_catalog.current_database(),
    username text NOT NULL DEFAULT CURRENT_USER,
    active boolean NOT NULL DEFAULT true,
    jobname text,
    CONSTRAINT jobname_username_uniq UNIQUE (jobname, username)
);
CREATE TABLE cron.job_run_details (
    jobid bigint,
    runid bigserial PRIMARY KEY,
    job_pid integer,
    database text,
    username text,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
);
ALTER TABLE cron.job ENABLE ROW LEVEL SECURITY;
ALTER TABLE cron.job_run_details ENABLE ROW LEVEL SECURITY;
CREATE POLICY cron_job_policy ON cron.job USING (username = CURRENT_USER);
CREATE POLICY cron_job_run_details_policy ON cron.job_run_details USING (username = CURRENT_USER);

CREATE FUNCTION cron.schedule(schedule text, command text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  INSERT INTO cron.job (schedule, command, username) VALUES (schedule, command, SESSION_USER) RETURNING jobid
$$;
CREATE FUNCTION cron.schedule(job_name text, schedule text, command text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  INSERT INTO cron.job (jobname, schedule, command, username) VALUES (job_name, schedule, command, SESSION_USER)
  ON CONFLICT (jobname, username) DO UPDATE SET schedule = EXCLUDED.schedule, command = EXCLUDED.command
  RETURNING jobid
$$;
CREATE FUNCTION cron.schedule_in_database(job_name text, schedule text, command text, database text,
                                          username text DEFAULT NULL, active boolean DEFAULT true) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  INSERT INTO cron.job (jobname, schedule, command, database, username, active)
  VALUES (job_name, schedule, command, database, COALESCE(username, SESSION_USER), active)
  RETURNING jobid
$$;
CREATE FUNCTION cron.unschedule(job_id bigint) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  WITH d AS (DELETE FROM cron.job WHERE jobid = job_id AND username = SESSION_USER RETURNING 1) SELECT EXISTS (SELECT FROM d)
$$;
CREATE FUNCTION cron.unschedule(job_name text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  WITH d AS (DELETE FROM cron.job WHERE jobname = job_name AND username = SESSION_USER RETURNING 1) SELECT EXISTS (SELECT FROM d)
$$;
CREATE FUNCTION cron.alter_job(job_id bigint, schedule text DEFAULT NULL, command text DEFAULT NULL,
                               database text DEFAULT NULL, username text DEFAULT NULL, active boolean DEFAULT NULL)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  UPDATE cron.job j SET schedule = COALESCE(alter_job.schedule, j.schedule),
                        command = COALESCE(alter_job.command, j.command),
                        database = COALESCE(alter_job.database, j.database),
                        username = COALESCE(alter_job.username, j.username),
                        active = COALESCE(alter_job.active, j.active)
  WHERE j.jobid = job_id
$$;
GRANT USAGE ON SCHEMA cron TO PUBLIC;
GRANT SELECT ON cron.job, cron.job_run_details TO PUBLIC;
