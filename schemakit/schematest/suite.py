"""Which test files run, and on what database: one built from the schema files, or ``--db``.

From the schema files, the desired state is loaded into a temporary database the way
the shadow is (``schemakit.desired.load_statements``, with the Supabase baseline when the
files or the tests need the platform), on the server ``--shadow-url`` names, else the
embedded one. The files that share it run one after the other, each in a transaction
that is rolled back; a file whose header says ``-- schemakit: own-database`` gets a fresh
database of its own, where each statement commits, dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from schemakit.connect import connect, redact
from schemakit.desired import load_statements
from schemakit.errors import SchemakitError
from schemakit.profile import files_need_supabase, for_shadow
from schemakit.schematest.parser import SqlTestFile, parse_test_file
from schemakit.schematest.report import FileResult, SuiteReport
from schemakit.schematest.runner import pgtap_available, run_committed, run_rolled_back
from schemakit.server import shadow
from schemakit.source import SourceStatement

DEFAULT_DIRS = (Path("tests") / "schema", Path("supabase") / "tests")
"""Where test files are looked for (``*.sql``, in subfolders too), the first that has some."""
API_ROLES = frozenset({"anon", "authenticated", "service_role"})
NO_PGTAP = "a pgTAP file, and this server has no pgTAP extension; on Debian: apt-get install postgresql-<major>-pgtap"
NO_OWN_DATABASE = "needs a database of its own; with --db every file runs in a transaction that is rolled back"

Run = Callable[[psycopg.Connection[Any], SqlTestFile], FileResult]


def discover(root: Path, paths: Sequence[Path]) -> list[Path]:
    """The test files: ``paths`` (files, and folders' ``*.sql``), else the first of
    ``DEFAULT_DIRS`` under ``root`` that holds some."""
    found: list[Path] = []
    if not paths:
        for folder in (root / d for d in DEFAULT_DIRS):
            found = sorted(folder.rglob("*.sql")) if folder.is_dir() else []
            if found:
                return found
        raise SchemakitError(
            f"no test files in {DEFAULT_DIRS[0]}/ or {DEFAULT_DIRS[1]}/ (under {root})",
            hint="write tests/schema/*.sql, or name the files or folders to run",
        )
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob("*.sql")))
        elif path.is_file():
            found.append(path)
        else:
            raise SchemakitError(f"no such test file or folder: {path}")
    if not found:
        raise SchemakitError(f"no *.sql test files in {', '.join(str(p) for p in paths)}")
    return list(dict.fromkeys(found))


def parse_all(paths: Sequence[Path]) -> list[SqlTestFile]:
    """Every file parsed before any runs: a mistake in one is reported at its place first."""
    return [parse_test_file(path, i) for i, path in enumerate(paths)]


def needs_baseline(statements: Sequence[SourceStatement], files: Sequence[SqlTestFile]) -> bool:
    """Whether the schema database needs the Supabase baseline: the schema files use the
    platform (auth, storage, buckets), or the tests run as its API roles."""
    return files_need_supabase(statements) or any(f.roles & API_ROLES for f in files)


def run_from_schema(
    statements: Sequence[SourceStatement], files: Sequence[SqlTestFile], admin_url: str, *, baseline: bool
) -> SuiteReport:
    """Run ``files`` on databases built from ``statements`` on ``admin_url``'s server."""
    results: dict[int, FileResult] = {}
    shared = [(i, f) for i, f in enumerate(files) if not f.own_database]
    if shared:
        with schema_database(statements, admin_url, baseline) as conn:
            pgtap = pgtap_available(conn)
            for i, f in shared:
                results[i] = _run(conn, f, pgtap, run_rolled_back)
    for i, f in enumerate(files):
        if f.own_database:
            with schema_database(statements, admin_url, baseline) as conn:
                results[i] = _run(conn, f, pgtap_available(conn), run_committed)
    where = f"a database built from the schema files ({'with' if baseline else 'without'} the Supabase baseline)"
    return SuiteReport(tuple(results[i] for i in range(len(files))), where=where)


def run_on_database(url: str, files: Sequence[SqlTestFile]) -> SuiteReport:
    """Run ``files`` on the database at ``url``, each in a transaction that is rolled back."""
    results: list[FileResult] = []
    with connect(url, autocommit=True) as conn:
        pgtap = pgtap_available(conn)
        for f in files:
            if f.own_database:
                results.append(FileResult(f.display, skipped=NO_OWN_DATABASE))
            else:
                results.append(_run(conn, f, pgtap, run_rolled_back))
    return SuiteReport(tuple(results), where=redact(url))


@contextmanager
def schema_database(
    statements: Sequence[SourceStatement], admin_url: str, baseline: bool
) -> Iterator[psycopg.Connection[Any]]:
    """A temporary database holding the schema files' state; yields an autocommit
    connection to it as the role that loaded them (the owner)."""
    with shadow.temporary_database(admin_url, baseline=baseline) as url:
        with connect(url, autocommit=True, given_by="--shadow-url (or the local server)") as conn:
            load_statements(conn, [for_shadow(s) for s in statements], admin_url)
            conn.autocommit = True
            yield conn


def _run(conn: psycopg.Connection[Any], file: SqlTestFile, pgtap: bool, run: Run) -> FileResult:
    if file.pgtap and not pgtap:
        return FileResult(file.display, skipped=NO_PGTAP)
    return run(conn, file)
