"""``schemakit import`` and ``schemakit init`` (typer commands; the work is in schemakit.adopt)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from schemakit.cli import console
from schemakit.adopt.layout import Layout
from schemakit.errors import EXIT_ERROR
from schemakit.cli.options import ConnectTimeout, ProfileOpt, ShadowUrl
from schemakit.options import plural
from schemakit.workflow import find_root

if TYPE_CHECKING:
    from schemakit.adopt.run import ImportReport


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _say(report: ImportReport) -> None:
    typer.echo(
        f"Imported {plural(report.objects, 'object')} from {report.source}"
        + (f" ({plural(report.statements_replayed, 'statement')} replayed)" if report.migrations else "")
        + f", profile {report.profile.value}."
    )
    for f in report.written.files:
        typer.echo(f"  wrote {_shown(f.path)} ({plural(f.statements, 'statement')})")
    if report.reference_tables:
        typer.echo(f"Reference rows declared (INSERTs) for: {', '.join(report.reference_tables)}.")
    if report.data_history:
        typer.echo(
            f"Data history ({plural(len(report.data_history), 'statement')} that changed rows of tables "
            "the schema files do not declare; not turned into schema):"
        )
        for w in report.data_history:
            typer.echo(f"  {w.describe()}")
    for note in report.notes:
        _err(f"note: {note}")
    for skipped in report.written.skipped:
        _err(f"warning: not written: {skipped}")
    if report.recorded:
        typer.echo(f"Recorded {plural(len(report.recorded), 'migration file')} as applied.")
    if report.differences:
        _err(f"warning: the written files do not give the imported state back ({plural(len(report.differences), 'difference')}):")
        for d in report.differences:
            _err(f"  {d}")
        raise typer.Exit(EXIT_ERROR)
    typer.echo(f"Checked: loading {_shown(report.out)} gives the imported state back.")


def import_command(
    migrations_dir: Annotated[Optional[Path], typer.Argument(metavar="MIGRATIONS_DIR", help="Folder of migration files to replay (default: supabase/migrations, else migrations/).", show_default=False)] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="Import a live database instead.", show_default=False)] = None,
    from_snapshot: Annotated[Optional[Path], typer.Option("--from-snapshot", help="Import a snapshot (from `schemakit snapshot`) instead.", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder to write (default: supabase/schemas where supabase/ exists, else schema/).", show_default=False)] = None,
    layout: Annotated[Layout, typer.Option("--layout", help="by-table: a file per table with its constraints, indexes, triggers, policies, grants and comments, and a file per other kind; by-kind: a file per kind; single: one file.")] = Layout.by_table,
    force: Annotated[bool, typer.Option("--force", help="Replace the .sql files already in --out.")] = False,
    applied_on: Annotated[Optional[str], typer.Option("--applied-on", help="After importing a migrations folder, record its files as applied on this database (which must hold the imported state), so `apply --migrations` there runs only later files.", show_default=False)] = None,
    shadow_url: ShadowUrl = None,
    profile: ProfileOpt = None,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    """Write schema files from a migration history (replayed as psql runs it), a live database or a snapshot."""
    progress = console.Reporter()
    try:
        from schemakit.adopt.run import ImportRequest, run_import  # imported when the command runs

        req = ImportRequest(
            root=find_root(Path.cwd()),
            migrations_dir=migrations_dir,
            db=db,
            snapshot=from_snapshot,
            out=out,
            layout=layout,
            shadow_url=shadow_url,
            profile=profile,
            force=force,
            applied_on=applied_on,
        )
        report = run_import(req, progress)
    finally:
        progress.close()
    _say(report)


def init_command() -> None:
    r"""Set the project up: the schema folder, .gitignore, \[tool.schemakit], the CI workflow."""
    from schemakit.adopt.init import init_project  # imported when the command runs

    report = init_project(Path.cwd())
    kind = "a Supabase CLI project" if report.supabase else "a project"
    typer.echo(f"Initialized {kind} in {report.root}: schema files in {_shown(report.schema_dir)}/, migrations in {_shown(report.migrations_dir)}/.")
    for path in report.written:
        typer.echo(f"  wrote {_shown(path)}")
    for path in report.kept:
        typer.echo(f"  kept  {_shown(path)}")
    if report.import_command is not None:
        typer.echo(
            f"\n{_shown(report.migrations_dir)}/ holds {plural(report.migrations, 'migration file')}. "
            f"Turn them into schema files with:\n\n    {report.import_command}\n"
        )
