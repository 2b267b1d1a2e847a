"""``schemakit check``, the CI gate over the migration files: typer command only (the
pipeline is ``schemakit.review.check_project``; ``plan --write`` is in ``cli/plan.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from schemakit.cli.console import err, note, progress
from schemakit.cli.options import ConnectTimeout, MigrationsDir, NoCache, ProfileOpt, SchemaDir, ShadowUrl
from schemakit.review import CheckRequest, check_project


def check(
    schema_dir: SchemaDir = None,
    migrations_dir_opt: MigrationsDir = None,
    shadow_url: ShadowUrl = None,
    snapshots_dir: Annotated[Optional[Path], typer.Option("--snapshots-dir", help="Folder of snapshots to check (default: snapshots/).", show_default=False)] = None,
    strict_snapshots: Annotated[bool, typer.Option("--strict-snapshots", help="Fail when a snapshot holds an earlier migration's state, not only when it holds no migration's state.")] = False,
    profile: ProfileOpt = None,
    connect_timeout: ConnectTimeout = 10,
    no_cache: NoCache = False,
) -> None:
    """The CI gate: exit 1 unless replaying the migration files gives the state of the schema files,
    and every snapshot in snapshots/ holds the state of the schema files or of a migration.

    Both are loaded into empty shadow databases (with the Supabase baseline) and their
    models compared. No target database is used. A snapshot that equals neither the
    schema files' state nor the state after any prefix of the migration files is stale.
    """
    request = CheckRequest(schema_dir, migrations_dir_opt, shadow_url, snapshots_dir, strict_snapshots, profile)
    report = check_project(request, progress, note)
    for line in report.messages:
        err(line)
    if report.failed:
        raise typer.Exit(report.exit_code)
    typer.echo(report.summary)
