"""``schemakit plan`` (and ``plan --write``) and ``schemakit diff``: typer commands only
(the pipelines are ``schemakit.review.plan_project`` and ``schemakit.workflow.diff_databases``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from schemakit.cli import fleet
from schemakit.cli.console import emit, err, note, progress, show_plan
from schemakit.cli.lint import plan_notes
from schemakit.cli.options import (
    ConnectTimeout,
    DbUrl,
    NoCache,
    Format,
    InstallBaseline,
    Out,
    PlanSql,
    ProfileOpt,
    RenameEnumValues,
    SchemaDir,
    ShadowUrl,
)
from schemakit.errors import EXIT_CHANGES
from schemakit.options import drop_all_warning
from schemakit.render.formats import as_grouped_markdown, as_readable_text, render_chunks
from schemakit.review import PlanReport, PlanRequest, plan_project
from schemakit.workflow import diff_databases


def plan(
    schema_dir: SchemaDir = None,
    db: DbUrl = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    out: Out = None,
    detailed_exitcode: Annotated[bool, typer.Option("--detailed-exitcode", help="Exit 2 when there are changes (0 when none).")] = False,
    shadow_url: ShadowUrl = None,
    install_baseline: InstallBaseline = False,
    from_snapshot: Annotated[Optional[Path], typer.Option("--from-snapshot", help="Plan against this snapshot (from `schemakit snapshot`) instead of a database: no connection to the target is made. Row counts are unknown, so lock and rewrite hazards gate.", show_default=False)] = None,
    write: Annotated[bool, typer.Option("--write", help="Write the plan as a new migration file, migrations/<UTC yyyymmddHHMMSS>_<slug>.sql (supabase/migrations/ where supabase/ exists). The plan is then from the existing migration files, replayed on a shadow, to the schema files: no target database is used.")] = False,
    name: Annotated[Optional[str], typer.Option("--name", help="The migration file's slug (with --write), sanitized to a-z, 0-9 and _.", show_default=False)] = None,
    migrations_dir_opt: Annotated[Optional[Path], typer.Option("--migrations-dir", help="Folder of migration files (with --write; default: migrations/, or supabase/migrations/).", show_default=False)] = None,
    online: Annotated[bool, typer.Option("--online", help="Plan the online paths (as `apply --online`): steps marked '(outside the transaction)' run after the main transaction commits.")] = False,
    rename_enum_value: RenameEnumValues = None,
    profile: ProfileOpt = None,
    connect_timeout: ConnectTimeout = 10,
    no_cache: NoCache = False,
    sql: PlanSql = False,
    targets: fleet.TargetsOpt = None,
    parallel: fleet.ParallelOpt = 4,
    report_file: fleet.ReportOpt = None,
) -> None:
    """Show the changes that would make the database match the schema files."""
    if targets is not None:  # many databases: schemakit.cli.fleet
        given = [n for n, v in (("--db", db), ("--out", out), ("--write", write), ("--from-snapshot", from_snapshot), ("--online", online), ("--install-baseline", install_baseline), ("--rename-enum-value", rename_enum_value), ("--sql", sql), ("--detailed-exitcode", detailed_exitcode)) if v]
        return fleet.fleet_plan(targets, fleet.FleetFlags(schema_dir, shadow_url, profile, parallel, report_file, format.value, tuple(given)))
    request = PlanRequest(
        schema_dir=schema_dir, db=db, shadow_url=shadow_url, install_baseline=install_baseline,
        from_snapshot=from_snapshot, write=write, name=name, migrations_dir=migrations_dir_opt,
        online=online, renames=tuple(rename_enum_value or ()), profile=profile,
    )
    try:
        report = plan_project(request, progress, note)
    finally:
        progress.close()
    _print_plan(report, format, out, sql)
    if detailed_exitcode and report.changes_pending:
        raise typer.Exit(EXIT_CHANGES)


def _print_plan(report: PlanReport, format: Format, out: Optional[Path], sql: bool) -> None:
    """The plan in its format (on standard output or in ``out``); warnings on standard
    error; with --write, the files written."""
    if report.drops_everything:
        typer.echo(drop_all_warning(report.planned.plan), err=True)
    if format is Format.sql:
        # The SQL script holds no warnings: say them on stderr.
        for w in report.planned.plan.warnings:
            err(f"warning: {w}")
    shown = report.shown
    plan_notes(report.findings, script=report.write or format is Format.sql)
    if format is Format.text and out is None:
        show_plan(shown, sql=sql, rows=report.rows)
    elif format is Format.text:
        emit(as_readable_text(shown, sql=sql, rows=report.rows), out)
    elif format is Format.markdown:
        emit(as_grouped_markdown(shown, report.rows), out)
    else:
        emit(render_chunks(shown, format.value), out)
    if report.write:
        if not report.written:
            err("No changes: the migration files already produce the schema files' state; no migration written.")
        for f in report.written:
            err(f"wrote {f.path}" + (" (runs outside a transaction)" if f.outside_transaction else ""))


def diff(
    url_a: Annotated[str, typer.Argument(metavar="URL_A", help="The database to change.", show_default=False)],
    url_b: Annotated[str, typer.Argument(metavar="URL_B", help="The database it should become like.", show_default=False)],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.sql,
    out: Out = None,
    connect_timeout: ConnectTimeout = 10,
    no_cache: NoCache = False,
) -> None:
    """Print the changes that turn database A into database B (like migra). Nothing is changed."""
    emit(render_chunks(diff_databases(url_a, url_b), format.value), out)
