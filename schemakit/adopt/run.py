"""``schemakit import`` end to end: read the source, write the files, check that they
load with schemakit's loader and give the imported state back, and (``applied_on``)
record the imported migration files as applied on a database that holds that state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from schemakit import owners as declared_owners
from schemakit.adopt.history import RowWrite
from schemakit.adopt.importer import Imported, default_migrations_dir, import_database, import_migrations, import_snapshot
from schemakit.adopt.layout import Layout
from schemakit.adopt.writer import Written, write_files
from schemakit.connect import connect
from schemakit.desired import desired_state
from schemakit.diff import diff_models
from schemakit.errors import SchemakitError
from schemakit.migrate import mark_applied
from schemakit.platform import adopt_platform
from schemakit.profile import Profile
from schemakit.rows import declared
from schemakit.model import Model
from schemakit.source import SourceStatement, load_schema_dir
from schemakit.workflow import Project, Target, plan_models, read_current, shadow_admin_url
from schemakit.options import plural

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ImportRequest:
    root: Path
    migrations_dir: Path | None = None
    db: str | None = None
    snapshot: Path | None = None
    out: Path | None = None
    layout: Layout = Layout.by_table
    shadow_url: str | None = None
    profile: Profile | None = None
    force: bool = False
    applied_on: str | None = None


@dataclass(frozen=True)
class ImportReport:
    source: str
    out: Path
    written: Written
    profile: Profile
    objects: int
    statements_replayed: int
    migrations: int
    reference_tables: tuple[str, ...]
    data_history: tuple[RowWrite, ...]
    differences: tuple[str, ...]  # what re-planning the written files would still change (empty: none)
    recorded: tuple[str, ...]  # migration files recorded as applied (applied_on)
    notes: tuple[str, ...] = ()  # statements of the history not replayed, and why


def default_out(root: Path) -> Path:
    """``supabase/schemas`` where ``supabase/`` exists, else ``schema``."""
    return root / "supabase" / "schemas" if (root / "supabase").is_dir() else root / "schema"


def _source(req: ImportRequest) -> str:
    given = [n for n, v in (("MIGRATIONS_DIR", req.migrations_dir), ("--db", req.db), ("--from-snapshot", req.snapshot)) if v]
    if len(given) > 1:
        raise SchemakitError(f"{' and '.join(given)} exclude each other: import reads one source")
    return given[0] if given else "MIGRATIONS_DIR"


def _existing(out: Path, force: bool) -> list[Path]:
    """The ``.sql`` files already in ``out``: refused without ``force``, else replaced
    (removed once the source has been read)."""
    existing = sorted(out.glob("*.sql")) if out.is_dir() else []
    if existing and not force:
        raise SchemakitError(
            f"{out} already holds {plural(len(existing), '.sql file')} ({existing[0].name}, ...)",
            hint="pass --out with an empty folder, or --force to replace them",
        )
    return existing


def read_source(req: ImportRequest, progress: Progress) -> tuple[Imported, str]:
    """The imported state, and the shadow server's admin URL."""
    kind = _source(req)
    project = Project(root=req.root, schema_dir=req.out or default_out(req.root))
    if kind == "--db":
        assert req.db is not None
        with connect(req.db) as conn:
            admin = shadow_admin_url(project, Target(url=req.db, label="the source database"), req.shadow_url, conn, req.profile, progress)
        progress("reading the source database's catalog ...")
        return import_database(req.db, admin, req.profile), admin
    admin = shadow_admin_url(project, Target(url="", label="import"), req.shadow_url, progress=progress)
    if kind == "--from-snapshot":
        assert req.snapshot is not None
        return import_snapshot(req.snapshot, admin, req.profile), admin
    directory = req.migrations_dir or default_migrations_dir(req.root)
    progress(f"replaying the migration files of {directory} on a shadow database, as psql runs them ...")
    return import_migrations(directory, admin, req.profile), admin


def run_import(req: ImportRequest, progress: Progress = lambda _: None) -> ImportReport:
    out = req.out or default_out(req.root)
    if req.applied_on is not None and _source(req) != "MIGRATIONS_DIR":
        raise SchemakitError("--applied-on records migration files as applied: it goes with a migrations folder")
    replaced = _existing(out, req.force)
    imported, admin = read_source(req, progress)
    for path in replaced:
        path.unlink()
    written = write_files(imported, out, req.layout)
    progress(f"wrote {len(written.files)} files to {out}; loading them back ...")
    statements = load_schema_dir(out)
    state = desired_state(statements, admin, baseline=imported.profile.baseline)
    reloaded = adopt_platform(imported.model, state.model)
    differences = tuple(f"{c.action} {c.describe()}" for c in diff_models(imported.model, reloaded))
    recorded: tuple[str, ...] = ()
    if req.applied_on is not None:
        recorded = _record_applied(req.applied_on, imported, statements, state.model)
    return ImportReport(
        source=imported.source,
        out=out,
        written=written,
        profile=imported.profile,
        objects=len(imported.model.objects),
        statements_replayed=imported.statements,
        migrations=len(imported.migrations),
        reference_tables=imported.reference_tables,
        data_history=imported.data_history,
        differences=differences,
        recorded=recorded,
        notes=imported.notes,
    )


def _record_applied(url: str, imported: Imported, statements: Sequence[SourceStatement], desired: Model) -> tuple[str, ...]:
    """Record the imported migration files as applied on ``url``, once it is shown to hold
    the imported state (a plan from it to the written files is empty)."""
    if not imported.migrations:
        raise SchemakitError("--applied-on records migration files as applied: import a migrations folder")
    with connect(url) as conn:
        current = read_current(conn, rows=declared(statements), owners=declared_owners.declared(statements))
        plan = plan_models(current, desired)
        if not plan.empty:
            listed = "; ".join(s.summary for s in plan.steps[:5])
            raise SchemakitError(
                f"refused: the database given to --applied-on is not in the imported state "
                f"({plural(len(plan.steps), 'change')} would remain: {listed})",
                hint="record the files only on a database the migrations were applied to",
            )
        supabase = imported.migrations[0].path.parent.parent.name == "supabase"
        done = mark_applied(conn, imported.migrations, supabase_history=supabase)
    return tuple(f.migration.name for f in done)
