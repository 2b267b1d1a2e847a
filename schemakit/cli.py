"""The command line: typer commands only. Errors map to exit codes:

0 success or no changes · 1 error · 2 changes pending (plan --detailed-exitcode)
· 3 refused (hazards not allowed, or a stale plan).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import psycopg
import typer

from schemakit import __version__
from schemakit.apply import ApplyError, Outcome, StalePlanError, apply_plan
from schemakit.connect import connect, redact_text
from schemakit.errors import SchemakitError
from schemakit.hazards import blocked
from schemakit.render.formats import render_plan
from schemakit.render.formats import step_line
from schemakit.server import embedded
from schemakit.source import SourceError
from schemakit.workflow import (
    Project,
    check_platform,
    load_sources,
    plan_against,
    resolve_target,
    shadow_admin_url,
)

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_REFUSED = 0, 1, 2, 3

app = typer.Typer(
    help="Declarative schema-as-code for PostgreSQL and Supabase.\n\n"
    "Keep the desired schema in schema/*.sql; `schemakit plan` shows what would change in a "
    "database, `schemakit apply` makes it so, in one transaction. With no --db and no "
    "DATABASE_URL, a local PostgreSQL server is started in .schemakit/ (no Docker needed).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The embedded local PostgreSQL server (data in .schemakit/).", no_args_is_help=True)
app.add_typer(db_app, name="db")


class Format(str, Enum):
    text = "text"
    sql = "sql"
    json = "json"
    markdown = "markdown"


SchemaDir = Annotated[
    Optional[Path],
    typer.Option("--schema-dir", help="Folder of *.sql files (default: schema/, or supabase/schemas/)."),
]
DbUrl = Annotated[
    Optional[str],
    typer.Option("--db", help="Target database URL (default: $DATABASE_URL, else the local server).", show_default=False),
]
ShadowUrl = Annotated[
    Optional[str],
    typer.Option("--shadow-url", help="A server where schemakit may create throw-away databases to normalize the schema files (default: the local server).", show_default=False),
]
InstallBaseline = Annotated[
    bool,
    typer.Option("--install-baseline", help="Install the minimal Supabase baseline (auth, storage, roles) into a target that lacks it. For local and test databases."),
]


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        typer.secho(text, err=True, dim=True)
    else:
        typer.echo(text, err=True)


def _fail(exc: SchemakitError | psycopg.Error, url: str | None = None, code: int = EXIT_ERROR) -> NoReturn:
    if isinstance(exc, SourceError):
        _err(exc.render())
    elif isinstance(exc, SchemakitError):
        _err(redact_text(f"error: {exc.message}", url))
        if exc.hint:
            _err(f"hint: {exc.hint}")
    else:
        _err(redact_text(f"error: {str(exc).strip()}", url))
    raise typer.Exit(code)


def _emit(text: str, out: Optional[Path]) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        _progress(f"wrote {out}")


@app.command()
def plan(
    schema_dir: SchemaDir = None,
    db: DbUrl = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the output to this file.")] = None,
    detailed_exitcode: Annotated[bool, typer.Option("--detailed-exitcode", help="Exit 2 when there are changes (0 when none).")] = False,
    shadow_url: ShadowUrl = None,
    install_baseline: InstallBaseline = False,
) -> None:
    """Show the changes that would make the database match the schema files."""
    url: str | None = db
    try:
        project = Project.find(schema_dir)
        statements = load_sources(project)
        target = resolve_target(project, db, _progress)
        url = target.url
        with connect(target.url) as conn:
            check_platform(conn, statements, install_baseline, target.label)
            planned = plan_against(conn, statements, shadow_admin_url(project, target, shadow_url), target, _progress)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, url)
    _emit(render_plan(planned.plan, format.value), out)
    if detailed_exitcode and not planned.plan.empty:
        raise typer.Exit(EXIT_CHANGES)


@app.command()
def apply(
    schema_dir: SchemaDir = None,
    db: DbUrl = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking. Required when not run from a terminal.")] = False,
    allow_destructive: Annotated[bool, typer.Option("--allow-destructive", help="Allow changes that delete data (DELETES_DATA).")] = False,
    allow_hazards: Annotated[str, typer.Option("--allow-hazards", help="Comma-separated hazard names to allow, or 'all'.")] = "",
    lock_timeout: Annotated[str, typer.Option("--lock-timeout", help="Give up when a lock is not granted within this time.")] = "5s",
    shadow_url: ShadowUrl = None,
    install_baseline: InstallBaseline = False,
) -> None:
    """Make the database match the schema files, in one transaction (all or nothing)."""
    url: str | None = db
    try:
        project = Project.find(schema_dir)
        statements = load_sources(project)
        target = resolve_target(project, db, _progress)
        url = target.url
        with connect(target.url) as conn:
            check_platform(conn, statements, install_baseline, target.label)
            planned = plan_against(conn, statements, shadow_admin_url(project, target, shadow_url), target, _progress)
            the_plan = planned.plan
            typer.echo(render_plan(the_plan, "text"), nl=False)
            if the_plan.empty:
                return
            allowed = frozenset(h.strip().upper() if h.strip() != "all" else "all" for h in allow_hazards.split(",") if h.strip())
            refused = blocked(the_plan.hazards, allow_destructive=allow_destructive, allow=allowed)
            if refused:
                _err("\nrefused: the plan has hazards that were not allowed:")
                for h in refused:
                    flag = "--allow-destructive" if h.name == "DELETES_DATA" else f"--allow-hazards {h.name}"
                    _err(f"  {h.name}: {h.message} (allow with {flag})")
                _err("nothing was changed.")
                raise typer.Exit(EXIT_REFUSED)
            if not yes:
                if not sys.stdin.isatty():
                    _err("\nnot applied: pass --yes to apply from a script or CI (no terminal to confirm on).")
                    raise typer.Exit(EXIT_ERROR)
                if not typer.confirm(f"\nApply {len(the_plan.steps)} changes to {target.label}?"):
                    _err("not applied.")
                    raise typer.Exit(EXIT_ERROR)

            def show(i: int, n: int, step: object) -> None:
                if n >= 20 and i % max(1, n // 10) == 0:
                    _progress(f"applying {i + 1}/{n} ...")

            result = apply_plan(conn, the_plan, lock_timeout=lock_timeout, progress=show)
    except StalePlanError as exc:
        _fail(exc, url, EXIT_REFUSED)
    except ApplyError as exc:
        _err(redact_text(f"\nerror: {exc.message}", url))
        if exc.statement:
            _err("failing statement:\n" + _indent(exc.statement))
        if exc.hint:
            _err(f"hint: {exc.hint}")
        _err("nothing was changed: the transaction was rolled back.")
        raise typer.Exit(EXIT_ERROR)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, url)
    if result.outcome is Outcome.APPLIED:
        typer.echo(f"\nApplied {len(the_plan.steps)} changes ({result.statements} statements) in {result.seconds:.2f}s.")
    else:
        typer.echo(f"\nNothing applied: the database is {result.outcome.value}.")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


# -- the embedded server ---------------------------------------------------------


def _server_dir() -> Path:
    return Project.find().server_dir


@db_app.command("start")
def db_start() -> None:
    """Start the local server (or reuse the running one) and print its URL."""
    try:
        server = embedded.start(_server_dir())
    except SchemakitError as exc:
        _fail(exc)
    typer.echo(server.url())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the local server."""
    try:
        stopped = embedded.stop(_server_dir())
    except SchemakitError as exc:
        _fail(exc)
    typer.echo("stopped" if stopped else "not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the local server runs, and where."""
    server = embedded.status(_server_dir())
    if server is None:
        typer.echo("not running")
        raise typer.Exit(EXIT_ERROR)
    typer.echo(f"running: PostgreSQL {server.version}, pid {server.pid}, {server.url()}, data in {server.data_dir}")


@db_app.command("url")
def db_url() -> None:
    """Print the local server's URL (starting it if needed)."""
    db_start()


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"schemakit {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")] = False,
) -> None:
    pass


def main() -> None:
    app()
