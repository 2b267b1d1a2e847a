"""Safety (issue 5): lock timeouts, crashes, concurrent applies, rehearsal, --online, hazards.

Every test runs against a real PostgreSQL server; failures are provoked for real
(a session holding a lock, ``pg_terminate_backend``, two ``schemakit apply``
processes at once).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemakit import plan as plan_module
from schemakit.apply import LOCK_KEY
from schemakit.kinds.index import CreateIndex
from schemakit.connect import connect
from schemakit.hazards import KINDS
from schemakit.online import concurrently
from schemakit.render.formats import render_plan
from schemakit.rehearse import is_remote
from schemakit.workflow import Project, Target as WorkflowTarget, load_sources, plan_target
from tests.conftest import as_role
from tests.helpers import REPO, Result, Target, model_of, query, run_cli, seed_project

OWNER = "schemakit_owner"

ITEMS = "CREATE TABLE public.items (id bigint PRIMARY KEY, name text);\n"


def write_schema(schema_dir: Path, text: str) -> None:
    schema_dir.mkdir(parents=True, exist_ok=True)
    for old in schema_dir.glob("*.sql"):
        old.unlink()
    (schema_dir / "app.sql").write_text(text)


@pytest.fixture
def target(empty_db: str, pg_admin_url: str, tmp_path: Path) -> Target:
    schema = tmp_path / "schema"
    write_schema(schema, ITEMS)
    return Target(empty_db, pg_admin_url, schema)


def history_rows(url: str) -> int:
    rows = query(url, "SELECT count(*) FROM schemakit.history WHERE to_regclass('schemakit.history') IS NOT NULL")
    return int(rows[0][0])


def state(url: str, table: str = "public.items") -> tuple[str, list[tuple[Any, ...]], int]:
    """The schema's fingerprint, every row of ``table`` and the number of history rows."""
    rows = query(url, f"SELECT * FROM {table} ORDER BY 1")  # test-owned constant table name
    return model_of(url).fingerprint(), rows, history_rows(url)


def seeded_items(target: Target, rows: int = 200) -> None:
    target.converge()
    query(target.url, "INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, %s) g", (rows,))


