"""The command line: typer commands only. Errors map to exit codes in one place,
``schemakit.entry`` (the executable), from ``SchemakitError.exit_code``:

0 success or no changes · 1 error · 2 changes pending (plan --detailed-exitcode)
· 3 refused (hazards not allowed, a stale plan, or a plan that failed its rehearsal)
· 64 usage error · 130 interrupted.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Iterable, NoReturn, Optional, Sequence

import psycopg
import typer

from schemakit import __version__
from schemakit import console
from schemakit.apply import ApplyError, Outcome, apply_plan
from schemakit.apply import Settings as ApplySettings
from schemakit.model import Model, Table
from schemakit.online import online_plan
from schemakit.rehearse import RehearsalError, is_remote
from schemakit.rehearse import rehearse as rehearse_plan
from schemakit.connect import connect, redact_text
from schemakit.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, EXIT_REFUSED, Interrupted, SchemakitError, UsageError
from schemakit.entry import EXIT_CODES_HELP
from schemakit.hazards import KINDS as HAZARD_KINDS
from schemakit.options import AllowDropAll, ConnectTimeout, ProfileOpt, SchemaDir, ShadowUrl, announce, plural, refuse_drop_all, warn_drop_all
from schemakit.profile import Profile, detect_profile, files_need_supabase
from schemakit.rows import declared
from schemakit import owners as declared_owners
from schemakit.hazards import Hazard, blocked
from schemakit.plan import Plan
from schemakit.migrations import default_slug, list_migrations, migrations_dir, outside_transaction, replayed_model, replayed_states, write_migrations
from schemakit.render.formats import STYLE_OF_SIGN, RowCounts, as_grouped_markdown, as_readable_text, render_chunks, script, summary_lines
from schemakit.saved import SavedPlan
from schemakit.server import embedded
from schemakit.source import SourceError
from schemakit.saved import load_saved_plan
from schemakit.snapshot import snapshot_profile
from schemakit.profile import platform_missing
from schemakit.snapshot import dump_snapshot, judge_snapshot, load_snapshot, refresh_snapshot, snapshot_files, snapshot_states
from schemakit.migrate import MigrationFailedError, MigrationFile, apply_migrations, file_hazards, refuse_inconsistent
from schemakit.migrate import status as migration_status
from schemakit.server.baseline import has_supabase_platform
from schemakit.server.baseline import install_baseline as install_supabase_baseline
from schemakit.diff import diff_models
from schemakit.typegen import configured_outputs, stale_outputs
from schemakit.typegen.cli import types_app
from schemakit.cli_cache import NoCache
from schemakit.workflow import (
    Planned,
    Project,
    Target,
    load_sources,
    parse_enum_renames,
    plan_against,
    plan_target,
    in_background,
    plan_models,
    read_current,
    read_fingerprinted,
    resolve_target,
    row_estimates,
    row_probe,
    shadow_admin_url,
)

__all__ = ["EXIT_OK", "EXIT_ERROR", "EXIT_CHANGES", "EXIT_REFUSED", "app", "main"]

app = typer.Typer(
    help="Declarative schema-as-code for PostgreSQL and Supabase.\n\n"
    "Keep the desired schema in schema/*.sql; `schemakit plan` shows what would change in a "
    "database, `schemakit apply` makes it so, in one transaction. With no --db and no "
    "DATABASE_URL, a local PostgreSQL server is started in .schemakit/ (no Docker needed).",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The embedded local PostgreSQL server (data in .schemakit/).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(types_app, name="types")


class Format(str, Enum):
    text = "text"
    sql = "sql"
    json = "json"
    markdown = "markdown"


DbUrl = Annotated[
    Optional[str],
    typer.Option("--db", help="Target database URL (default: $DATABASE_URL, else the local server).", show_default=False),
]
RenameEnumValues = Annotated[
    Optional[list[str]],
    typer.Option(
        "--rename-enum-value",
        help="TYPE:OLD=NEW, repeatable: plan ALTER TYPE ... RENAME VALUE for this enum value instead "
        "of removing OLD and adding NEW (a diff cannot tell a rename). Example: public.mood:sad=unhappy.",
        show_default=False,
    ),
]
InstallBaseline = Annotated[
    bool,
    typer.Option("--install-baseline", help="Plan the installation of the minimal Supabase baseline (auth, storage, roles, Supabase's grants) into a plain target that lacks it, as the plan's first step: nothing is written before the apply, and it runs in the apply's transaction. For local and test databases."),
]


def _err(text: str) -> None:
    console.say(text, console.message_style(text))


_progress = console.Reporter()
"""Progress lines (dim on a terminal) and, on a terminal, live bars: see schemakit.console."""


PlanSql = Annotated[
    bool,
    typer.Option("--sql", help="Also show the plan's SQL script (after the summary for `plan`, before it for `apply`)."),
]


def _saved_style(line: str) -> str:
    """A saved plan's summary line's style, by its symbol (``" + ..."``, ``"!- ..."``)."""
    return STYLE_OF_SIGN.get(line[1:2], "plain") if line[2:3] == " " else "plain"


def _row_counts(conn: psycopg.Connection[Any], planned: Planned) -> RowCounts:
    """Rows of the existing tables the plan's hazards touch (estimates where analyzed)."""
    names = {h.table for step in planned.plan.steps for h in step.hazards if h.table}
    names |= {
        (step.change.subject.owner_key or step.change.key)[1]
        for step in planned.plan.steps
        if step.hazards and (step.change.subject.owner_key or step.change.key)[0] == "table"
    }
    found = (planned.current.objects.get(("table", name)) for name in sorted(names))
    return row_estimates(conn, [t for t in found if isinstance(t, Table)])


