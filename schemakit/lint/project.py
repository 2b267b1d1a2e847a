"""``schemakit lint`` end to end: which model (the files' through a shadow, a live
database's, a snapshot's), which plan, and the report. Nothing here prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemakit.connect import connect
from schemakit.errors import SchemakitError
from schemakit.lint import lint
from schemakit.lint.findings import Finding, LintReport
from schemakit.lint.live import live_findings
from schemakit.lint.plan_rules import plan_findings
from schemakit.model import Model
from schemakit.profile import Profile, files_need_supabase
from schemakit.snapshot import load_snapshot, snapshot_profile
from schemakit.source import SourceError, SourceStatement
from schemakit.workflow import (
    Progress,
    Project,
    Target,
    load_desired,
    load_sources,
    plan_against,
    plan_target,
    read_current,
    resolve_target,
    shadow_admin_url,
)


@dataclass(frozen=True)
class LintRequest:
    """What to lint: the files (default), ``db``'s live model or a snapshot's; with
    ``plan``, also the plan from that target (the local server by default) to the files."""

    db: str | None = None
    snapshot: Path | None = None
    plan: bool = False
    shadow_url: str | None = None
    profile: Profile | None = None
    ignore: frozenset[str] = frozenset()


def _statements(project: Project, required: bool, notice: Progress | None) -> list[SourceStatement]:
    """The schema files' statements: required to lint the files or a plan; otherwise
    only to locate findings (no files, or files that do not load: no locations)."""
    if required:
        return load_sources(project, notice)
    try:
        return load_sources(project) if project.schema_dir.is_dir() else []
    except (SourceError, SchemakitError):
        return []


def _files_model(project: Project, statements: list[SourceStatement], req: LintRequest, progress: Progress | None) -> Model:
    profile = req.profile or (Profile.SUPABASE if files_need_supabase(statements) else Profile.POSTGRES)
    admin = shadow_admin_url(project, Target(url="", label="shadow"), req.shadow_url, progress=progress)
    return load_desired(statements, admin, progress, profile).model


def _planned(
    project: Project, statements: list[SourceStatement], req: LintRequest, progress: Progress | None
) -> tuple[Model, list[Finding]]:
    """The desired model and the plan's findings, planned against the target."""
    if req.snapshot is not None:
        target = Target(url="", label=f"snapshot {req.snapshot}")
        profile = req.profile or snapshot_profile(req.snapshot)
        admin = shadow_admin_url(project, target, req.shadow_url, progress=progress)
        planned = plan_against(load_snapshot(req.snapshot), statements, admin, target, progress, profile=profile)
    else:
        target = resolve_target(project, req.db, progress, needs_platform=files_need_supabase(statements))
        with connect(target.url) as conn:
            planned = plan_target(conn, project, statements, target, req.shadow_url, False, progress, None, req.profile)
    return planned.desired, plan_findings(planned.plan)


def lint_project(project: Project, req: LintRequest, progress: Progress | None = None) -> LintReport:
    if req.db is not None and req.snapshot is not None:
        raise SchemakitError("--db and --from-snapshot exclude each other: lint one model")
    from_files = req.plan or (req.db is None and req.snapshot is None)
    statements = _statements(project, from_files, progress)
    extra: list[Finding] = []
    if req.plan:
        model, extra = _planned(project, statements, req, progress)
    elif req.snapshot is not None:
        model = load_snapshot(req.snapshot)
    elif req.db is not None:
        with connect(req.db) as conn:
            model = read_current(conn, progress)
            extra = live_findings(conn)
    else:
        model = _files_model(project, statements, req, progress)
    return lint(model, statements, ignore=req.ignore, extra=extra)