def cli_process(target: Target, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "schemakit", "apply", *target.flags(), "--yes", *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def in_thread(fn: Callable[[], Result]) -> tuple[threading.Thread, list[Result]]:
    out: list[Result] = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    return thread, out


def wait_for(check: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


# -- 1. lock timeouts --------------------------------------------------------------


@pytest.mark.parametrize(
    "lock_sql, mode",
    [
        ("LOCK TABLE public.items IN ACCESS EXCLUSIVE MODE", "AccessExclusiveLock"),
        ("SELECT * FROM public.items WHERE id = 1 FOR UPDATE", "RowShareLock"),
    ],
)
def test_lock_timeout_changes_nothing_then_succeeds(target: Target, lock_sql: str, mode: str) -> None:
    seeded_items(target)
    write_schema(target.schema_dir, ITEMS + "ALTER TABLE public.items ADD COLUMN note text;\n")
    before = state(target.url)
    with psycopg.connect(target.url) as holder:
        holder.execute(lock_sql)
        pid = holder.info.backend_pid
        started = time.monotonic()
        res = target.apply("--lock-timeout", "200ms", "--lock-retries", "1")
        elapsed = time.monotonic() - started
        assert res.exit_code == 1, res.output
        assert "lock timeout: a lock was not granted within 200ms, 2 attempts" in res.stderr
        assert f"public.items is locked by pid {pid} ({mode}" in res.stderr
        assert "while applying: table public.items: add column note text" in res.stderr
        assert f"pg_terminate_backend({pid})" in res.stderr
        assert "nothing was changed" in res.stderr
        assert "retrying in 0.5s" in res.stderr
        assert elapsed < 30
        holder.rollback()
    assert state(target.url) == before  # schema, rows, and no history row
    target.converge()
    assert history_rows(target.url) == before[2] + 1
    assert [c.name for c in model_of(target.url).get(("table", "public.items")).columns][-1] == "note"  # type: ignore[union-attr]


def test_lock_released_during_retries_succeeds(target: Target) -> None:
    seeded_items(target)
    write_schema(target.schema_dir, ITEMS + "ALTER TABLE public.items ADD COLUMN note text;\n")
    holder = psycopg.connect(target.url)
    holder.execute("SELECT * FROM public.items WHERE id = 1 FOR UPDATE")
    dbname = conninfo_dbname(target.url)

    def release_after_first_timeout() -> None:
        with psycopg.connect(target.url, autocommit=True) as watcher:

            def apply_waits() -> bool:
                return bool(
                    watcher.execute(
                        "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                        "AND query LIKE 'ALTER TABLE public.items%%'",
                        (dbname,),
                    ).fetchall()
                )

            wait_for(apply_waits, 60)
        time.sleep(0.4)  # past the 300ms lock timeout: the first attempt has failed
        holder.rollback()

    release = threading.Thread(target=release_after_first_timeout)
    release.start()
    try:
        res = target.apply("--lock-timeout", "300ms", "--lock-retries", "5")
    finally:
        release.join()
        holder.close()
    assert res.exit_code == 0, res.output
    assert "lock timeout (300ms) on attempt 1 of 6" in res.stderr
    assert "Applied 1 change (" in res.stdout
    assert history_rows(target.url) == 2


def test_statement_timeout(target: Target) -> None:
    seeded_items(target, 50)
    write_schema(
        target.schema_dir,
        ITEMS
        + "CREATE FUNCTION public.slow_one() RETURNS integer LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_sleep(0.02); RETURN 1; END $$;\n"
        + "ALTER TABLE public.items ADD COLUMN score integer DEFAULT public.slow_one();\n",
    )
    before = state(target.url)
    # The volatile default rewrites the table (and is gated as such): allowed here.
    res = target.apply("--statement-timeout", "300ms", "--allow-hazards", "all")
    assert res.exit_code == 1, res.output
    assert "statement timeout (300ms): canceling statement due to statement timeout" in res.stderr
    assert "nothing was changed" in res.stderr
    assert state(target.url) == before


# -- 2. a crash in the middle of an apply --------------------------------------------

SLOW = (
    "CREATE FUNCTION public.slow_one() RETURNS integer LANGUAGE plpgsql AS "
    "$$ BEGIN PERFORM pg_sleep(0.01); RETURN 1; END $$;\n"
)


def test_terminated_backend_changes_nothing(target: Target, pg_admin_url: str) -> None:
    """Kill the applying backend while a multi-statement apply rewrites a table holding rows."""
    seeded_items(target, 300)
    write_schema(
        target.schema_dir,
        ITEMS
        + SLOW
        + "CREATE TABLE public.audit (id bigint PRIMARY KEY, at timestamptz);\n"
        + "ALTER TABLE public.items ADD COLUMN score integer DEFAULT public.slow_one();\n"
        + "CREATE INDEX items_name_idx ON public.items (name);\n",
    )
    before = state(target.url)
    dbname = conninfo_dbname(target.url)
    thread, out = in_thread(lambda: target.apply("--allow-hazards", "all"))
    killed: list[int] = []
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:

        def sleeping_backend() -> bool:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event = 'PgSleep'", (dbname,)
            ).fetchall()
            if rows:
                admin.execute("SELECT pg_terminate_backend(%s)", (rows[0][0],))
                killed.append(rows[0][0])
            return bool(rows)

        wait_for(sleeping_backend)
    thread.join(60)
    assert not thread.is_alive()
    res = out[0]
    assert killed
    assert res.exit_code == 1, res.output
    assert "error: the connection to the database was lost" in res.stderr
    assert "while applying: table public.items: add column score" in res.stderr
    assert "nothing was changed" in res.stderr
    assert "Traceback" not in res.output
    assert state(target.url) == before  # the schema, all 300 rows, no history row
    assert query(target.url, "SELECT to_regclass('public.audit'), to_regproc('public.slow_one')") == [(None, None)]


def conninfo_dbname(url: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])


# -- 3. two applies at once ----------------------------------------------------------


