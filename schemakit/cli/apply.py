"""``schemakit apply`` (and ``apply --migrations``): typer command only (the pipeline is
``schemakit.deploy.apply_project``; this module shows the plan and asks)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from schemakit.cli import fleet
from schemakit.cli.console import note, progress, saved_style, show_plan, write_lines
from schemakit.cli.options import (
    AllowDropAll,
    ConnectTimeout,
    DbUrl,
    NoCache,
    Format,
    InstallBaseline,
    PlanSql,
    ProfileOpt,
    RenameEnumValues,
    SchemaDir,
    ShadowUrl,
)
from schemakit.plan import Plan
from schemakit.render.formats import RowCounts

if TYPE_CHECKING:
    from schemakit.deploy import Hooks, SnapshotRefresh


def apply(
    plan_file: Annotated[Optional[Path], typer.Argument(metavar="PLAN.json", help="A saved plan (from `plan --format json --out`) to apply instead of planning from the schema files. Refused (exit 3) if the database changed since it was made.", show_default=False)] = None,
    schema_dir: SchemaDir = None,
    db: DbUrl = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking. Required when not run from a terminal.")] = False,
    allow_destructive: Annotated[bool, typer.Option("--allow-destructive", help="Allow changes that delete data (DELETES_DATA).")] = False,
    allow_hazards: Annotated[str, typer.Option("--allow-hazards", help="Comma-separated hazard names to allow, or 'all'.")] = "",
    lock_timeout: Annotated[str, typer.Option("--lock-timeout", help="Give up when a lock is not granted within this time.")] = "5s",
    statement_timeout: Annotated[str, typer.Option("--statement-timeout", help="Cancel a statement that runs longer than this (0: no limit).")] = "0",
    lock_retries: Annotated[int, typer.Option("--lock-retries", min=0, help="On a lock timeout, retry the whole transaction (it was rolled back) this many times, with a doubling pause from 0.5s.")] = 2,
    online: Annotated[bool, typer.Option("--online", help="Avoid long blocking locks on existing tables: CREATE INDEX CONCURRENTLY and VALIDATE of NOT VALID constraints run after the main transaction, outside it; SET NOT NULL goes through a validated CHECK.")] = False,
    rehearse: Annotated[Optional[bool], typer.Option("--rehearse/--no-rehearse", help="First run the plan on a shadow copy of the target's schema and refuse (exit 3) unless it reaches the desired state. Default: on for a remote target (not the local server, a Unix socket or a loopback address).", show_default=False)] = None,
    shadow_url: ShadowUrl = None,
    install_baseline: InstallBaseline = False,
    migrations: Annotated[bool, typer.Option("--migrations", help="Apply the pending files of migrations/ (supabase/migrations/ where supabase/ exists) instead of planning from the schema files: each file in its own transaction, in version order, recorded in schemakit.migrations (and supabase_migrations.schema_migrations). A file changed after it was applied is refused (exit 3).")] = False,
    migrations_dir_opt: Annotated[Optional[Path], typer.Option("--migrations-dir", help="Folder of migration files (with --migrations).", show_default=False)] = None,
    snapshot_file: Annotated[Optional[Path], typer.Option("--snapshot", help="After a successful apply, refresh this snapshot (e.g. snapshots/prod.json) from the database.", show_default=False)] = None,
    rename_enum_value: RenameEnumValues = None,
    profile: ProfileOpt = None,
    connect_timeout: ConnectTimeout = 10,
    no_cache: NoCache = False,
    allow_drop_all: AllowDropAll = False,
    sql: PlanSql = False,
    targets: fleet.TargetsOpt = None,
    parallel: fleet.ParallelOpt = 4,
    canary: fleet.CanaryOpt = 0,
    on_error: fleet.OnErrorOpt = fleet.OnError.continue_,
    report_file: fleet.ReportOpt = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="With --targets: json prints the JSON report.")] = Format.text,
) -> None:
    """Make the database match the schema files (or a saved plan), in one transaction (all or nothing);
    with --migrations, apply the pending migration files instead.

    New enum values commit first (the main transaction may use them); with --online, the steps marked '(outside the transaction)' run after it. A rehearsal on a shadow copy that does not reach the desired state refuses the plan with exit 3."""
    if targets is not None:  # many databases: schemakit.cli.fleet
        given = [n for n, v in (("PLAN.json", plan_file), ("--db", db), ("--online", online), ("--rehearse", rehearse), ("--install-baseline", install_baseline), ("--migrations", migrations), ("--snapshot", snapshot_file), ("--rename-enum-value", rename_enum_value), ("--sql", sql)) if v]
        flags = fleet.FleetFlags(schema_dir, shadow_url, profile, parallel, report_file, format.value, tuple(given))
        how = fleet.ApplyFlags(yes, canary, on_error, allow_destructive, allow_hazards, allow_drop_all, lock_timeout, statement_timeout, lock_retries)
        return fleet.fleet_apply(targets, flags, how)
    from schemakit.deploy import ApplyRequest, apply_project  # imported when the command runs

    request = ApplyRequest(
        plan_file=plan_file, schema_dir=schema_dir, db=db, yes=yes, allow_destructive=allow_destructive,
        allow_hazards=allow_hazards, lock_timeout=lock_timeout, statement_timeout=statement_timeout,
        lock_retries=lock_retries, online=online, rehearse=rehearse, shadow_url=shadow_url,
        install_baseline=install_baseline, migrations=migrations, migrations_dir=migrations_dir_opt,
        snapshot_file=snapshot_file, renames=tuple(rename_enum_value or ()), profile=profile,
        allow_drop_all=allow_drop_all,
    )
    report = apply_project(request, _hooks(sql))
    _say_snapshot(report.snapshot)


def _hooks(sql: bool) -> Hooks:
    """How ``apply_project`` shows the plan (with ``sql``, the script first: the summary
    stays right above the prompt), says what happens, and asks (only on a terminal)."""
    from schemakit.deploy import Hooks
    from schemakit.saved import SavedPlan

    def show(the_plan: Plan | SavedPlan, rows: RowCounts | None) -> None:
        if isinstance(the_plan, SavedPlan):
            if sql and not the_plan.empty:
                sys.stdout.write(the_plan.sql_script() + "\n")
            write_lines([(saved_style(line), line) for line in the_plan.as_text().splitlines()], sys.stdout)
        else:
            show_plan(the_plan, sql=sql, rows=rows, sql_first=True)

    ask = (lambda question: bool(typer.confirm(question))) if sys.stdin.isatty() else None
    return Hooks(progress=progress, note=note, show_plan=show, say=typer.echo, ask=ask)


def _say_snapshot(refresh: SnapshotRefresh | None) -> None:
    """``apply --snapshot FILE``: say whether the snapshot was refreshed."""
    if refresh is None:
        return
    if refresh.refreshed:
        typer.echo(f"Refreshed the snapshot {refresh.path}.")
    else:
        typer.echo(f"The snapshot {refresh.path} is up to date.")