def _show_plan(the_plan: Plan, *, sql: bool, rows: RowCounts | None, sql_first: bool = False) -> None:
    """The text plan on standard output: the grouped summary and hazards (coloured on a
    terminal), and with ``sql`` the script, after the summary (or before, ``sql_first``:
    apply's summary stays right above its prompt)."""
    if sql and sql_first and not the_plan.empty:
        sys.stdout.write(script(the_plan) + "\n")
    console.write_lines(summary_lines(the_plan, rows), sys.stdout)
    if sql and not sql_first and not the_plan.empty:
        sys.stdout.write("\nSQL:\n\n" + script(the_plan))
    sys.stdout.flush()


def _note(text: str) -> None:
    """A notice about the input (not an error): on standard error, prefixed ``note:``."""
    _err(f"note: {text}")


def _fail(exc: SchemakitError | psycopg.Error, url: str | None = None, code: int | None = None) -> NoReturn:
    """Print the error and exit with its code (``SchemakitError.exit_code``, 1 for a database error)."""
    if isinstance(exc, Interrupted):
        raise exc  # schemakit.entry reports interruptions
    if code is None:
        code = exc.exit_code if isinstance(exc, SchemakitError) else EXIT_ERROR
    if isinstance(exc, SourceError):
        _err(exc.render())
    elif isinstance(exc, SchemakitError):
        _err(redact_text(f"error: {exc.message}", url))
        if exc.hint:
            _err(f"hint: {exc.hint}")
    else:
        _err(redact_text(f"error: {str(exc).strip()}", url))
    raise typer.Exit(code)


def _refuse(why: str, refused: list[tuple[Any, str]]) -> None:
    """Exit 3 listing each hazard not allowed (``(hazard, its line)``) and the flag to allow it."""
    if not refused:
        return
    _err(f"\nrefused: {why}:")
    seen: dict[str, int] = {}
    for h, line in refused:
        seen[line] = seen.get(line, 0) + 1
    for line, n in seen.items():
        h = next(h for h, text in refused if text == line)
        flag = "--allow-destructive" if h.name == "DELETES_DATA" else f"--allow-hazards {h.name}"
        times = f" (×{n})" if n > 1 else ""
        _err(f"  {line}{times} (allow with {flag})")
    _err("nothing was changed.")
    raise typer.Exit(EXIT_REFUSED)


def _confirm(yes: bool, question: str) -> None:
    """Go on with --yes or a confirmed prompt; without a terminal, --yes is required (exit 1)."""
    if yes:
        return
    if not sys.stdin.isatty():
        _err("\nnot applied: pass --yes to apply from a script or CI (no terminal to confirm on).")
        raise typer.Exit(EXIT_ERROR)
    if not typer.confirm(f"\n{question}"):
        _err("not applied.")
        raise typer.Exit(EXIT_ERROR)


