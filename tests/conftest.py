"""Shared fixtures: a real PostgreSQL server, and a fresh database per test.

The server is the one in ``SCHEMAKIT_TEST_DSN`` (a superuser URL) when that is set,
else the embedded server in ``SCHEMAKIT_TEST_PGDIR`` (default
``/tmp/schemakit-test-<uid>/pg``), started non-durable (fsync off).

The suite leaves no server running: a session that found the embedded test server
stopped, and started it, stops it when it ends (``pytest_sessionfinish`` in the
controller process, so with pytest-xdist after the last worker is done). Several
pytest sessions may share the server: each holds a shared lock on
``<dir>.sessions`` while it runs, and the server is stopped only when no other
session holds it; otherwise a marker file asks the last session still running to
stop it. A server that was already running when the session started (started by
hand, or by another session) is left alone. With ``SCHEMAKIT_TEST_DSN`` the same holds
for the embedded server a test starts besides (a shadow of another major).

pytest-xdist workers each call the session fixture; ``embedded.start`` serializes
them with a file lock next to the data directory, and the template build is
serialized by an advisory lock on the server.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemakit.server import embedded, shadow
from tests.helpers import Target

TEST_DSN_ENV = "SCHEMAKIT_TEST_DSN"
# The desired-state cache (schemakit.cache) stays off in the suite, so that every test's
# plan loads its shadow (and golden stderr stays as recorded); tests/test_cache.py turns
# it on. SCHEMAKIT_NO_CACHE=0 runs the whole suite with it.
os.environ.setdefault("SCHEMAKIT_NO_CACHE", "1")
# Nor does it keep shadow databases on the test server (tests/test_keptshadow.py does).
os.environ.setdefault("SCHEMAKIT_KEEP_SHADOW", "0")
TEST_PGDIR_ENV = "SCHEMAKIT_TEST_PGDIR"


def embedded_test_dir() -> Path:
    """Where the shared embedded test server keeps its data (``SCHEMAKIT_TEST_PGDIR``)."""
    configured = os.environ.get(TEST_PGDIR_ENV)
    if configured:
        return Path(configured)
    return Path("/tmp") / f"schemakit-test-{os.getuid()}" / "pg"


# -- stopping the embedded server at the end (controller process only) ------------------


def _sessions_lock(data_dir: Path) -> Path:
    return data_dir.parent / f".{data_dir.name}.sessions"


def _stop_marker(data_dir: Path) -> Path:
    """Present while a session that started the server ended before the others."""
    return data_dir.parent / f".{data_dir.name}.stop-when-idle"


def pytest_configure(config: pytest.Config) -> None:
    # Also with SCHEMAKIT_TEST_DSN: a test may start the embedded server besides (a
    # shadow of another major, tests/test_guards.py), and it must not outlive the run.
    if hasattr(config, "workerinput"):
        return
    data_dir = embedded_test_dir()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_sessions_lock(data_dir), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)
    config.stash[_SESSION] = (fd, embedded.status(data_dir) is not None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _SESSION not in config.stash:
        return
    fd, was_running = config.stash[_SESSION]
    del config.stash[_SESSION]
    data_dir = embedded_test_dir()
    marker = _stop_marker(data_dir)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            # Another pytest session still uses the server: the last one stops it.
            if not was_running and embedded.status(data_dir) is not None:
                marker.touch()
            return
        if (not was_running or marker.exists()) and embedded.status(data_dir) is not None:
            embedded.stop(data_dir)
        marker.unlink(missing_ok=True)
    finally:
        os.close(fd)


_SESSION = pytest.StashKey[tuple[int, bool]]()


# -- the server's roles --------------------------------------------------------------------


@contextlib.contextmanager
def _roles_lock(exclusive: bool) -> Iterator[None]:
    path = embedded_test_dir().parent / ".roles.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def changing_roles() -> contextlib.AbstractContextManager[None]:
    """Held while a test creates, drops or alters a role of the shared test server: it
    waits for the tests using ``steady_roles`` to end (on every worker and session)."""
    return _roles_lock(exclusive=True)


@pytest.fixture
def steady_roles() -> Iterator[None]:
    """The shared test server's roles do not change while the test runs. The caches'
    keys name the server's roles (schemakit.cache's environment): a test that expects a
    second run to hit the cache, or to reload the kept shadow incrementally, would miss
    when another worker's test made a role in between."""
    with _roles_lock(exclusive=False):
        yield


def as_role(url: str, role: str) -> str:
    """``url`` connecting as ``role`` instead (e.g. ``schemakit_owner``).

    The embedded server trusts loopback connections, so no password is needed.
    """
    return shadow.with_user(url, role)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A superuser URL for the test server's ``postgres`` database."""
    dsn = os.environ.get(TEST_DSN_ENV)
    if dsn:
        return dsn
    return embedded.start(embedded_test_dir(), durable=False).url()


@pytest.fixture
def empty_db(pg_admin_url: str) -> Iterator[str]:
    """A fresh database without the baseline; yields its superuser URL."""
    with shadow.temporary_database(pg_admin_url, baseline=False, prefix="schemakit_test") as url:
        yield url


@pytest.fixture
def baseline_db(pg_admin_url: str) -> Iterator[str]:
    """A fresh database cloned from the baseline template; yields its superuser URL."""
    with shadow.temporary_database(pg_admin_url, baseline=True, prefix="schemakit_test") as url:
        yield url


@pytest.fixture
def blank_target(baseline_db: str, pg_admin_url: str, tmp_path: Path) -> Target:
    """An empty schema/ folder against a fresh baseline database, as the owner role."""
    schema = tmp_path / "schema"
    schema.mkdir()
    return Target(as_role(baseline_db, "schemakit_owner"), pg_admin_url, schema)

