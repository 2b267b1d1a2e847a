"""Shared test helpers: a project folder with schema files, and running the CLI."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from schemakit.catalog import read_model
from schemakit.cli import app
from schemakit.model import Model

REPO = Path(__file__).resolve().parent.parent
SEED_DIR = REPO / "schema"
CORPUS = REPO.parent / "shared" / "corpus" / "realworld"
#: Why a test over the shared corpus is skipped: a user's clone has no ../shared/.
CORPUS_ABSENT = f"the shared corpus {CORPUS} is absent (only beside the project's own checkout and in CI)"
#: Marks a test that reads the shared corpus: skipped, with a one-line reason, without it.
requires_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_ABSENT)


def skip_without_corpus() -> None:
    """Skip the running test (one-line reason) when the shared corpus is absent."""
    if not CORPUS.is_dir():
        pytest.skip(CORPUS_ABSENT)


#: Whether converge() also runs the independent judge (tests/judge.py): on unless
#: SCHEMAKIT_JUDGE=0.
JUDGE = os.environ.get("SCHEMAKIT_JUDGE", "1") != "0"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str) -> Result:
    runner = CliRunner()
    res = runner.invoke(app, list(args), catch_exceptions=False)
    return Result(res.exit_code, res.stdout, res.stderr)


def seed_project(tmp: Path) -> Path:
    """A copy of the repository's schema/ in a temporary folder; returns the schema dir."""
    schema = tmp / "schema"
    shutil.copytree(SEED_DIR, schema)
    return schema


def model_of(url: str) -> Model:
    with psycopg.connect(url, autocommit=True) as conn:
        return read_model(conn)


def query(url: str, q: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(q.encode(), params)
        return cur.fetchall() if cur.description is not None else []


class Target:
    """A test database plus the flags every CLI call needs to reach it."""

    def __init__(self, url: str, shadow: str, schema_dir: Path) -> None:
        self.url = url
        self.shadow = shadow
        self.schema_dir = schema_dir
        self.judge_setup = ""  # SQL that prepared the target outside the files (tests.judge)
        self.judge_admin = shadow  # where the judge makes its database: a server of the target's major

    def flags(self) -> list[str]:
        return ["--schema-dir", str(self.schema_dir), "--db", self.url, "--shadow-url", self.shadow]

    def plan(self, *extra: str) -> Result:
        return run_cli("plan", *self.flags(), *extra)

    def apply(self, *extra: str) -> Result:
        return run_cli("apply", *self.flags(), "--yes", *extra)

    def converge(self, *extra: str, judge: bool = True) -> Result:
        """apply, then check a second plan is empty (and, unless ``judge`` is False,
        that the independent judge agrees). Converging to an empty schema folder
        (dropping everything) says so explicitly (--allow-drop-all)."""
        declared = any(p.read_text().strip() for p in self.schema_dir.glob("*.sql"))
        res = self.apply(*extra, *(() if declared else ("--allow-drop-all",)))
        assert res.exit_code == 0, res.output
        again = self.plan("--detailed-exitcode")
        assert again.exit_code == 0, again.output
        assert "No changes" in again.stdout, again.output
        if JUDGE and judge:
            from tests.judge import judge_schema_dir

            judge_schema_dir(self.url, self.judge_admin, self.schema_dir, self.judge_setup)
        return res
