"""``schemakit test``: the typer command (the library is schemakit.schematest)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from schemakit.cli.console import note, progress
from schemakit.cli.options import ConnectTimeout, ProfileOpt, SchemaDir, ShadowUrl
from schemakit.errors import EXIT_ERROR, EXIT_OK
from schemakit.workflow import Project

if TYPE_CHECKING:
    from schemakit.schematest.report import SuiteReport

Paths = Annotated[
    Optional[list[Path]],
    typer.Argument(
        metavar="PATH",
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
    from schemakit.schematest.suite import run_project_tests  # imported when the command runs

    try:
        report = run_project_tests(
            Project.find(schema_dir), paths or [], db=db, shadow_url=shadow_url, profile=profile,
            progress=progress, note=note,
        )
    finally:
        progress.close()
    _show(report)
    raise typer.Exit(EXIT_ERROR if report.failed else EXIT_OK)


def _show(report: SuiteReport) -> None:
    from schemakit.schematest.report import render_report

    for line in render_report(report):
        typer.echo(line)
