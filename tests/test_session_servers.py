"""The suite leaves no server running when it ends (issue 12, "The test suite runs
anywhere"), in both of CI's runs: also when ``SCHEMAKIT_TEST_DSN`` names the test
server and a test starts the embedded one besides (tests/test_guards.py does, for a
shadow of another major than the PostgreSQL 15 target).

An inner pytest session, with tests/conftest.py as its plugin, runs one test that
starts the embedded test server; when that session ends, the server is stopped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemakit.server import embedded
from tests.helpers import REPO

INNER = """
from schemakit.server import embedded
from tests.conftest import embedded_test_dir


def test_starts_the_embedded_test_server() -> None:
    assert embedded.start(embedded_test_dir(), durable=False).version
"""


@pytest.fixture
def pgdir() -> Iterator[Path]:
    """A data directory of its own (not under tmp_path: see tests/test_server.py)."""
    base = Path(tempfile.mkdtemp(prefix="schemakit-sessions-"))
    base.chmod(0o755)
    try:
        yield base / "pg"
    finally:
        if embedded.status(base / "pg") is not None:
            embedded.stop(base / "pg")
        shutil.rmtree(base, ignore_errors=True)


def _inner_session(pgdir: Path, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_inner.py"
    test.write_text(INNER)
    args = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "-p", "tests.conftest"]
    args += ["--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"), str(test)]
    env = {**os.environ, "SCHEMAKIT_TEST_PGDIR": str(pgdir), **env}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, check=False)


def test_a_session_against_the_test_dsn_stops_the_embedded_server_a_test_started(
    pg_admin_url: str, pgdir: Path, tmp_path: Path
) -> None:
    res = _inner_session(pgdir, tmp_path, {"SCHEMAKIT_TEST_DSN": pg_admin_url})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 passed" in res.stdout, res.stdout
    assert embedded.status(pgdir) is None  # stopped when the session ended


def test_a_session_leaves_a_server_it_found_running(pg_admin_url: str, pgdir: Path, tmp_path: Path) -> None:
    embedded.start(pgdir, durable=False)
    res = _inner_session(pgdir, tmp_path, {"SCHEMAKIT_TEST_DSN": pg_admin_url})
    assert res.returncode == 0, res.stdout + res.stderr
    assert embedded.status(pgdir) is not None  # not this session's to stop