def test_concurrent_applies_are_serialized(target: Target) -> None:
    seeded_items(target, 50)
    write_schema(
        target.schema_dir,
        ITEMS
        + "ALTER TABLE public.items ADD COLUMN note text;\n"
        + "CREATE TABLE public.tags (id bigint PRIMARY KEY, label text NOT NULL);\n",
    )
    # Hold the apply lock so that both processes plan, then queue on it together.
    with psycopg.connect(target.url, autocommit=True) as gate:
        gate.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        procs = [cli_process(target), cli_process(target)]

        def both_waiting() -> bool:
            rows = gate.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchone()
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            return rows is not None and rows[0] == 2

        wait_for(both_waiting, 60)
        gate.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    stdouts = sorted(o[0] for o in outputs)
    applied = [s for s in stdouts if re.search(r"\nApplied \d+ changes", s)]
    skipped = [s for s in stdouts if "Nothing applied: the database is already current." in s]
    assert len(applied) == 1 and len(skipped) == 1, outputs
    assert history_rows(target.url) == 2  # the converge's, and exactly one of the two
    again = target.plan("--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output


# -- 4. rehearsal --------------------------------------------------------------------

EXTRA = (
    "\nALTER TABLE public.users ADD COLUMN nickname text;\n"
    "ALTER TABLE public.users ADD COLUMN locale text DEFAULT 'en';\n"
    "CREATE INDEX users_nickname_idx ON public.users (nickname);\n"
)


@pytest.fixture
def seed(baseline_db: str, pg_admin_url: str, tmp_path: Path) -> Target:
    t = Target(as_role(baseline_db, OWNER), pg_admin_url, seed_project(tmp_path))
    t.converge()
    with (t.schema_dir / "0001_init.sql").open("a") as f:
        f.write(EXTRA)
    return t


def seed_state(url: str) -> tuple[str, int]:
    return model_of(url).fingerprint(), history_rows(url)


def test_rehearsal_passes_on_the_seed(seed: Target) -> None:
    res = seed.converge("--rehearse", "--allow-hazards", "all")
    assert "rehearsing the plan on a shadow copy" in res.stderr
    assert "rehearsal passed" in res.stderr
    assert "Applied 3 changes" in res.stdout


def test_rehearsal_is_off_by_default_for_a_local_target(seed: Target) -> None:
    res = seed.converge("--allow-hazards", "all")
    assert "rehearsing" not in res.output and "rehearsal passed" not in res.output
    assert not is_remote(seed.url, embedded=False)  # the test server listens on 127.0.0.1
    assert is_remote("postgresql://app:secret@db.example.com:5432/app", embedded=False)
    assert is_remote("host=10.0.0.7 dbname=app", embedded=False)
    assert not is_remote("postgresql:///app?host=/var/run/postgresql", embedded=False)
    assert not is_remote("postgresql://127.0.0.1:5432/app", embedded=True)


def test_rehearsal_refuses_a_saved_plan_missing_a_step(seed: Target, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    res = seed.plan("--format", "json", "--out", str(saved))
    assert res.exit_code == 0, res.output
    data = json.loads(saved.read_text())
    (locale,) = [s for s in data["steps"] if "locale" in s["summary"]]
    locale["sql"] = []  # a step that does nothing: the plan misses a change
    saved.write_text(json.dumps(data))
    before = seed_state(seed.url)
    res = run_cli("apply", str(saved), *seed.flags(), "--yes", "--rehearse", "--allow-hazards", "all")
    assert res.exit_code == 3, res.output
    assert "refused: rehearsal failed: after the plan ran on a shadow copy of the target" in res.stderr
    assert "still to do after the plan (1 change):" in res.stderr
    assert "  alter table public.users: add column locale text\n" in res.stderr
    assert "nothing was changed." in res.stderr
    assert seed_state(seed.url) == before
    # the same saved plan, unbroken, passes its rehearsal and applies
    res = seed.plan("--format", "json", "--out", str(saved))
    res = run_cli("apply", str(saved), *seed.flags(), "--yes", "--rehearse", "--allow-hazards", "all")
    assert res.exit_code == 0, res.output
    assert "rehearsal passed" in res.stderr


def test_rehearsal_catches_an_ordering_bug(seed: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test copy of the planner that orders index builds before the columns they index."""
    real = plan_module.order_changes

    def buggy(current: Any, desired: Any, changes: list[Any]) -> list[Any]:
        ordered = real(current, desired, changes)
        early = [c for c in ordered if isinstance(c, CreateIndex) and not c.table_is_new]
        return early + [c for c in ordered if c not in early]

    monkeypatch.setattr(plan_module, "order_changes", buggy)
    before = seed_state(seed.url)
    res = seed.apply("--rehearse", "--allow-hazards", "all")
    assert res.exit_code == 3, res.output
    assert "refused: the plan failed when rehearsed on a shadow copy of the target" in res.stderr
    assert 'column "nickname" does not exist' in res.stderr
    assert "nothing was changed." in res.stderr
    assert seed_state(seed.url) == before
    # without the rehearsal the same bug reaches the target, which rolls back
    res = seed.apply("--no-rehearse", "--allow-hazards", "all")
    assert res.exit_code == 1 and 'column "nickname" does not exist' in res.stderr, res.output
    assert seed_state(seed.url) == before


# -- 5. --online ---------------------------------------------------------------------

KIDS = (
    "CREATE TABLE public.parents (id bigint PRIMARY KEY);\n"
    "CREATE TABLE public.kids (id bigint PRIMARY KEY, parent_id bigint, n integer, name text);\n"
)
KIDS_SAFER = KIDS + (
    "ALTER TABLE public.kids ADD CONSTRAINT kids_parent_fk FOREIGN KEY (parent_id) REFERENCES public.parents (id);\n"
    "ALTER TABLE public.kids ADD CONSTRAINT kids_n_check CHECK (n >= 0);\n"
    "ALTER TABLE public.kids ALTER COLUMN name SET NOT NULL;\n"
)


@pytest.fixture
def kids(target: Target) -> Target:
    write_schema(target.schema_dir, KIDS)
    target.converge()
    query(target.url, "INSERT INTO public.parents SELECT g FROM generate_series(1, 100) g")
    query(target.url, "INSERT INTO public.kids SELECT g, g, g, 'kid ' || g FROM generate_series(1, 100) g")
    return target


def test_online_plan_shows_what_runs_outside_the_transaction(kids: Target) -> None:
    write_schema(kids.schema_dir, KIDS_SAFER + "CREATE INDEX kids_n_idx ON public.kids (n);\n")
    text = kids.plan("--online", "--sql").stdout
    lines = text.split("\nSQL:", 1)[0].splitlines()
    outside = [line for line in lines if line.endswith("(outside the transaction)")]
    assert len(outside) == 4, text  # the NOT NULL finish, two VALIDATEs, the index
    assert any(line.strip().startswith("+ index kids_n_idx: btree (n)") for line in outside), outside
    assert any(line.startswith("  INDEX_BUILD (") and "public.kids" in line for line in lines), text
    # the summary groups by table; the script keeps the run order: outside steps come last
    sql_text = text.split("-- ---- online phase: each statement below runs on its own, outside the transaction", 1)
    assert len(sql_text) == 2, text
    main_sql, online_sql = sql_text[0].split("SET check_function_bodies = false;", 1)[1], sql_text[1]
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS kids_n_idx ON public.kids USING btree (n);" in online_sql
    assert "CONCURRENTLY" not in main_sql
    assert "ADD CONSTRAINT kids_parent_fk FOREIGN KEY (parent_id) REFERENCES public.parents(id) NOT VALID" in main_sql
    assert "VALIDATE CONSTRAINT kids_parent_fk" in online_sql and "VALIDATE" not in main_sql
    assert "ALTER COLUMN name SET NOT NULL" in online_sql and "SET NOT NULL" not in main_sql
    assert "ACQUIRES_SHARE_LOCK" not in text and "ACQUIRES_ACCESS_EXCLUSIVE_LOCK" not in text

    data = json.loads(kids.plan("--online", "--format", "json").stdout)
    flags = [(s["summary"], s["transactional"]) for s in data["steps"]]
    assert [f for f in flags if not f[1]] == [
        ("table public.kids: alter column name (set not null)", False),
        ("constraint kids_n_check on public.kids: CHECK ((n >= 0))", False),
        ("constraint kids_parent_fk on public.kids: FOREIGN KEY (parent_id) REFERENCES public.parents(id)", False),
        ("index public.kids_n_idx", False),
    ]
    index = data["steps"][-1]
    assert index["hazards"] == [
        {"name": "INDEX_BUILD", "message": index["hazards"][0]["message"], "gates": False, "safer": KINDS["INDEX_BUILD"].safer}
    ]
    markdown = kids.plan("--online", "--format", "markdown").stdout
    assert "| + | index kids_n_idx: btree (n)   (outside the transaction) | `INDEX_BUILD` |" in markdown
    assert markdown.count("(outside the transaction)") == 4
    # without --online nothing is outside
    assert "(outside the transaction)" not in kids.plan().stdout
    assert all(s["transactional"] for s in json.loads(kids.plan("--format", "json").stdout)["steps"])


def test_online_constraints_not_valid_then_validated(kids: Target) -> None:
    write_schema(kids.schema_dir, KIDS_SAFER)
    before = state(kids.url, "public.kids")
    refused = kids.apply()
    assert refused.exit_code == 3, refused.output
    assert "ACQUIRES_ACCESS_EXCLUSIVE_LOCK" in refused.stderr
    assert state(kids.url, "public.kids") == before
    res = kids.converge("--online")  # no --allow-hazards needed: no long lock is taken
    assert "Applied 6 changes" in res.stdout, res.output
    assert query(
        kids.url,
        "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'public.kids'::regclass "
        "AND contype IN ('c', 'f') ORDER BY 1",
    ) == [("kids_n_check", True), ("kids_parent_fk", True)]
    assert query(kids.url, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'public.kids'::regclass AND attname = 'name'") == [(True,)]
    (plan_sql,) = query(kids.url, "SELECT plan_sql FROM schemakit.history ORDER BY id DESC LIMIT 1")[0]
    assert "CHECK (name IS NOT NULL) NOT VALID" in plan_sql and "VALIDATE CONSTRAINT kids_n_check" in plan_sql
    assert history_rows(kids.url) == 2


def test_online_not_null_with_nulls_reports_the_committed_phase(kids: Target) -> None:
    query(kids.url, "UPDATE public.kids SET name = NULL WHERE id = 7")
    write_schema(kids.schema_dir, KIDS + "ALTER TABLE public.kids ALTER COLUMN name SET NOT NULL;\n")
    res = kids.apply("--online")
    assert res.exit_code == 1, res.output
    assert "is violated by some row" in res.stderr
    assert "failing statement:\n    ALTER TABLE public.kids VALIDATE CONSTRAINT schemakit_nn_" in res.stderr
    assert "the steps before this one had already committed (the main transaction" in res.stderr
    assert "nothing was changed" not in res.stderr
    assert query(kids.url, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'public.kids'::regclass AND attname = 'name'") == [(False,)]
    assert history_rows(kids.url) == 1
    # fix the data: a new plan finishes the job (and drops the helper check)
    query(kids.url, "UPDATE public.kids SET name = 'seven' WHERE id = 7")
    kids.converge("--online")
    assert query(kids.url, "SELECT count(*) FROM pg_constraint WHERE conname LIKE 'schemakit_nn_%%'") == [(0,)]


def test_online_failed_concurrent_build_drops_the_invalid_index(target: Target) -> None:
    seeded_items(target, 100)
    query(target.url, "UPDATE public.items SET name = 'same' WHERE id IN (3, 4)")
    write_schema(target.schema_dir, ITEMS + "CREATE UNIQUE INDEX items_name_key ON public.items (name);\n")
    before = state(target.url)
    res = target.apply("--online")
    assert res.exit_code == 1, res.output
    assert "could not create unique index" in res.stderr
    assert "(the invalid index public.items_name_key the failed build left was dropped)" in res.stderr
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS items_name_key" in res.stderr
    assert "nothing was changed: the transaction was rolled back." in res.stderr  # it was the only step
    assert query(target.url, "SELECT to_regclass('public.items_name_key')") == [(None,)]
    assert state(target.url) == before


def test_online_index_on_a_million_rows_does_not_block_inserts(target: Target) -> None:
    target.converge()
    query(target.url, "INSERT INTO public.items SELECT g, md5(g::text) FROM generate_series(1, 1000000) g")
    write_schema(target.schema_dir, ITEMS + "CREATE INDEX items_name_idx ON public.items (name);\n")
    stop = threading.Event()
    latencies: list[float] = []

    def insert() -> None:
        with psycopg.connect(target.url, autocommit=True) as conn:
            i = 2_000_000
            while not stop.is_set():
                i += 1
                started = time.monotonic()
                conn.execute("INSERT INTO public.items VALUES (%s, 'new')", (i,))
                latencies.append(time.monotonic() - started)

    inserter = threading.Thread(target=insert)
    inserter.start()
    try:
        wait_for(lambda: len(latencies) > 10)
        started = time.monotonic()
        res = target.apply("--online", "--lock-timeout", "1s")
        seconds = time.monotonic() - started
        count_during = len(latencies)
    finally:
        stop.set()
        inserter.join()
    assert res.exit_code == 0, res.output
    assert query(
        target.url, "SELECT indisvalid, indisready FROM pg_index WHERE indexrelid = 'public.items_name_idx'::regclass"
    ) == [(True, True)]
    assert max(latencies) < 1.0, (max(latencies), seconds)
    assert count_during > 50  # inserts kept going while the index was built
    again = target.plan("--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_concurrently_keeps_the_catalog_definition() -> None:
    assert concurrently("CREATE UNIQUE INDEX a ON public.t USING btree (x) WHERE (y > 0)") == (
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS a ON public.t USING btree (x) WHERE (y > 0)"
    )
    assert concurrently('CREATE INDEX "we""ird" ON public.t USING btree (x)').startswith(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "we""ird" ON'
    )


# -- 6. every hazard kind ------------------------------------------------------------

T = "CREATE TABLE public.t (id bigint PRIMARY KEY, x integer, body text);\n"
F1 = "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;\n"
F2 = "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS $$ SELECT 2 $$;\n"
IDX = "CREATE INDEX t_x_idx ON public.t (x);\n"

# kind: (schema before, schema after, gates apply)
HAZARD_CASES: dict[str, tuple[str, str, bool]] = {
    "DELETES_DATA": (T, T.replace(", body text", ""), True),
    "TABLE_REWRITE": (T, T.replace("x integer", "x bigint"), True),
    "ACQUIRES_ACCESS_EXCLUSIVE_LOCK": (T, T + "ALTER TABLE public.t ADD CONSTRAINT t_x_check CHECK (x > 0);\n", True),
    "ACQUIRES_SHARE_LOCK": (T, T + IDX, True),
    "INDEX_BUILD": (T, T + IDX, True),
    "INDEX_DROPPED": (T + IDX, T, False),
    "AUTHZ_UPDATE": (T, T + "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;\n", False),
    "HAS_UNTRACKABLE_DEPENDENCIES": (T + F1, T + F2, False),
    "RENAMES_OBJECT": (T, T.replace(", body text);", ", content text  -- schemakit: renamed-from body\n);"), False),
    # The diff compares an extension's schema, not its version (shadow and target may
    # ship different ones); a move that also changes the version carries the hazard.
    "EXTENSION_VERSION": (  # the target gets 1.5 by hand first: see SETUP
        T + "CREATE SCHEMA ext;\nCREATE EXTENSION pg_trgm WITH SCHEMA public;\n",
        T + "CREATE SCHEMA ext;\nCREATE EXTENSION pg_trgm WITH SCHEMA ext VERSION '1.6';\n",
        False,
    ),
}

SETUP = {"EXTENSION_VERSION": "CREATE EXTENSION pg_trgm WITH SCHEMA public VERSION '1.5'"}


def test_every_hazard_kind_has_a_case() -> None:
    assert set(HAZARD_CASES) == set(KINDS)
    for kind in KINDS.values():
        assert kind.explanation and kind.safer


def live_plan(target: Target) -> Any:
    project = Project.find(target.schema_dir)
    with connect(target.url) as conn:
        return plan_target(
            conn, project, load_sources(project), WorkflowTarget(target.url, "test"), target.shadow, False
        ).plan


@pytest.mark.parametrize("kind", sorted(HAZARD_CASES))
def test_hazard_kind_is_shown_and_gates(target: Target, kind: str) -> None:
    before_sql, after_sql, gates = HAZARD_CASES[kind]
    write_schema(target.schema_dir, before_sql)
    if kind in SETUP:
        query(target.url, SETUP[kind])
    target.converge()
    query(target.url, "INSERT INTO public.t SELECT g, g, 'row ' || g FROM generate_series(1, 20) g")
    write_schema(target.schema_dir, after_sql)

    plan = live_plan(target)
    hazards = [h for step in plan.steps for h in step.hazards if h.name == kind]
    assert hazards, [s.summary for s in plan.steps]
    assert all(h.gates == gates for h in hazards)
    explanation = KINDS[kind].explanation
    text = render_plan(plan, "text")
    assert f"  {kind} ({'blocks apply unless allowed' if gates else 'shown for review'}) on " in text
    assert explanation in text and KINDS[kind].safer in text
    data = json.loads(render_plan(plan, "json"))
    shown = [h for s in data["steps"] for h in s["hazards"] if h["name"] == kind]
    assert shown and all(h["gates"] == gates and explanation in h["message"] for h in shown)
    markdown = render_plan(plan, "markdown")
    assert f"`{kind}`" in markdown and f"- {kind} (" in markdown

    before = state(target.url, "public.t")
    if gates:
        # every other flag given, this one missing: still refused
        others = ",".join(k for k in KINDS if k != kind)
        flags = ["--allow-hazards", "all"] if kind == "DELETES_DATA" else ["--allow-destructive", "--allow-hazards", others]
        res = target.apply(*flags)
        assert res.exit_code == 3, res.output
        assert "refused: the plan has hazards that were not allowed:" in res.stderr
        assert f"  {kind}: {explanation}" in res.stderr and "nothing was changed." in res.stderr
        assert state(target.url, "public.t") == before
        res = target.apply()
        assert res.exit_code == 3 and kind in res.stderr, res.output
        assert state(target.url, "public.t") == before
        allow = ["--allow-destructive"] if kind == "DELETES_DATA" else ["--allow-hazards", others + "," + kind]
        target.converge(*(flags if kind == "DELETES_DATA" else ["--allow-destructive"]), *allow)
    else:
        # DESIGN section 7: shown prominently, but does not stop apply
        res = target.converge()
        assert f"  {kind} (shown for review) on " in res.stdout


def test_row_gated_hazards_do_not_gate_on_an_empty_table(target: Target) -> None:
    write_schema(target.schema_dir, T)
    target.converge()
    write_schema(target.schema_dir, T.replace("x integer", "x bigint") + IDX)
    res = target.converge()
    assert "  TABLE_REWRITE (shown for review) on public.t (empty)" in res.stdout
    assert "  INDEX_BUILD (shown for review) on public.t (empty)" in res.stdout
    assert "shown for review" in res.stdout and "blocks apply" not in res.stdout


# -- phases: enum values commit before the main transaction ---------------------------

MOOD = "CREATE TYPE public.mood AS ENUM ('a', 'b');\nCREATE TABLE public.t (id int PRIMARY KEY, m public.mood DEFAULT 'a');\n"
MOOD_C = MOOD.replace("'b')", "'b', 'c')").replace("DEFAULT 'a'", "DEFAULT 'c'")


def test_a_new_enum_value_is_committed_before_the_main_transaction_uses_it(target: Target) -> None:
    write_schema(target.schema_dir, MOOD)
    target.converge()
    write_schema(target.schema_dir, MOOD_C)
    text = target.plan("--sql").stdout
    enum_part, main_part = text.split("-- ---- main transaction ----", 1)
    assert "-- ---- enum values: committed first, in a transaction of their own" in enum_part
    assert "ADD VALUE IF NOT EXISTS 'c'" in enum_part and "SET DEFAULT 'c'::public.mood" in main_part
    target.converge()
    assert history_rows(target.url) == 2


def test_a_failed_main_transaction_keeps_only_the_enum_values(target: Target) -> None:
    write_schema(target.schema_dir, MOOD)
    target.converge()
    query(target.url, "INSERT INTO public.t VALUES (1, 'a')")
    write_schema(target.schema_dir, MOOD_C.replace("DEFAULT 'c'", "DEFAULT 'c', n integer NOT NULL"))
    res = target.apply("--allow-hazards", "all")
    assert res.exit_code == 1, res.output
    assert 'column "n" of relation "t" contains null values' in res.stderr
    assert "the new enum values were committed before the main transaction" in res.stderr
    assert "nothing was changed" not in res.stderr
    assert query(target.url, "SELECT enum_range(NULL::public.mood)::text") == [("{a,b,c}",)]
    assert query(target.url, "SELECT * FROM public.t") == [(1, "a")]
    assert history_rows(target.url) == 1


def test_a_saved_online_plan_keeps_its_phases(kids: Target, tmp_path: Path) -> None:
    write_schema(kids.schema_dir, KIDS_SAFER + "CREATE INDEX kids_n_idx ON public.kids (n);\n")
    saved = tmp_path / "online.json"
    assert kids.plan("--online", "--format", "json", "--out", str(saved)).exit_code == 0
    res = run_cli("apply", str(saved), *kids.flags(), "--yes")
    assert res.exit_code == 0, res.output
    assert res.stdout.count("(outside the transaction)") == 4
    (plan_sql,) = query(kids.url, "SELECT plan_sql FROM schemakit.history ORDER BY id DESC LIMIT 1")[0]
    main_sql, online_sql = plan_sql.split("-- ---- online phase", 1)
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS kids_n_idx" in online_sql and "VALIDATE" not in main_sql
    assert query(kids.url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.kids_n_idx'::regclass") == [(True,)]
    assert kids.plan("--detailed-exitcode").exit_code == 0
    # --online belongs to planning: a saved plan already says what runs online
    res = run_cli("apply", str(saved), *kids.flags(), "--yes", "--online")
    assert res.exit_code == 1 and "--online applies when planning" in res.stderr, res.output


def test_online_statement_retried_alone_after_a_lock_timeout(target: Target) -> None:
    """The online phase has committed work behind it: a lock timeout retries the statement alone."""
    tables = (
        "CREATE TABLE public.big (id bigint PRIMARY KEY, n integer);\n"
        "CREATE TABLE public.small (id bigint PRIMARY KEY, n integer);\n"
    )
    write_schema(target.schema_dir, tables)
    target.converge()
    query(target.url, "INSERT INTO public.big SELECT g, g FROM generate_series(1, 60) g")
    query(target.url, "INSERT INTO public.small SELECT g, g FROM generate_series(1, 10) g")
    write_schema(
        target.schema_dir,
        tables
        + "CREATE FUNCTION public.slow_ok(v integer) RETURNS boolean LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_sleep(0.01); RETURN v >= 0; END $$;\n"
        + "ALTER TABLE public.big ADD CONSTRAINT a_check CHECK (public.slow_ok(n));\n"
        + "ALTER TABLE public.small ADD CONSTRAINT b_check CHECK (n >= 0);\n",
    )
    dbname = conninfo_dbname(target.url)
    holder = psycopg.connect(target.url)

    def block_the_second_validate() -> None:
        with psycopg.connect(target.url, autocommit=True) as watcher:

            def running(query_prefix: str, wait: str) -> bool:
                return bool(
                    watcher.execute(
                        "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND query LIKE %s AND wait_event_type = %s",
                        (dbname, query_prefix + "%", wait),
                    ).fetchall()
                )

            wait_for(lambda: running("ALTER TABLE public.big VALIDATE CONSTRAINT a_check", "Timeout"), 60)
            holder.execute("LOCK TABLE public.small IN ACCESS EXCLUSIVE MODE")
            wait_for(lambda: running("ALTER TABLE public.small VALIDATE CONSTRAINT b_check", "Lock"), 60)
        time.sleep(0.4)  # past the lock timeout: the first attempt has failed
        holder.rollback()

    blocker = threading.Thread(target=block_the_second_validate)
    blocker.start()
    try:
        res = target.apply("--online", "--lock-timeout", "300ms", "--lock-retries", "4")
    finally:
        blocker.join()
        holder.close()
    assert res.exit_code == 0, res.output
    assert "lock timeout (300ms) in the online phase on attempt 1 of 5; retrying the statement" in res.stderr
    assert query(
        target.url, "SELECT conname, convalidated FROM pg_constraint WHERE conname IN ('a_check', 'b_check') ORDER BY 1"
    ) == [("a_check", True), ("b_check", True)]
    assert target.plan("--detailed-exitcode").exit_code == 0


def test_online_keeps_a_unique_index_a_new_foreign_key_needs_in_the_transaction(kids: Target) -> None:
    write_schema(
        kids.schema_dir,
        KIDS.replace("public.parents (id bigint PRIMARY KEY)", "public.parents (id bigint PRIMARY KEY, code integer)")
        + "CREATE UNIQUE INDEX parents_code_key ON public.parents (code);\n"
        + "ALTER TABLE public.kids ADD CONSTRAINT kids_n_fk FOREIGN KEY (n) REFERENCES public.parents (code);\n",
    )
    data = json.loads(kids.plan("--online", "--format", "json").stdout)
    where = {s["summary"].split(":")[0]: s["transactional"] for s in data["steps"] if s["kind"] == "index"}
    assert where == {"index public.parents_code_key": True}
    assert [s["transactional"] for s in data["steps"] if s["kind"] == "table constraint"] == [True, False]
    query(kids.url, "UPDATE public.kids SET n = NULL")
    res = kids.converge("--online", "--allow-hazards", "all")
    assert "Applied" in res.stdout
