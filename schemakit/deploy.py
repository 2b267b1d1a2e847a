"""What `apply` does, end to end: plan from the schema files (or take a saved plan),
show it, refuse what is not allowed, ask, rehearse, apply, refresh a snapshot; with
``--migrations``, the pending migration files instead.

``apply_project`` returns a frozen report; the command line prints it. What must be
seen before the question (the plan, the pending files) goes through ``Hooks``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg

from schemakit.apply import Outcome, apply_plan
from schemakit.apply import Settings as ApplySettings
from schemakit.connect import connect
from schemakit.errors import HazardsRefused, NotConfirmed, SchemakitError, UsageError
from schemakit.hazards import KINDS as HAZARD_KINDS
from schemakit.hazards import Hazard, blocked
from schemakit.migrate import MigrationFailedError, apply_migrations, file_hazards, refuse_inconsistent
from schemakit.migrate import status as migration_status
from schemakit.migrations import list_migrations, migrations_dir
from schemakit.model import Model
from schemakit.online import online_plan
from schemakit.options import announce, plural, refuse_drop_all
from schemakit.plan import Plan
from schemakit.profile import Profile, detect_profile, files_need_supabase
from schemakit.render.formats import RowCounts
from schemakit.rehearse import is_remote
from schemakit.rehearse import rehearse as rehearse_plan
from schemakit.saved import SavedPlan, load_saved_plan
from schemakit.server.baseline import has_supabase_platform
from schemakit.server.baseline import install_baseline as install_supabase_baseline
from schemakit.snapshot import refresh_snapshot
from schemakit.workflow import (
    Planned,
    Project,
    Target,
    counted,
    hazard_row_counts,
    load_sources,
    parse_enum_renames,
    plan_against,
    plan_target,
    read_current,
    resolve_target,
    shadow_admin_url,
)


class Reporter(Protocol):
    """Progress lines, and a live bar while ``live`` (``schemakit.cli.console.Reporter``)."""

    def __call__(self, text: str) -> None: ...

    @property
    def live(self) -> bool: ...

    def advance(self, done: int, total: int, current: str) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Hooks:
    """What the command line gives ``apply_project``: ``progress`` and ``note`` lines;
    ``show_plan(plan, rows)`` before the question; ``say(line)`` for what is said as it
    happens (the pending files, what was applied: before a snapshot refresh that may
    fail); ``ask(question)`` the prompt (None: there is no terminal to ask on)."""

    progress: Reporter
    note: Callable[[str], None]
    show_plan: Callable[[Plan | SavedPlan, RowCounts | None], None]
    say: Callable[[str], None]
    ask: Callable[[str], bool] | None


@dataclass(frozen=True)
class ApplyRequest:
    plan_file: Path | None = None
    schema_dir: Path | None = None
    db: str | None = None
    yes: bool = False
    allow_destructive: bool = False
    allow_hazards: str = ""
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    lock_retries: int = 2
    online: bool = False
    rehearse: bool | None = None
    shadow_url: str | None = None
    install_baseline: bool = False
    migrations: bool = False
    migrations_dir: Path | None = None
    snapshot_file: Path | None = None
    renames: tuple[str, ...] = ()
    profile: Profile | None = None
    allow_drop_all: bool = False


@dataclass(frozen=True)
class SnapshotRefresh:
    path: Path
    refreshed: bool  # False: it was up to date


@dataclass(frozen=True)
class AppliedPlan:
    """An apply from the schema files or a saved plan: ``outcome`` None when the plan
    was empty (nothing to ask or do)."""

    steps: int
    outcome: Outcome | None
    statements: int = 0
    seconds: float = 0.0
    snapshot: SnapshotRefresh | None = None


@dataclass(frozen=True)
class AppliedMigrations:
    """``apply --migrations``: ``adopted`` names the files whose checksums were recorded
    (the Supabase CLI applied them); ``applied`` None when none was pending."""

    adopted: tuple[str, ...]
    applied: int | None
    seconds: float = 0.0
    snapshot: SnapshotRefresh | None = None


def allowed_hazards(allow_hazards: str) -> frozenset[str]:
    """``--allow-hazards NAME,...|all``; an unknown name is a usage error that lists the valid ones."""
    names = frozenset(h.strip().upper() if h.strip() != "all" else "all" for h in allow_hazards.split(",") if h.strip())
    unknown = sorted(n for n in names if n != "all" and n not in HAZARD_KINDS)
    if unknown:
        raise UsageError(
            f"--allow-hazards: unknown hazard {plural(len(unknown), 'name', with_count=False)} {', '.join(unknown)}",
            hint="valid names: " + ", ".join(sorted(HAZARD_KINDS)) + ", or all",
        )
    return names


def apply_project(request: ApplyRequest, hooks: Hooks) -> AppliedPlan | AppliedMigrations:
    """``schemakit apply``: the options checked first, then the plan or the migration files."""
    allowed_hazards(request.allow_hazards)
    if request.migrations_dir is not None and not request.migrations:
        raise SchemakitError("--migrations-dir only applies with --migrations")
    if request.migrations and (request.online or request.rehearse):
        raise SchemakitError(
            "--online and --rehearse apply when planning from the schema files, not with --migrations",
            hint="to put online steps in migration files: `schemakit plan --write --online`",
        )
    if request.migrations:
        return _apply_migrations(request, hooks)
    return _apply_plan(request, hooks)


def _confirm(request: ApplyRequest, hooks: Hooks, question: str) -> None:
    """Go on with --yes or a confirmed prompt; without a terminal, --yes is required."""
    if request.yes:
        return
    if hooks.ask is None:
        raise NotConfirmed("\nnot applied: pass --yes to apply from a script or CI (no terminal to confirm on).")
    if not hooks.ask(f"\n{question}"):
        raise NotConfirmed("not applied.")


def _refresh(conn: psycopg.Connection[Any], path: Path | None) -> SnapshotRefresh | None:
    """``apply --snapshot FILE``: the database's snapshot, written after a successful apply."""
    if path is None:
        return None
    return SnapshotRefresh(path, refresh_snapshot(path, read_current(conn), detect_profile(conn).value))


