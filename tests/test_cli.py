"""The command line as a user meets it: help, errors, exit codes, the local server commands."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import CORPUS, REPO, requires_corpus, run_cli

SCHEMAKIT = [sys.executable, "-m", "schemakit"]


def test_help_explains_the_commands() -> None:
    res = run_cli("--help")
    assert res.exit_code == 0
    for word in ("plan", "apply", "db", "DATABASE_URL"):
        assert word in res.stdout
    plan_help = run_cli("plan", "--help").stdout
    for flag in ("--db", "--format", "--detailed-exitcode", "--shadow-url", "--install-baseline"):
        assert flag in plan_help


def test_unreachable_database_is_a_clean_error_without_the_password() -> None:
    res = run_cli("plan", "--schema-dir", str(REPO / "schema"), "--db", "postgresql://u:s3cr3tpw@127.0.0.1:1/x")
    assert res.exit_code == 1
    assert "cannot connect" in res.stderr
    assert "s3cr3tpw" not in res.output
    assert "Traceback" not in res.output


@requires_corpus
def test_syntax_error_in_the_corpus_names_file_line_and_column(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    shutil.copy(CORPUS / "slack-clone.sql", schema / "slack-clone.sql")
    res = run_cli("plan", "--schema-dir", str(schema), "--db", "postgresql://nobody@127.0.0.1:1/x")
    # The files are parsed before any database is touched: the syntax error wins.
    assert res.exit_code == 1
    assert "slack-clone.sql:200:13: error: syntax error" in res.stderr
    assert "^" in res.stderr


@pytest.fixture
def project() -> Iterator[Path]:
    # Not under pytest's tmp_path: as root the server runs as another user, and pytest
    # makes its temporary root private at each session start.
    root = Path(tempfile.mkdtemp(prefix="schemakit-cli-"))
    root.chmod(0o755)
    shutil.copytree(REPO / "schema", root / "schema")
    yield root
    subprocess.run([*SCHEMAKIT, "db", "stop"], cwd=root, capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([*SCHEMAKIT, *args], cwd=root, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)


def test_first_use_on_the_embedded_default(project: Path) -> None:
    """No --db, no DATABASE_URL: the local server starts by itself, then is reused."""
    status = _run(project, "db", "status")
    assert status.returncode == 1 and "not running" in status.stdout
    first = _run(project, "plan", "--detailed-exitcode")
    assert first.returncode == 2, first.stderr
    assert "starting the local PostgreSQL server" in first.stderr
    assert "+ table public.users" in first.stdout
    refused = _run(project, "apply")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    applied = _run(project, "apply", "--yes")
    assert applied.returncode == 0, applied.stderr
    again = _run(project, "plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stderr
    assert "No changes" in again.stdout
    url = _run(project, "db", "url").stdout.strip()
    assert url.startswith("postgresql://postgres@127.0.0.1:")
    assert "running: PostgreSQL" in _run(project, "db", "status").stdout
    assert (project / ".schemakit" / "pg" / "PG_VERSION").exists()
    assert _run(project, "db", "stop").stdout.strip() == "stopped"
    assert _run(project, "db", "status").returncode == 1
