"""``schemakit db start|stop|status|url``: the embedded local PostgreSQL server (typer
commands only; the server is ``schemakit.server.embedded``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from schemakit.errors import EXIT_ERROR
from schemakit.server import embedded
from schemakit.server.statedir import ensure_state_dir
from schemakit.workflow import Project

db_app = typer.Typer(help="The embedded local PostgreSQL server (data in .schemakit/).", no_args_is_help=True)


def _server_dir() -> Path:
    project = Project.find()
    ensure_state_dir(project.state_dir)  # .schemakit/ ignores itself
    return project.server_dir


@db_app.command("start")
def db_start() -> None:
    """Start the local server (or reuse the running one) and print its URL."""
    typer.echo(embedded.start(_server_dir()).url())


@db_app.command("stop")
def db_stop(
    all_servers: Annotated[bool, typer.Option("--all", help="Stop every local server this user started, in any project (remembered in $XDG_STATE_HOME/schemakit/servers).")] = False,
) -> None:
    """Stop the local server (with --all, every one this user started)."""
    if all_servers:
        folders = embedded.stop_all()
        for folder in folders:
            typer.echo(f"stopped {folder}")
        if not folders:
            typer.echo("none running")
        return
    typer.echo("stopped" if embedded.stop(_server_dir()) else "not running")


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
