"""``schemakit test``: the typer command (the library is schemakit.schematest)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import psycopg
import typer

from schemakit.errors import EXIT_ERROR, EXIT_OK, SchemakitError
from schemakit.options import ConnectTimeout, ProfileOpt, SchemaDir, ShadowUrl, plural
from schemakit.schematest.report import SuiteReport, render_report
from schemakit.schematest.suite import discover, needs_baseline, parse_all, run_from_schema, run_on_database
from schemakit.workflow import Project, Target, load_sources, shadow_admin_url

Paths = Annotated[
    Optional[list[Path]],
    typer.Argument(
        help="Test files or folders (default: tests/schema/*.sql, else supabase/tests/*.sql).",
        show_default=False,
    ),
]
TestDb = Annotated[
    Optional[str],
    typer.Option(
        "--db",
        help="Run the tests against this database instead of one built from the schema files; each file "
        "runs in a transaction that is rolled back ($DATABASE_URL is not used).",
        show_default=False,
    ),
]


def sql_tests(
    paths: Paths = None,
    db: TestDb = None,
    schema_dir: SchemaDir = None,
    shadow_url: ShadowUrl = None,
    profile: ProfileOpt = None,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    r"""Run SQL tests (RLS as PostgREST's roles, and pgTAP where the server has it) on the schema files.

    A test file is SQL. `-- as: <role> \[sub=<uuid>] \[claims=<json>]` before a statement runs it
    (and those after it) as that role with request.jwt.claims set as PostgREST does; `-- as: owner`
    goes back to the owner. `-- expect: <n> rows`, `-- expect: error <SQLSTATE>`, `-- expect: ok` or
    `-- expect: rows <json>` after a statement checks it. Statements before the first `-- as:` are
    fixtures, run as the owner. Each file runs in its own transaction, rolled back; a header line
    `-- schemakit: own-database` gives a file a database of its own. Exit 1 when a check fails.
    """
    from schemakit.cli import _fail, _note, _progress

    try:
        project = Project.find(schema_dir)
        files = parse_all(discover(project.root, paths or []))
        if db is not None:
            _progress(f"running {plural(len(files), 'test file')} against the database at --db ...")
            report = run_on_database(db, files)
        else:
            statements = load_sources(project, _note)
            baseline = profile.baseline if profile is not None else needs_baseline(statements, files)
            admin = shadow_admin_url(project, Target(url="", label="shadow"), shadow_url, progress=_progress)
            _progress(f"running {plural(len(files), 'test file')} on a database built from {project.schema_dir.name}/ ...")
            report = run_from_schema(statements, files, admin, baseline=baseline)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, db)
    _show(report)
    raise typer.Exit(EXIT_ERROR if report.failed else EXIT_OK)


def _show(report: SuiteReport) -> None:
    for line in render_report(report):
        typer.echo(line)