def _emit(text: str | Iterable[str], out: Optional[Path]) -> None:
    """Write output to ``out`` or standard output, piece by piece (a large plan is never
    joined into one string)."""
    chunks = [text] if isinstance(text, str) else text
    if out is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as f:
            f.writelines(chunks)
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
    from_snapshot: Annotated[Optional[Path], typer.Option("--from-snapshot", help="Plan against this snapshot (from `schemakit snapshot`) instead of a database: no connection to the target is made. Row counts are unknown, so lock and rewrite hazards gate.", show_default=False)] = None,
    write: Annotated[bool, typer.Option("--write", help="Write the plan as a new migration file, migrations/<UTC yyyymmddHHMMSS>_<slug>.sql (supabase/migrations/ where supabase/ exists). The plan is then from the existing migration files, replayed on a shadow, to the schema files: no target database is used.")] = False,
    name: Annotated[Optional[str], typer.Option("--name", help="The migration file's slug (with --write), sanitized to a-z, 0-9 and _.", show_default=False)] = None,
    migrations_dir_opt: Annotated[Optional[Path], typer.Option("--migrations-dir", help="Folder of migration files (with --write; default: migrations/, or supabase/migrations/).", show_default=False)] = None,
    online: Annotated[bool, typer.Option("--online", help="Plan the online paths (as `apply --online`): steps marked '(outside the transaction)' run after the main transaction commits.")] = False,
    rename_enum_value: RenameEnumValues = None,
    profile: ProfileOpt = None,
    connect_timeout: ConnectTimeout = 10,
    sql: PlanSql = False,
    no_cache: NoCache = False,
) -> None:
    """Show the changes that would make the database match the schema files."""
    url: str | None = db
    written: list[Path] = []
    rows: RowCounts | None = None
    try:
        renames = parse_enum_renames(rename_enum_value or [])
        project = Project.find(schema_dir)
        statements = load_sources(project, _note)
        if name is not None and not write:
            raise SchemakitError("--name only applies with --write")
        if write:
            if db is not None or from_snapshot is not None:
                raise SchemakitError(
                    "--write plans from the existing migration files to the schema files; "
                    "--db and --from-snapshot do not apply"
                )
            mdir = migrations_dir_opt or migrations_dir(project.root)
            migrations = list_migrations(mdir)
            target = Target(url="", label=f"migrations in {mdir}")
            admin = shadow_admin_url(project, target, shadow_url, progress=_progress)
            _progress(f"replaying {plural(len(migrations), 'migration file')} from {mdir} on a shadow database ...")
            prof = profile or Profile.SUPABASE
            _refuse_platform_use(statements, prof, target.label)
            current = replayed_model(
                migrations, admin, rows=declared(statements), owners=declared_owners.declared(statements), baseline=prof.baseline
            )
            planned = plan_against(current, statements, admin, target, _progress, renames=renames, profile=prof)
            if not planned.plan.empty:
                slug = name or default_slug([s.summary for s in planned.plan.steps])
                final = online_plan(planned.plan, planned.current) if online else planned.plan
                written = write_migrations(mdir, final, slug)
        elif from_snapshot is not None:
            if db is not None:
                raise SchemakitError("--from-snapshot and --db exclude each other: the snapshot is the current state")
            current = load_snapshot(from_snapshot)
            target = Target(url="", label=f"snapshot {from_snapshot}")
            prof = profile or snapshot_profile(from_snapshot)
            _refuse_platform_use(statements, prof, target.label)
            planned = plan_against(current, statements, shadow_admin_url(project, target, shadow_url, progress=_progress), target, _progress, renames=renames, profile=prof)
        else:
            target = resolve_target(project, db, _progress, needs_platform=files_need_supabase(statements))
            url = target.url
            with connect(target.url) as conn:
                announce(_progress, project.schema_dir, statements, f"{target.label} (PostgreSQL {conn.info.server_version // 10000})")
                planned = plan_target(conn, project, statements, target, shadow_url, install_baseline, _progress, renames, profile)
                rows = _row_counts(conn, planned)
        warn_drop_all(planned.plan, statements)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, url)
    finally:
        _progress.close()
    if format is Format.sql:
        # The SQL script holds no warnings: say them on stderr.
        for w in planned.plan.warnings:
            _err(f"warning: {w}")
    shown = online_plan(planned.plan, planned.current) if online else planned.plan
    if format is Format.text and out is None:
        _show_plan(shown, sql=sql, rows=rows)
    elif format is Format.text:
        _emit(as_readable_text(shown, sql=sql, rows=rows), out)
    elif format is Format.markdown:
        _emit(as_grouped_markdown(shown, rows), out)
    else:
        _emit(render_chunks(shown, format.value), out)
    if write:
        if not written:
            _err("No changes: the migration files already produce the schema files' state; no migration written.")
        for path in written:
            _err(f"wrote {path}" + (" (runs outside a transaction)" if outside_transaction(path.read_text()) else ""))
    if detailed_exitcode and not planned.plan.empty:
        raise typer.Exit(EXIT_CHANGES)