def _apply_plan(request: ApplyRequest, hooks: Hooks) -> AppliedPlan:
    """Plan from the schema files (or load the saved plan), show it, gate it, apply it."""
    project = Project.find(request.schema_dir)
    saved = load_saved_plan(request.plan_file) if request.plan_file is not None else None
    statements = load_sources(project, hooks.note) if saved is None else []
    target = resolve_target(project, request.db, hooks.progress, needs_platform=files_need_supabase(statements))
    the_plan: Plan | SavedPlan
    with connect(target.url) as conn:
        planned: Planned | None = None
        if saved is not None:
            if request.online:
                raise SchemakitError(
                    "--online applies when planning; a saved plan already says what runs online",
                    hint="make the saved plan with `schemakit plan --online --format json --out PLAN.json`",
                )
            the_plan = saved
            hooks.show_plan(saved, None)
            hazards = [Hazard(h.name, gates=h.gates) for h in saved.hazards]
        else:
            renames = parse_enum_renames(request.renames)
            announce(hooks.progress, project.schema_dir, statements, f"{target.label} (PostgreSQL {conn.info.server_version // 10000})")
            planned = plan_target(
                conn, project, statements, target, request.shadow_url, request.install_baseline,
                hooks.progress, renames, request.profile,
            )
            the_plan = online_plan(planned.plan, planned.current) if request.online else planned.plan
            hooks.progress.close()
            hooks.show_plan(the_plan, hazard_row_counts(conn, planned))
            hazards = the_plan.hazards
        if the_plan.empty:
            return AppliedPlan(0, None, snapshot=_refresh(conn, request.snapshot_file))
        if planned is not None:
            refuse_drop_all(planned.plan, statements, request.allow_drop_all)
        allow = allowed_hazards(request.allow_hazards)
        refused = blocked(hazards, allow_destructive=request.allow_destructive, allow=allow)
        if refused:
            raise HazardsRefused(
                "the plan has hazards that were not allowed", [(h.name, h.kind.explanation, h.detail) for h in refused]
            )
        _confirm(request, hooks, f"Apply {plural(len(the_plan.steps), 'change')} to {target.label}?")
        settings = ApplySettings(request.lock_timeout, request.statement_timeout, request.lock_retries)
        if request.rehearse if request.rehearse is not None else is_remote(target.url, target.embedded is not None):
            _rehearse(conn, the_plan, planned, project, target, request.shadow_url, settings, hooks)
        return _run_plan(conn, the_plan, request, target, hooks)


