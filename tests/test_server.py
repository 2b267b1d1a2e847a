"""The embedded server and throw-away databases, against a real PostgreSQL."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from schemakit.errors import ServerError
from schemakit.server import embedded, shadow
from schemakit.server.baseline import has_supabase_platform


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A data directory of its own (not the shared test server), stopped afterwards.

    Not under pytest's tmp_path: as root the server runs as another user, which
    needs o+x on every parent, and each new pytest session resets
    /tmp/pytest-of-<user> to 0700 (breaking a concurrent run's servers).
    """
    base = Path(tempfile.mkdtemp(prefix="schemakit-srv-"))
    data_dir = base / "pg"
    yield data_dir
    running = embedded.status(data_dir)
    embedded.stop(data_dir)
    if running is not None and running.socket_dir != data_dir:
        shutil.rmtree(running.socket_dir, ignore_errors=True)
    shutil.rmtree(base, ignore_errors=True)


def _database_exists(admin_url: str, name: str) -> bool:
    with psycopg.connect(admin_url) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def test_start_status_url_stop(server_dir: Path) -> None:
    assert embedded.status(server_dir) is None
    assert embedded.stop(server_dir) is False

    t0 = time.monotonic()
    server = embedded.start(server_dir, durable=False)
    cold = time.monotonic() - t0
    assert cold < 30  # about 0.5 s including initdb
    assert server.data_dir == server_dir
    assert server.version == "18"
    assert 1024 <= server.port <= 65535
    assert server.url() == f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
    assert server.url("other", "someone") == f"postgresql://someone@127.0.0.1:{server.port}/other"

    with psycopg.connect(server.url()) as conn:
        settings: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                [["max_locks_per_transaction", "max_connections", "fsync", "listen_addresses"]],
            ).fetchall()
        )
        assert conn.execute("SELECT pg_backend_pid() <> %s", [server.pid]).fetchone() == (True,)
    assert settings == {
        "max_locks_per_transaction": "1024",
        "max_connections": "100",
        "fsync": "off",
        "listen_addresses": "127.0.0.1",
    }
    # The unix socket works too.
    with psycopg.connect(
        host=str(server.socket_dir), port=server.port, user="postgres", dbname="postgres"
    ) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)

    if os.geteuid() == 0:  # PostgreSQL refuses root: the server runs as "schemakit"
        owner = pwd.getpwuid(server_dir.stat().st_uid).pw_name
        assert owner == embedded.SYSTEM_USER

    # Reuse: same process, no restart.
    assert embedded.start(server_dir) == server
    assert embedded.status(server_dir) == server

    assert embedded.stop(server_dir) is True
    assert embedded.status(server_dir) is None
    assert embedded.stop(server_dir) is False

    # A restart keeps the data directory's port.
    again = embedded.start(server_dir)
    assert again.port == server.port
    assert again.pid != server.pid
    with psycopg.connect(again.url()) as conn:
        assert conn.execute("SHOW fsync").fetchone() == ("on",)  # durable by default


def test_long_data_dir_puts_socket_in_tmp(server_dir: Path) -> None:
    deep = server_dir.parent / ("d" * 60) / ("e" * 60) / "pg"
    server = embedded.start(deep, durable=False)
    try:
        assert server.socket_dir == Path("/tmp") / server.socket_dir.name
        assert server.socket_dir.name.startswith("schemakit-")
        with psycopg.connect(
            host=str(server.socket_dir), port=server.port, user="postgres", dbname="postgres"
        ) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        embedded.stop(deep)
        shutil.rmtree(server.socket_dir, ignore_errors=True)


def test_start_failure_raises_server_error_with_log(server_dir: Path) -> None:
    server_dir.mkdir(parents=True)
    (server_dir / "stray-file").write_text("not a cluster")
    with pytest.raises(ServerError, match="not empty"):
        embedded.start(server_dir)


def test_bad_setting_raises_server_error_with_log_tail(server_dir: Path) -> None:
    embedded.start(server_dir, durable=False)
    assert embedded.stop(server_dir)
    with (server_dir / "postgresql.conf").open("a") as conf:
        conf.write("shared_buffers = 'lots'\n")
    with pytest.raises(ServerError, match="did not start") as excinfo:
        embedded.start(server_dir, durable=False)
    assert "shared_buffers" in excinfo.value.message  # from the server log
    assert embedded.status(server_dir) is None


def test_contrib_extensions_are_available(empty_db: str) -> None:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        for ext in ("citext", "pg_trgm", "hstore"):
            conn.execute(f"CREATE EXTENSION {ext}")  # literal names, not user input
        assert conn.execute("SELECT 'Abc'::citext = 'aBC'::citext").fetchone() == (True,)
        assert conn.execute("SELECT similarity('word', 'words') > 0.5").fetchone() == (True,)


def test_temporary_database_from_template(pg_admin_url: str) -> None:
    template = shadow.ensure_template(pg_admin_url)
    assert template == shadow.template_name()
    with psycopg.connect(pg_admin_url) as conn:
        row = conn.execute(
            "SELECT datistemplate FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
    assert row == (True,)

    with shadow.temporary_database(pg_admin_url) as url:
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        assert isinstance(name, str) and name.startswith("schemakit_shadow_")
        with psycopg.connect(url) as conn:
            assert has_supabase_platform(conn)
        assert _database_exists(pg_admin_url, name)
        held = psycopg.connect(url)  # left open on purpose: the drop must end it
    assert not _database_exists(pg_admin_url, name)
    with pytest.raises(psycopg.OperationalError):
        held.execute("SELECT 1")
    held.close()


def test_temporary_database_without_baseline_is_dropped_on_error(pg_admin_url: str) -> None:
    with pytest.raises(RuntimeError):
        with shadow.temporary_database(pg_admin_url, baseline=False, prefix="sk_err") as url:
            name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
            with psycopg.connect(url) as conn:
                assert not has_supabase_platform(conn)
            raise RuntimeError("boom")
    assert isinstance(name, str)
    assert not _database_exists(pg_admin_url, name)


def test_create_and_drop_database_concurrently(pg_admin_url: str) -> None:
    names = [f"schemakit_conc_{os.getpid()}_{i}" for i in range(6)]

    def create(name: str) -> str:
        return shadow.create_database(pg_admin_url, baseline=True, name=name)

    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(create, names))
    try:
        assert created == names
        assert all(_database_exists(pg_admin_url, n) for n in names)
    finally:
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(lambda n: shadow.drop_database(pg_admin_url, n), names))
    assert not any(_database_exists(pg_admin_url, n) for n in names)
    shadow.drop_database(pg_admin_url, names[0])  # dropping a missing database is fine


def test_redact_hides_password() -> None:
    assert "s3cret" not in shadow.redact("postgresql://u:s3cret@h:5432/db")
    assert "dbname=db" in shadow.redact("postgresql://u:s3cret@h:5432/db")


def test_temporary_database_that_fails_while_being_set_up_is_dropped(
    pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after CREATE DATABASE and before the block (here the baseline clone's
    GRANT to a role the server lacks, a real error of the server) leaves no database."""
    prefix = "sk_setup_" + os.urandom(3).hex()
    monkeypatch.setattr(shadow, "OWNER_ROLE", "no_such_role_" + os.urandom(3).hex())
    with pytest.raises(psycopg.errors.UndefinedObject):
        with shadow.temporary_database(pg_admin_url, baseline=True, prefix=prefix):
            pass
    with psycopg.connect(pg_admin_url) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]).fetchall()
    assert left == []