@app.command()
def check(
    schema_dir: SchemaDir = None,
    migrations_dir_opt: Annotated[Optional[Path], typer.Option("--migrations-dir", help="Folder of migration files (default: migrations/, or supabase/migrations/).", show_default=False)] = None,
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
    try:
        project = Project.find(schema_dir)
        statements = load_sources(project, _note)
        mdir = migrations_dir_opt or migrations_dir(project.root)
        migrations = list_migrations(mdir)
        target = Target(url="", label="shadow")
        admin = shadow_admin_url(project, target, shadow_url, progress=_progress)
        _progress(f"replaying {plural(len(migrations), 'migration file')} from {mdir} on a shadow database ...")
        snaps = [_relative(p) for p in snapshot_files(snapshots_dir or project.root / "snapshots")]
        prof = profile or Profile.SUPABASE
        _refuse_platform_use(statements, prof, "a plain shadow")
        prefixes = replayed_states(
            migrations,
            admin,
            every=bool(snaps),
            rows=declared(statements),
            owners=declared_owners.declared(statements),
            baseline=prof.baseline,
        )
        replayed = prefixes[-1].model
        desired = plan_against(replayed, statements, admin, target, _progress, profile=prof).desired
        changes = diff_models(replayed, desired)
        states = snapshot_states(desired, f"{project.schema_dir.name}/", [(p.version, p.model) for p in prefixes])
        verdicts = [judge_snapshot(path, states) for path in snaps]
        stale = stale_outputs(configured_outputs(project.root), statements, admin)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc)
    if changes:
        _err(
            f"check failed: {project.schema_dir.name}/ and {mdir.name}/ disagree: "
            f"replaying {plural(len(migrations), 'migration file')} does not give the state of the schema files. "
            f"To get there from the migrations, {plural(len(changes), 'change')} would remain:"
        )
        for change in changes:
            _err(f"  {change.action} {change.describe()}")
        _err(
            "Either the schema files were edited without writing a migration (run `schemakit plan --write`), "
            "or a migration file was edited by hand (restore it, and write a new migration instead)."
        )
        raise typer.Exit(EXIT_ERROR)
    for s in stale:
        _err(f"check failed: {s.output.label} is {s.reason}: regenerate it with `{s.output.command}`")
    failed = bool(stale)
    for v in verdicts:
        if v.state is not None and v.state.behind == 0:
            continue
        if v.state is not None:
            note = f"{v.path} holds the state of {v.state.label}, {plural(v.state.behind, 'migration file')} behind {project.schema_dir.name}/"
            if not strict_snapshots:
                _err(f"note: {note}; `schemakit plan --from-snapshot {v.path}` shows what deploying would change.")
                continue
            _err(f"check failed: {note} (--strict-snapshots).")
        else:
            _err(f"check failed: the snapshot {v.path} is stale: {v.problem}.")
            if v.differences:
                _err(f"  To reach the state of {project.schema_dir.name}/ from it, {plural(len(v.differences), 'change')} would remain:")
                for d in v.differences:
                    _err(f"    {d}")
            _err("  Either the snapshot is out of date, or its database was changed outside the migration files.")
        _err(f"  Refresh it from its database: `schemakit snapshot --db URL --out {v.path}` (or `schemakit apply --snapshot {v.path}`).")
        failed = True
    if failed:
        raise typer.Exit(EXIT_ERROR)
    typer.echo(
        f"OK: {plural(len(migrations), 'migration file')} in {mdir} give{'s' if len(migrations) == 1 else ''} the state of {project.schema_dir}"
        + (f"; {plural(len(verdicts), 'snapshot')} checked." if verdicts else ".")
    )