def _run_plan(
    conn: psycopg.Connection[Any], the_plan: Plan | SavedPlan, request: ApplyRequest, target: Target, hooks: Hooks
) -> AppliedPlan:
    """Apply the (confirmed) plan, with a live bar or a line now and then for a long one."""
    progress = hooks.progress
    advance = counted(progress)

    def show(i: int, n: int, step: Any) -> None:
        summary = str(getattr(step, "summary", ""))
        if advance is not None:
            advance(i, n, summary)
        elif n >= 20 and i % max(1, n // 10) == 0:
            progress(f"applying {i + 1}/{n}: {summary} ...")

    progress(f"applying {plural(len(the_plan.steps), 'change')} to {target.label} ...")
    try:
        result = apply_plan(
            conn, the_plan, lock_timeout=request.lock_timeout, statement_timeout=request.statement_timeout,
            lock_retries=request.lock_retries, progress=show, notify=progress,
        )
    finally:
        progress.close()
    n = len(the_plan.steps)
    if result.outcome is Outcome.APPLIED:
        hooks.say(f"\nApplied {plural(n, 'change')} ({plural(result.statements, 'statement')}) in {result.seconds:.2f}s.")
    else:
        hooks.say(f"\nNothing applied: the database is {result.outcome.value}.")
    snapshot = _refresh(conn, request.snapshot_file)  # after saying what was applied: it may fail
    return AppliedPlan(n, result.outcome, result.statements, result.seconds, snapshot)


def _rehearse(
    conn: psycopg.Connection[Any],
    the_plan: Plan | SavedPlan,
    planned: Planned | None,
    project: Project,
    target: Target,
    shadow_url: str | None,
    settings: ApplySettings,
    hooks: Hooks,
) -> None:
    """``apply --rehearse``: raise RehearsalError unless the plan reaches its desired state on a shadow."""
    hooks.progress("rehearsing the plan on a shadow copy of the target's schema ...")
    admin = shadow_admin_url(project, target, shadow_url, progress=hooks.progress)
    current = planned.current if planned is not None else read_current(conn)

    def desired() -> Model | None:
        if planned is not None:
            return planned.desired
        if not project.schema_dir.is_dir():
            return None
        model = plan_against(current, load_sources(project, hooks.note), admin, target, profile=detect_profile(conn)).desired
        return model if model.fingerprint() == the_plan.desired_fingerprint else None

    rehearse_plan(the_plan, current, admin, baseline=has_supabase_platform(conn), desired=desired, settings=settings)
    hooks.progress("rehearsal passed: the plan reaches the desired state on the shadow.")


def _say_adopted(hooks: Hooks, adopted: Sequence[Any]) -> tuple[str, ...]:
    """Say which files' checksums were recorded (the Supabase CLI applied them); their names."""
    names = tuple(f.migration.name for f in adopted)
    if names:
        hooks.say(f"Recorded the checksums of {plural(len(names), 'file')} the Supabase CLI applied: " + ", ".join(names))
    return names


def _apply_migrations(request: ApplyRequest, hooks: Hooks) -> AppliedMigrations:
    """``apply --migrations``: the pending migration files, each in its own transaction."""
    if request.plan_file is not None:
        raise SchemakitError("--migrations applies the migration files; a PLAN.json does not apply with it")
    project = Project.find(request.schema_dir)
    mdir = request.migrations_dir or migrations_dir(project.root)
    files = list_migrations(mdir)
    target = resolve_target(project, request.db, hooks.progress)
    supabase_history = mdir.parent.name == "supabase"
    with connect(target.url) as conn:
        platform = has_supabase_platform(conn)
        st = migration_status(conn, files)
        refuse_inconsistent(st)
        hooks.say(f"{plural(len(files), 'migration file')} in {mdir}: {len(st.applied)} applied, {len(st.pending)} pending.")
        for f in st.pending:
            marks = " ".join(f"[{h.name}]" for h in file_hazards(f.text))
            hooks.say(f"  + {f.migration.name}" + (f"   {marks}" if marks else ""))
        if not st.pending:
            adopted = _say_adopted(hooks, apply_migrations(conn, files, supabase_history=supabase_history).adopted)
            hooks.say("Nothing applied: no pending migrations.")
            return AppliedMigrations(adopted, None, snapshot=_refresh(conn, request.snapshot_file))
        allow = allowed_hazards(request.allow_hazards)
        refused = [
            (h.name, "", f"{f.migration.name}" + (f": {h.detail}" if h.detail else ""))  # the detail explains
            for f in st.pending
            for h in blocked(file_hazards(f.text), allow_destructive=request.allow_destructive, allow=allow)
        ]
        if refused:
            raise HazardsRefused("pending migration files have hazards that were not allowed", refused)
        _confirm(request, hooks, f"Apply {plural(len(st.pending), 'migration file')} to {target.label}?")
        if request.install_baseline and not platform:
            # Only now, once confirmed and not refused: a refused apply writes nothing.
            hooks.progress("installing the Supabase baseline ...")
            install_supabase_baseline(conn)
            platform = True
        try:
            result = apply_migrations(
                conn,
                files,
                supabase_history=supabase_history,
                lock_timeout=request.lock_timeout,
                progress=lambda f: hooks.progress(f"applying {f.migration.name} ..."),
            )
        except MigrationFailedError as exc:
            exc.without_platform = not platform  # its message suggests --install-baseline
            raise
        adopted = _say_adopted(hooks, result.adopted)
        hooks.say(f"\nApplied {plural(len(result.applied), 'migration file')} in {result.seconds:.2f}s.")
        snapshot = _refresh(conn, request.snapshot_file)  # after saying what was applied: it may fail
        return AppliedMigrations(adopted, len(result.applied), result.seconds, snapshot)
