"""What `plan` and `check` compute, end to end: a plan against a live target, a snapshot
or the migration files (``plan --write`` writes it as a migration file), and the CI
gate that replays the migration files and judges the snapshots and generated types.

Each entry point (``plan_project``, ``check_project``) returns a frozen report; the
command line prints it. Nothing here prints but through the ``progress`` and ``note``
callbacks it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from schemakit import owners as declared_owners
from schemakit.connect import connect
from schemakit.diff import diff_models
from schemakit.lint import Finding, lint
from schemakit.lint.plan_rules import plan_findings
from schemakit.migrations import (
    default_slug,
    list_migrations,
    migrations_dir,
    outside_transaction,
    replayed_model,
    replayed_states,
    write_migrations,
)
from schemakit.online import online_plan
from schemakit.options import announce, drops_everything, plural
from schemakit.plan import Plan
from schemakit.profile import Profile, files_need_supabase, platform_missing
from schemakit.render.formats import RowCounts
from schemakit.errors import SchemakitError
from schemakit.rows import declared
from schemakit.snapshot import Verdict, judge_snapshot, load_snapshot, snapshot_files, snapshot_profile, snapshot_states
from schemakit.source import SourceStatement
from schemakit.workflow import (
    Planned,
    Progress,
    Project,
    Target,
    hazard_row_counts,
    load_sources,
    parse_enum_renames,
    plan_against,
    plan_target,
    resolve_target,
    shadow_admin_url,
)


def _quiet(text: str) -> None:
    """A callback that hears nothing (no progress asked for)."""


@dataclass(frozen=True)
class PlanRequest:
    """What `plan` was asked: the schema folder, and against what (a live target by
    default, ``from_snapshot``, or with ``write`` the migration files)."""

    schema_dir: Path | None = None
    db: str | None = None
    shadow_url: str | None = None
    install_baseline: bool = False
    from_snapshot: Path | None = None
    write: bool = False
    name: str | None = None
    migrations_dir: Path | None = None
    online: bool = False
    renames: tuple[str, ...] = ()
    profile: Profile | None = None


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    outside_transaction: bool  # the file runs outside a transaction


@dataclass(frozen=True)
class PlanReport:
    """A plan and what goes with it: ``shown`` is the plan to print (with ``online``, its
    online paths); ``rows`` the row counts of the tables its hazards touch (a live target
    only); ``written`` the migration files ``--write`` wrote."""

    planned: Planned
    shown: Plan
    rows: RowCounts | None
    drops_everything: bool
    write: bool
    written: tuple[WrittenFile, ...] = ()
    findings: tuple[Finding, ...] = ()  # the migration-safety lint of ``shown``

    @property
    def changes_pending(self) -> bool:
        return not self.planned.plan.empty


def refuse_platform_use(statements: Sequence[SourceStatement], profile: Profile, label: str) -> None:
    """Files that use auth/storage cannot be planned for a plain profile: a located error."""
    missing = platform_missing(statements, label) if profile is Profile.POSTGRES else None
    if missing is not None:
        raise missing


def plan_project(request: PlanRequest, progress: Progress = _quiet, note: Progress = _quiet) -> PlanReport:
    """``schemakit plan``: the plan from the target (a database, a snapshot, or the
    migration files replayed on a shadow) to the schema files."""
    renames = parse_enum_renames(request.renames)
    project = Project.find(request.schema_dir)
    statements = load_sources(project, note)
    if request.name is not None and not request.write:
        raise SchemakitError("--name only applies with --write")
    rows: RowCounts | None = None
    if request.write:
        return _plan_write(request, project, statements, renames, progress)
    if request.from_snapshot is not None:
        if request.db is not None:
            raise SchemakitError("--from-snapshot and --db exclude each other: the snapshot is the current state")
        current = load_snapshot(request.from_snapshot)
        target = Target(url="", label=f"snapshot {request.from_snapshot}")
        prof = request.profile or snapshot_profile(request.from_snapshot)
        refuse_platform_use(statements, prof, target.label)
        admin = shadow_admin_url(project, target, request.shadow_url, progress=progress)
        planned = plan_against(current, statements, admin, target, progress, renames=renames, profile=prof)
    else:
        target = resolve_target(project, request.db, progress, needs_platform=files_need_supabase(statements))
        with connect(target.url) as conn:
            against = f"{target.label} (PostgreSQL {conn.info.server_version // 10000})"
            announce(progress, project.schema_dir, statements, against)
            planned = plan_target(
                conn, project, statements, target, request.shadow_url, request.install_baseline,
                progress, renames, request.profile, quick=True,
            )
            rows = hazard_row_counts(conn, planned)
    shown = online_plan(planned.plan, planned.current) if request.online else planned.plan
    return PlanReport(
        planned, shown, rows, drops_everything(planned.plan, statements), write=False,
        findings=plan_lint(shown, statements),
    )


def _plan_write(
    request: PlanRequest,
    project: Project,
    statements: Sequence[SourceStatement],
    renames: dict[str, dict[str, str]],
    progress: Progress,
) -> PlanReport:
    """``plan --write``: from the migration files, replayed on a shadow, to the schema
    files; the plan (with ``online``, its online paths) is written as a new migration file."""
    if request.db is not None or request.from_snapshot is not None:
        raise SchemakitError(
            "--write plans from the existing migration files to the schema files; "
            "--db and --from-snapshot do not apply"
        )
    mdir = request.migrations_dir or migrations_dir(project.root)
    migrations = list_migrations(mdir)
    target = Target(url="", label=f"migrations in {mdir}")
    admin = shadow_admin_url(project, target, request.shadow_url, progress=progress)
    progress(f"replaying {plural(len(migrations), 'migration file')} from {mdir} on a shadow database ...")
    prof = request.profile or Profile.SUPABASE
    refuse_platform_use(statements, prof, target.label)
    current = replayed_model(
        migrations, admin, rows=declared(statements), owners=declared_owners.declared(statements), baseline=prof.baseline
    )
    planned = plan_against(current, statements, admin, target, progress, renames=renames, profile=prof)
    shown = online_plan(planned.plan, planned.current) if request.online else planned.plan
    written: list[WrittenFile] = []
    if not planned.plan.empty:
        slug = request.name or default_slug([s.summary for s in planned.plan.steps])
        paths = write_migrations(mdir, shown, slug)
        written = [WrittenFile(p, outside_transaction(p.read_text())) for p in paths]
    return PlanReport(
        planned, shown, None, drops_everything(planned.plan, statements), True, tuple(written),
        plan_lint(shown, statements),
    )


def plan_lint(plan: Plan, statements: Sequence[SourceStatement]) -> tuple[Finding, ...]:
    """The plan's migration-safety findings (squawk's class), located in the files and
    filtered by their suppression comments."""
    return tuple(lint(None, statements, extra=plan_findings(plan)).findings)


# -- check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRequest:
    schema_dir: Path | None = None
    migrations_dir: Path | None = None
    shadow_url: str | None = None
    snapshots_dir: Path | None = None
    strict_snapshots: bool = False
    profile: Profile | None = None


@dataclass(frozen=True)
class CheckReport:
    """The CI gate's verdict: ``messages`` for standard error, in order (failures and
    notes), ``failed``, and ``summary``, the line said when it passed."""

    messages: tuple[str, ...]
    failed: bool
    summary: str

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _relative(path: Path) -> Path:
    """``path`` relative to the working directory when it is below it, for messages."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def check_project(request: CheckRequest, progress: Progress = _quiet, note: Progress = _quiet) -> CheckReport:
    """``schemakit check``: replaying the migration files must give the schema files'
    state; each snapshot must hold that state or a migration's; generated types must be
    fresh. Both sides are loaded into empty shadow databases; no target is used."""
    project = Project.find(request.schema_dir)
    statements = load_sources(project, note)
    mdir = request.migrations_dir or migrations_dir(project.root)
    migrations = list_migrations(mdir)
    target = Target(url="", label="shadow")
    admin = shadow_admin_url(project, target, request.shadow_url, progress=progress)
    progress(f"replaying {plural(len(migrations), 'migration file')} from {mdir} on a shadow database ...")
    snaps = [_relative(p) for p in snapshot_files(request.snapshots_dir or project.root / "snapshots")]
    prof = request.profile or Profile.SUPABASE
    refuse_platform_use(statements, prof, "a plain shadow")
    prefixes = replayed_states(
        migrations,
        admin,
        every=bool(snaps),
        rows=declared(statements),
        owners=declared_owners.declared(statements),
        baseline=prof.baseline,
    )
    replayed = prefixes[-1].model
    desired = plan_against(replayed, statements, admin, target, progress, profile=prof).desired
    changes = diff_models(replayed, desired)
    states = snapshot_states(desired, f"{project.schema_dir.name}/", [(p.version, p.model) for p in prefixes])
    verdicts = [judge_snapshot(path, states) for path in snaps]
    from schemakit.typegen import configured_outputs, stale_outputs  # check's own: not at every plan's start

    stale = stale_outputs(configured_outputs(project.root), statements, admin)
    folder = project.schema_dir.name
    if changes:
        return CheckReport(
            (
                f"check failed: {folder}/ and {mdir.name}/ disagree: "
                f"replaying {plural(len(migrations), 'migration file')} does not give the state of the schema files. "
                f"To get there from the migrations, {plural(len(changes), 'change')} would remain:",
                *(f"  {change.action} {change.describe()}" for change in changes),
                "Either the schema files were edited without writing a migration (run `schemakit plan --write`), "
                "or a migration file was edited by hand (restore it, and write a new migration instead).",
            ),
            True,
            "",
        )
    messages = [f"check failed: {s.output.label} is {s.reason}: regenerate it with `{s.output.command}`" for s in stale]
    failed = bool(stale)
    for v in verdicts:
        said, failing = _snapshot_messages(v, folder, request.strict_snapshots)
        messages += said
        failed = failed or failing
    summary = (
        f"OK: {plural(len(migrations), 'migration file')} in {mdir} give{'s' if len(migrations) == 1 else ''} "
        f"the state of {project.schema_dir}" + (f"; {plural(len(verdicts), 'snapshot')} checked." if verdicts else ".")
    )
    return CheckReport(tuple(messages), failed, summary)


def _snapshot_messages(v: Verdict, folder: str, strict: bool) -> tuple[list[str], bool]:
    """What ``check`` says of one snapshot's verdict, and whether it fails the check."""
    if v.state is not None and v.state.behind == 0:
        return [], False
    out: list[str] = []
    if v.state is not None:
        said = (
            f"{v.path} holds the state of {v.state.label}, "
            f"{plural(v.state.behind, 'migration file')} behind {folder}/"
        )
        if not strict:
            return [f"note: {said}; `schemakit plan --from-snapshot {v.path}` shows what deploying would change."], False
        out.append(f"check failed: {said} (--strict-snapshots).")
    else:
        out.append(f"check failed: the snapshot {v.path} is stale: {v.problem}.")
        if v.differences:
            out.append(f"  To reach the state of {folder}/ from it, {plural(len(v.differences), 'change')} would remain:")
            out += [f"    {d}" for d in v.differences]
        out.append("  Either the snapshot is out of date, or its database was changed outside the migration files.")
    out.append(
        f"  Refresh it from its database: `schemakit snapshot --db URL --out {v.path}` "
        f"(or `schemakit apply --snapshot {v.path}`)."
    )
    return out, True