@app.command()
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
    allow_drop_all: AllowDropAll = False,
    sql: PlanSql = False,
    no_cache: NoCache = False,
) -> None:
    """Make the database match the schema files (or a saved plan), in one transaction (all or nothing);
    with --migrations, apply the pending migration files instead.

    New enum values commit first (the main transaction may use them); with --online, the steps marked '(outside the transaction)' run after it. A rehearsal on a shadow copy that does not reach the desired state refuses the plan with exit 3."""
    try:
        _allowed(allow_hazards)
    except UsageError as exc:
        _fail(exc)
    if migrations_dir_opt is not None and not migrations:
        _fail(SchemakitError("--migrations-dir only applies with --migrations"))
    if migrations and (online or rehearse):
        _fail(SchemakitError(
            "--online and --rehearse apply when planning from the schema files, not with --migrations",
            hint="to put online steps in migration files: `schemakit plan --write --online`",
        ))
    if migrations:
        _apply_migrations(plan_file, schema_dir, db, yes, allow_destructive, allow_hazards, lock_timeout, install_baseline, migrations_dir_opt, snapshot_file)
        return
    url: str | None = db
    the_plan: Plan | SavedPlan
    try:
        project = Project.find(schema_dir)
        saved = load_saved_plan(plan_file) if plan_file is not None else None
        statements = load_sources(project, _note) if saved is None else []
        target = resolve_target(project, db, _progress, needs_platform=files_need_supabase(statements))
        url = target.url
        with connect(target.url) as conn:
            if saved is not None:
                if online:
                    raise SchemakitError("--online applies when planning; a saved plan already says what runs online", hint="make the saved plan with `schemakit plan --online --format json --out PLAN.json`")
                the_plan = saved
                if sql and not saved.empty:
                    sys.stdout.write(saved.sql_script() + "\n")
                console.write_lines([(_saved_style(line), line) for line in saved.as_text().splitlines()], sys.stdout)
                hazards = [Hazard(h.name, gates=h.gates) for h in saved.hazards]
            else:
                renames = parse_enum_renames(rename_enum_value or [])
                announce(_progress, project.schema_dir, statements, f"{target.label} (PostgreSQL {conn.info.server_version // 10000})")
                planned = plan_target(conn, project, statements, target, shadow_url, install_baseline, _progress, renames, profile)
                the_plan = online_plan(planned.plan, planned.current) if online else planned.plan
                _progress.close()
                _show_plan(the_plan, sql=sql, rows=_row_counts(conn, planned), sql_first=True)
                hazards = the_plan.hazards
            if the_plan.empty:
                _refresh_snapshot(conn, snapshot_file)
                return
            if saved is None:
                refuse_drop_all(planned.plan, statements, allow_drop_all)
            refused = blocked(hazards, allow_destructive=allow_destructive, allow=_allowed(allow_hazards))
            _refuse("the plan has hazards that were not allowed", [(h, f"{h.name}: {h.message}") for h in refused])
            _confirm(yes, f"Apply {plural(len(the_plan.steps), 'change')} to {target.label}?")
            settings = ApplySettings(lock_timeout, statement_timeout, lock_retries)
            if rehearse if rehearse is not None else is_remote(target.url, target.embedded is not None):
                _rehearse(conn, the_plan, None if saved is not None else planned, project, target, shadow_url, settings)

            def show(i: int, n: int, step: Any) -> None:
                summary = str(getattr(step, "summary", ""))
                if _progress.live:
                    _progress.advance(i, n, summary)
                elif n >= 20 and i % max(1, n // 10) == 0:
                    _progress(f"applying {i + 1}/{n}: {summary} ...")

            _progress(f"applying {len(the_plan.steps)} change(s) to {target.label} ...")
            try:
                result = apply_plan(conn, the_plan, lock_timeout=lock_timeout, statement_timeout=statement_timeout, lock_retries=lock_retries, progress=show, notify=_progress)
            finally:
                _progress.close()
            if result.outcome is Outcome.APPLIED:
                typer.echo(f"\nApplied {plural(len(the_plan.steps), 'change')} ({plural(result.statements, 'statement')}) in {result.seconds:.2f}s.")
            else:
                typer.echo(f"\nNothing applied: the database is {result.outcome.value}.")
            _refresh_snapshot(conn, snapshot_file)
    except RehearsalError as exc:
        _err(redact_text(f"\nrefused: {exc.message}", url))
        if exc.leftover:
            _err(f"still to do after the plan ({plural(len(exc.leftover), 'change')}):")
            for change in exc.leftover:
                _err(f"  {change.action} {change.describe()}")
        if exc.hint:
            _err(f"hint: {exc.hint}")
        _err("nothing was changed.")
        raise typer.Exit(EXIT_REFUSED)
    except ApplyError as exc:
        _err(redact_text(f"\nerror: {exc.message}", url))
        if exc.statement:
            _err("failing statement:\n" + _indent(exc.statement))
        if exc.hint:
            _err(f"hint: {exc.hint}")
        if not exc.committed:
            _err("nothing was changed: the transaction was rolled back.")
        raise typer.Exit(EXIT_ERROR)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, url)


