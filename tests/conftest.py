"""Shared fixtures: a real PostgreSQL server, and a fresh database per test.

The server is the one in ``SCHEMAKIT_TEST_DSN`` (a superuser URL) when that is set,
else the embedded server in ``/tmp/schemakit-test-<uid>/pg``, started non-durable
(fsync off). The embedded test server is deliberately *not* stopped at the end of
the session: the next run reuses it at once (about 0.5 s saved per run, plus the
baseline template build). Stop it with
``python -c 'from pathlib import Path; from schemakit.server import embedded;
embedded.stop(Path("/tmp/schemakit-test-<uid>/pg"))'`` or remove the directory.

pytest-xdist workers each call the session fixture; ``embedded.start`` serializes
them with a file lock next to the data directory, and the template build is
serialized by an advisory lock on the server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemakit.server import embedded, shadow
from tests.helpers import Target

TEST_DSN_ENV = "SCHEMAKIT_TEST_DSN"


def embedded_test_dir() -> Path:
    """Where the shared embedded test server keeps its data."""
    return Path("/tmp") / f"schemakit-test-{os.getuid()}" / "pg"


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