def _rehearse(
    conn: psycopg.Connection[Any],
    the_plan: Plan | SavedPlan,
    planned: Planned | None,
    project: Project,
    target: Target,
    shadow_url: Optional[str],
    settings: ApplySettings,
) -> None:
    """``apply --rehearse``: raise RehearsalError unless the plan reaches its desired state on a shadow."""
    _progress("rehearsing the plan on a shadow copy of the target's schema ...")
    admin = shadow_admin_url(project, target, shadow_url, progress=_progress)
    current = planned.current if planned is not None else read_current(conn)

    def desired() -> Model | None:
        if planned is not None:
            return planned.desired
        if not project.schema_dir.is_dir():
            return None
        model = plan_against(current, load_sources(project, _note), admin, target, profile=detect_profile(conn)).desired
        return model if model.fingerprint() == the_plan.desired_fingerprint else None

    rehearse_plan(the_plan, current, admin, baseline=has_supabase_platform(conn), desired=desired, settings=settings)
    _progress("rehearsal passed: the plan reaches the desired state on the shadow.")


def _refuse_platform_use(statements: Sequence[Any], profile: Profile, label: str) -> None:
    """Files that use auth/storage cannot be planned for a plain profile: a located error."""
    missing = platform_missing(statements, label) if profile is Profile.POSTGRES else None
    if missing is not None:
        raise missing


def _relative(path: Path) -> Path:
    """``path`` relative to the working directory when it is below it, for messages."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _refresh_snapshot(conn: psycopg.Connection[Any], path: Optional[Path]) -> None:
    """``apply --snapshot FILE``: write the database's snapshot after a successful apply, and say so."""
    if path is None:
        return
    if refresh_snapshot(path, read_current(conn), detect_profile(conn).value):
        typer.echo(f"Refreshed the snapshot {path}.")
    else:
        typer.echo(f"The snapshot {path} is up to date.")


def _say_adopted(adopted: Sequence[MigrationFile]) -> None:
    if adopted:
        typer.echo(
            f"Recorded the checksums of {plural(len(adopted), 'file')} the Supabase CLI applied: "
            + ", ".join(f.migration.name for f in adopted)
        )


def _allowed(allow_hazards: str) -> frozenset[str]:
    """``--allow-hazards NAME,...|all``; an unknown name is a usage error that lists the valid ones."""
    names = frozenset(h.strip().upper() if h.strip() != "all" else "all" for h in allow_hazards.split(",") if h.strip())
    unknown = sorted(n for n in names if n != "all" and n not in HAZARD_KINDS)
    if unknown:
        raise UsageError(
            f"--allow-hazards: unknown hazard {plural(len(unknown), 'name', with_count=False)} {', '.join(unknown)}",
            hint="valid names: " + ", ".join(sorted(HAZARD_KINDS)) + ", or all",
        )
    return names


def _apply_migrations(
    plan_file: Optional[Path],
    schema_dir: Optional[Path],
    db: Optional[str],
    yes: bool,
    allow_destructive: bool,
    allow_hazards: str,
    lock_timeout: str,
    install_baseline: bool,
    migrations_dir_opt: Optional[Path],
    snapshot_file: Optional[Path],
) -> None:
    """``apply --migrations``: the pending migration files, each in its own transaction."""
    url: str | None = db
    platform = True
    try:
        if plan_file is not None:
            raise SchemakitError("--migrations applies the migration files; a PLAN.json does not apply with it")
        project = Project.find(schema_dir)
        mdir = migrations_dir_opt or migrations_dir(project.root)
        files = list_migrations(mdir)
        target = resolve_target(project, db, _progress)
        url = target.url
        with connect(target.url) as conn:
            platform = has_supabase_platform(conn)
            st = migration_status(conn, files)
            refuse_inconsistent(st)
            typer.echo(f"{plural(len(files), 'migration file')} in {mdir}: {len(st.applied)} applied, {len(st.pending)} pending.")
            for f in st.pending:
                marks = " ".join(f"[{h.name}]" for h in file_hazards(f.text))
                typer.echo(f"  + {f.migration.name}" + (f"   {marks}" if marks else ""))
            if not st.pending:
                adopted = apply_migrations(conn, files, supabase_history=mdir.parent.name == "supabase").adopted
                _say_adopted(adopted)
                typer.echo("Nothing applied: no pending migrations.")
                _refresh_snapshot(conn, snapshot_file)
                return
            refused = [
                (f, h)
                for f in st.pending
                for h in blocked(file_hazards(f.text), allow_destructive=allow_destructive, allow=_allowed(allow_hazards))
            ]
            _refuse(
                "pending migration files have hazards that were not allowed",
                [(h, f"{f.migration.name}: {h.name}: {h.detail}") for f, h in refused],
            )
            _confirm(yes, f"Apply {plural(len(st.pending), 'migration file')} to {target.label}?")
            if install_baseline and not platform:
                # Only now, once confirmed and not refused: a refused apply writes nothing.
                _progress("installing the Supabase baseline ...")
                install_supabase_baseline(conn)
                platform = True
            result = apply_migrations(
                conn,
                files,
                supabase_history=mdir.parent.name == "supabase",
                lock_timeout=lock_timeout,
                progress=lambda f: _progress(f"applying {f.migration.name} ..."),
            )
            _say_adopted(result.adopted)
            typer.echo(f"\nApplied {plural(len(result.applied), 'migration file')} in {result.seconds:.2f}s.")
            _refresh_snapshot(conn, snapshot_file)
    except MigrationFailedError as exc:
        _err(redact_text(f"\nerror: {exc.message}", url))
        _err("failing statement:\n" + _indent(exc.statement))
        if exc.hint:
            _err(f"hint: {exc.hint}")
        if not platform:
            _err("hint: the database has no Supabase `auth`/`storage` schemas; for a local or test database, "
                 "pass --install-baseline to install schemakit's minimal Supabase baseline")
        raise typer.Exit(EXIT_ERROR)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, url)


@app.command()
def snapshot(
    db: DbUrl = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the snapshot to this file, e.g. snapshots/prod.json (default: standard output).", show_default=False)] = None,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    """Write the canonical model of a database as JSON: sorted, no OIDs, timestamps or passwords."""
    url: str | None = db
    try:
        target = resolve_target(Project.find(), db, _progress)
        url = target.url
        with connect(target.url) as conn:
            model = read_current(conn)
            prof = detect_profile(conn)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, url)
    _emit(dump_snapshot(model, prof.value), out)


@app.command()
def diff(
    url_a: Annotated[str, typer.Argument(metavar="URL_A", help="The database to change.", show_default=False)],
    url_b: Annotated[str, typer.Argument(metavar="URL_B", help="The database it should become like.", show_default=False)],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.sql,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the output to this file.")] = None,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    """Print the changes that turn database A into database B (like migra). Nothing is changed."""
    url: str | None = url_a
    try:
        with connect(url_a, given_by="URL_A") as conn_a:
            url = url_b
            with connect(url_b, given_by="URL_B") as conn_b, in_background(lambda: read_fingerprinted(conn_b)) as reading_b:
                url = url_a
                current = read_current(conn_a)  # while B is read
                url = url_b
                desired = reading_b.result()
            url = url_a
            the_plan = plan_models(current, desired, row_probe(conn_a))
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, url)
    _emit(render_chunks(the_plan, format.value), out)


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
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour or progress bars (as NO_COLOR=1, or output to a pipe).")] = False,
) -> None:
    if no_color:
        console.disable_color()


def main() -> None:
    from schemakit.entry import main as entry_main

    entry_main()
