"""The pipeline, end to end, as the commands use it.

source → (shadow) → Model(desired) ← catalog ← target; diff → plan.
Nothing here renders or prints: the CLI does that.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

import psycopg
from psycopg import sql

from schemakit import cache, keptshadow
from schemakit.catalog import memo as catalog_memo
from schemakit.connect import connect, redact
from schemakit.desired import Advance, DesiredState, desired_state
from schemakit.diff import (
    diff_models,
)
from schemakit.renames import Directive, apply_renames, declared_renames, enum_renames, with_renames
from schemakit.rows import DeclaredTables, declared
from schemakit.owners import DeclaredOwners
from schemakit import owners as declared_owners
from schemakit.errors import SchemakitError
from schemakit.model import Model
from schemakit.kinds.table import Table
from schemakit.plan import Plan, make_plan
from schemakit.render.sql import render_change  # with every kind's renderers registered
from schemakit.platform import adopt_platform, kept_notes
from schemakit.profile import Profile, check_default_privilege_roles, detect_profile, platform_missing, with_baseline_step
from schemakit.server.statedir import ensure_state_dir
from schemakit.server import baseline, embedded, select
from schemakit.source import SourceStatement, load_schema_dir
from schemakit.kinds.typecommon import EnumRenames

STATE_DIR = ".schemakit"
Progress = Callable[[str], None]
T = TypeVar("T")


def counted(progress: Progress | None) -> Advance | None:
    """The counting side of a progress reporter, when it has one: its
    ``advance(done, total, current object)`` (``schemakit.cli.console.Reporter``), while it
    shows a live bar."""
    advance = getattr(progress, "advance", None)
    return cast(Advance, advance) if callable(advance) and getattr(progress, "live", False) else None


@contextmanager
def in_background(work: Callable[[], T]) -> Iterator[Future[T]]:
    """Run ``work`` in a thread while the caller goes on; the block waits for it at its end.

    Catalog reads and shadow loads mostly wait on the server (psycopg releases the GIL
    then), so a read of one database overlaps the work on another.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemakit") as pool:
        yield pool.submit(work)


@dataclass(frozen=True)
class Project:
    root: Path
    schema_dir: Path

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def server_dir(self) -> Path:
        return self.state_dir / "pg"

    @classmethod
    def find(cls, schema_dir: Path | None = None, root: Path | None = None) -> Project:
        """The project of ``root`` (default: the working directory's, found upwards as git
        does, see :func:`find_root`); its schema folder is ``schema_dir``, else
        ``schema/`` or ``supabase/schemas/`` (both present is an error naming both)."""
        root = (root or find_root(Path.cwd())).resolve()
        if schema_dir is None:
            supabase = root / "supabase" / "schemas"
            plain = root / "schema"
            if supabase.is_dir() and plain.is_dir():
                raise SchemakitError(
                    f"two schema folders: {plain} and {supabase}; which one holds the schema?",
                    hint="pass --schema-dir with the one to use (and remove the other)",
                )
            schema_dir = supabase if supabase.is_dir() else plain
        return cls(root=root, schema_dir=schema_dir)


def _is_root(folder: Path) -> bool:
    """Whether ``folder`` is a project's root: it holds ``schema/``, ``supabase/``,
    ``.schemakit/``, or a pyproject.toml with a ``[tool.schemakit]`` table."""
    if any((folder / name).is_dir() for name in ("schema", "supabase", STATE_DIR)):
        return True
    pyproject = folder / "pyproject.toml"
    try:
        return pyproject.is_file() and "[tool.schemakit" in pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def find_root(start: Path) -> Path:
    """The nearest folder from ``start`` upwards that is a project's root (``_is_root``),
    not above the repository's top (a folder holding ``.git``); ``start`` when there is none."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if _is_root(folder):
            return folder
        if (folder / ".git").exists():
            break
    return start


@dataclass(frozen=True)
class Target:
    url: str
    label: str  # for messages: never holds a password
    embedded: embedded.LocalServer | None = None


def resolve_target(
    project: Project, db: str | None, progress: Progress | None = None, *, needs_platform: bool = True
) -> Target:
    """``--db``, else ``DATABASE_URL``, else the embedded local server (started on demand).

    The local server gets the profile the files need: the Supabase baseline when
    ``needs_platform`` (files that use auth/storage/buckets), else it stays plain.
    """
    url = db or os.environ.get("DATABASE_URL")
    if url:
        return Target(url=url, label=redact(url))
    project.state_dir.mkdir(parents=True, exist_ok=True)
    server = start_local_server(project, progress)
    local = server.url()
    with connect(local) as conn:
        if needs_platform and not baseline.has_supabase_platform(conn):
            baseline.install_baseline(conn)
    return Target(url=local, label=f"the local server at {local}", embedded=server)


def start_local_server(project: Project, progress: Progress | None = None) -> embedded.LocalServer:
    """The embedded server, started if it is not running; says so only when it really
    starts, and the first time (a new cluster) how to stop it."""
    first = not (project.server_dir / "PG_VERSION").exists()
    running = embedded.status(project.server_dir)
    if running is None and progress:
        progress(f"starting the local PostgreSQL server in {project.server_dir} ...")
    ensure_state_dir(project.state_dir)
    server = embedded.start(project.server_dir)
    if running is None and first and progress:
        progress("note: the local server keeps running in the background; stop it with `schemakit db stop`")
    return server


def shadow_admin_url(
    project: Project,
    target: Target,
    shadow_url: str | None,
    conn: psycopg.Connection[Any] | None = None,
    profile: Profile | None = None,
    progress: Progress | None = None,
    declares_rows: bool = False,
) -> str:
    """Where shadow databases are created: ``--shadow-url``; for a live target (``conn``),
    a server of its major (``schemakit.server.select``); else the embedded server.

    ``profile`` is the target's (a Supabase one's twin holds the baseline);
    ``declares_rows``: the files declare rows. The chosen shadow is named through ``progress``.
    """
    if not shadow_url and target.embedded is not None:
        # The local server is the target: its databases are ours to create.
        chosen = select.Shadow(
            target.embedded.url(),
            f"the local server (PostgreSQL {target.embedded.version})",
        )
    else:
        chosen = select.select_shadow(
            project.state_dir,
            shadow_url=shadow_url,
            target_conn=conn,
            target_url=target.url if conn is not None else None,
            baseline=(profile or Profile.SUPABASE).baseline,
            declares_rows=declares_rows,
        )
    if progress:
        progress(f"shadow: {chosen.description}")
    return chosen.admin_url


@dataclass(frozen=True)
class Planned:
    plan: Plan
    current: Model
    desired: Model
    target: Target


def tables_with_rows(conn: psycopg.Connection[Any], tables: Sequence[Table]) -> frozenset[str]:
    """Which of these existing tables hold at least one row (one round trip)."""
    if not tables:
        return frozenset()
    probes = sql.SQL(", ").join(
        sql.SQL("EXISTS (SELECT FROM {})").format(sql.Identifier(t.schema, t.name)) for t in tables
    )
    try:
        with conn.transaction(), conn.cursor() as cur:
            # Another session holding an ACCESS EXCLUSIVE lock must not hang the plan.
            cur.execute("SET LOCAL lock_timeout = '2s'")
            cur.execute(sql.SQL("SELECT ARRAY[{}]").format(probes))
            row = cur.fetchone()
    except psycopg.errors.LockNotAvailable:
        return frozenset(t.identity for t in tables)  # unknown: assume rows, so hazards gate
    flags = row[0] if row else []
    return frozenset(t.identity for t, has in zip(tables, flags) if has)


RowProbe = Callable[[Sequence[Table]], frozenset[str]]
"""Which of these existing tables hold rows; None (no probe) means unknown: assume all do."""


def row_probe(conn: psycopg.Connection[Any]) -> RowProbe:
    return lambda tables: tables_with_rows(conn, tables)


def row_estimates(conn: psycopg.Connection[Any], tables: Sequence[Table]) -> dict[str, int | None]:
    """Rows of these existing tables, for people: the planner's estimate
    (``pg_class.reltuples``) when the table was analyzed, else 0 when it is empty and
    None when it holds rows of unknown number (``tables_with_rows``)."""
    if not tables:
        return {}
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "SELECT n.nspname, c.relname, c.reltuples::bigint FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            ([t.schema for t in tables], [t.name for t in tables]),
        )
        estimates = {(str(r[0]), str(r[1])): int(r[2]) for r in cur.fetchall()}
    out: dict[str, int | None] = {}
    unknown = []
    for t in tables:
        n = estimates.get((t.schema, t.name), -1)
        if n > 0:
            out[t.identity] = n
        else:
            unknown.append(t)
    holding = tables_with_rows(conn, unknown)
    for t in unknown:
        out[t.identity] = None if t.identity in holding else 0
    return out


def hazard_row_counts(conn: psycopg.Connection[Any], planned: Planned) -> dict[str, int | None]:
    """Rows of the existing tables the plan's hazards touch (estimates where analyzed)."""
    names = {h.table for step in planned.plan.steps for h in step.hazards if h.table}
    names |= {
        (step.change.subject.owner_key or step.change.key)[1]
        for step in planned.plan.steps
        if step.hazards and (step.change.subject.owner_key or step.change.key)[0] == "table"
    }
    found = (planned.current.objects.get(("table", name)) for name in sorted(names))
    return row_estimates(conn, [t for t in found if isinstance(t, Table)])


def plan_models(
    current: Model,
    desired: Model,
    rows: RowProbe | None = None,
    renames: EnumRenames | None = None,
    notes: Sequence[str] = (),
    declared: Sequence[Directive] = (),
) -> Plan:
    """Diff two models and order the changes into a plan (no database needed but ``rows``).

    In platform schemas nothing is dropped: what ``current`` has there and ``desired``
    lacks is kept (schemakit.platform.adopt_platform). ``notes`` become plan warnings.
    ``declared``: the files' renamed-from directives (schemakit.renames), done first.
    """
    desired = adopt_platform(current, desired)
    target, done = current, apply_renames(current, desired, declared)
    current, rows = done.current, done.row_probe(rows)
    changes = diff_models(current, desired, enum_renames(renames, done.enum_values))
    touched = {c.subject.owner_key or c.key for c in changes}
    existing = [o for k, o in current.objects.items() if k in touched and isinstance(o, Table)]
    warnings = list(notes)
    if desired.server_version // 10000 != current.server_version // 10000:
        warnings.append(
            f"the shadow server runs PostgreSQL {desired.server_version // 10000} and the target "
            f"{current.server_version // 10000}; pass --shadow-url with a server of the target's "
            "major version for exact results"
        )
    plan = make_plan(
        current,
        desired,
        changes,
        render=render_change,
        tables_with_rows=rows(existing) if rows is not None else None,
        warnings=tuple(warnings),
    )
    return with_renames(plan, target, done, changes)


def plan_against(
    current: Model | Future[Model],
    statements: Sequence[SourceStatement],
    shadow_admin: str,
    target: Target,
    progress: Progress | None = None,
    rows: RowProbe | None = None,
    renames: EnumRenames | None = None,
    profile: Profile = Profile.SUPABASE,
    quick: bool = False,
) -> Planned:
    """Plan from ``current`` (read from the target, or a snapshot) to the schema files.

    Without ``rows`` the tables' row counts are unknown and row-gated hazards gate.
    ``current`` may still be being read (a Future): the shadow loads meanwhile.
    ``profile`` is the shadow's platform (the target's: its twin). With ``quick`` (a plan
    that is only shown), a target whose fingerprint is the cached state's gets the empty
    plan without the state being read back or diffed (``matching_target``).
    """
    if quick and not renames:
        same = matching_target(current, statements, shadow_admin, profile)
        if same is not None:
            if progress:
                progress("cache: the schema files' state is unchanged and the target matches it: nothing to plan")
            return empty_plan(same, target)
    state = load_desired(statements, shadow_admin, progress, profile)
    if isinstance(current, Future):
        current = current.result()
    return plan_from_state(current, state, target, rows, renames, declared_renames(statements))


def matching_target(
    current: Model | Future[Model], statements: Sequence[SourceStatement], shadow_admin: str, profile: Profile
) -> Model | None:
    """The target's model when the cache holds the files' state and the target's
    fingerprint is that state's (same major, no warnings, nothing of the platform's in the
    shadow): the plan is then empty, as the diff of two models of one fingerprint is."""
    wanted = _cached_plain_state(statements, shadow_admin, profile)
    if wanted is None:
        return None
    model = current.result() if isinstance(current, Future) else current
    if model.fingerprint() != wanted.fingerprint or model.server_version // 10000 != wanted.major:
        return None
    return model


def _cached_plain_state(statements: Sequence[SourceStatement], shadow_admin: str, profile: Profile) -> cache.Summary | None:
    """The summary of the files' cached state, when there is one a target can match."""
    wanted = cache.desired_summary(statements, shadow_admin, profile.baseline)
    return wanted if wanted is not None and wanted.plain else None


def cached_match(
    conn: psycopg.Connection[Any],
    statements: Sequence[SourceStatement],
    shadow_admin: str,
    profile: Profile,
    owners: DeclaredOwners,
) -> Model | None:
    """The target's model when both caches say the plan is empty: the files' state is
    cached (``matching_target``'s conditions) and the catalog cache holds the target's
    model of this very catalog (schemakit.catalog.memo) with that state's fingerprint.
    No model is read or diffed; files that declare rows (data) never take this path."""
    wanted = None if declared(statements) else _cached_plain_state(statements, shadow_admin, profile)
    if wanted is None:
        return None
    found = catalog_memo.summary(conn, owners)
    if found is None or found.fingerprint != wanted.fingerprint or found.major != wanted.major:
        return None
    return catalog_memo.deferred(found)


def empty_plan(model: Model, target: Target) -> Planned:
    """The plan of a target that already is in the files' state (``model``)."""
    return Planned(plan=make_plan(model, model, [], render=render_change), current=model, desired=model, target=target)


def plan_from_state(
    current: Model,
    state: DesiredState,
    target: Target,
    rows: RowProbe | None = None,
    renames: EnumRenames | None = None,
    declared: Sequence[Directive] = (),
) -> Planned:
    """Plan from ``current`` to the files' state already loaded (``load_desired``): no
    shadow work, so one loaded state serves many targets (``schemakit.fleet``).
    ``declared``: the files' renamed-from directives."""
    desired = adopt_platform(current, state.model)
    notes = (*state.warnings, *kept_notes(current, state.model, state.pristine))
    plan = plan_models(current, desired, rows, renames, notes, declared)
    return Planned(plan=plan, current=current, desired=desired, target=target)


def load_desired(
    statements: Sequence[SourceStatement],
    shadow_admin: str,
    progress: Progress | None = None,
    profile: Profile = Profile.SUPABASE,
) -> DesiredState:
    """The schema files' state: loaded into a shadow database of ``profile`` and read back
    (or from the cache, schemakit.cache, when nothing it depends on changed)."""

    def load() -> DesiredState:
        if progress:
            progress(f"loading the schema files into a shadow database (profile {profile.value}) ...")
        kept = keptshadow.load(statements, shadow_admin, profile.baseline, counted(progress), progress)
        if kept is not None:
            return kept
        return desired_state(statements, shadow_admin, baseline=profile.baseline, advance=counted(progress))

    return cache.cached_desired_state(statements, shadow_admin, profile.baseline, load, progress)


def plan_target(
    conn: psycopg.Connection[Any],
    project: Project,
    statements: Sequence[SourceStatement],
    target: Target,
    shadow_url: str | None,
    install_baseline: bool,
    progress: Progress | None = None,
    renames: EnumRenames | None = None,
    profile: Profile | None = None,
    quick: bool = False,
) -> Planned:
    """Plan against a live target: its profile (``profile`` overrides the detected one),
    its connecting role, then read it and diff with the files' state, loaded in a shadow
    of the target's profile. ``quick``: see ``plan_against`` (for a plan only shown).

    A plain target's shadow holds no baseline. With ``install_baseline`` on a target
    without the platform, the plan's first step installs the Supabase baseline (nothing is
    written here) and the shadow is a Supabase one; files that use auth/storage against a
    plain target without it are refused with the first use's location.
    """
    prof = profile or detect_profile(conn)
    role = conn.execute("SELECT CURRENT_USER").fetchone()
    check_default_privilege_roles(statements, str(role[0]) if role else "")
    install = install_baseline and not baseline.has_supabase_platform(conn)
    if install:
        prof = Profile.SUPABASE
    elif prof is Profile.POSTGRES:
        missing = platform_missing(statements, target.label)
        if missing is not None:
            raise missing
    admin = shadow_admin_url(project, target, shadow_url, conn, prof, progress, bool(declared(statements)))
    owners = declared_owners.declared(statements)
    if quick and not renames and not install:
        same = cached_match(conn, statements, admin, prof, owners)
        if same is not None:
            if progress:
                progress("cache: the schema files' state and the target's catalog are unchanged, and they match: nothing to plan")
            return empty_plan(same, target)
    # The target is read while the shadow loads: two servers' (or two backends') work at once.
    with in_background(lambda: read_fingerprinted(conn, progress, rows=declared(statements), owners=owners)) as reading:
        planned = plan_against(reading, statements, admin, target, progress, row_probe(conn), renames, prof, quick)
    if install:
        planned = replace(planned, plan=with_baseline_step(planned.plan))
    return planned


def read_current(
    conn: psycopg.Connection[Any],
    progress: Progress | None = None,
    rows: DeclaredTables | None = None,
    owners: DeclaredOwners | None = None,
) -> Model:
    """The target's model; with ``rows``, also the rows the schema files declare, and with
    ``owners``, the owners they declare."""
    def told(cached: bool) -> None:
        if progress:
            progress(CATALOG_CACHED if cached else "reading the target's catalog ...")

    return catalog_memo.read(conn, rows=rows, owners=owners, told=told)


CATALOG_CACHED = "cache: the target's catalog comes from the cache: unchanged since it was read"


def read_fingerprinted(
    conn: psycopg.Connection[Any],
    progress: Progress | None = None,
    rows: DeclaredTables | None = None,
    owners: DeclaredOwners | None = None,
) -> Model:
    """``read_current``, and its fingerprint (cached in the model): for a read that runs
    in the background, so that this work too overlaps the other side's."""
    model = read_current(conn, progress, rows, owners)
    model.fingerprint()
    return model


def load_sources(project: Project, notice: Progress | None = None) -> list[SourceStatement]:
    """The schema files' statements in load order; ``notice`` hears what the load skipped
    (a transaction wrapper), once."""
    if not project.schema_dir.is_dir():
        raise SchemakitError(
            f"no schema directory at {project.schema_dir}",
            hint="create schema/*.sql, or pass --schema-dir",
        )
    return cache.cached_sources(
        project.schema_dir, lambda said, memo: load_schema_dir(project.schema_dir, notice=said, memo=memo), notice
    )


def parse_enum_renames(specs: Sequence[str]) -> dict[str, dict[str, str]]:
    """``TYPE:OLD=NEW`` options (``public.mood:sad=unhappy``) → {type: {old: new}}."""
    out: dict[str, dict[str, str]] = {}
    for spec in specs:
        name, colon, rest = spec.partition(":")
        old, equals, new = rest.partition("=")
        if not colon or not equals or not name or not old or not new:
            raise SchemakitError(
                f"--rename-enum-value {spec!r}: expected TYPE:OLD=NEW",
                hint="for example --rename-enum-value public.mood:sad=unhappy",
            )
        if "." not in name:
            name = "public." + name
        out.setdefault(name, {})[old] = new
    return out



@dataclass(frozen=True)
class Snapshot:
    """A database's model and its profile (``schemakit snapshot``)."""

    model: Model
    profile: Profile


def take_snapshot(db: str | None, progress: Progress | None = None) -> Snapshot:
    """The model of the target (``--db``, ``DATABASE_URL`` or the local server)."""
    target = resolve_target(Project.find(), db, progress)
    with connect(target.url) as conn:
        return Snapshot(read_current(conn), detect_profile(conn))


def diff_databases(url_a: str, url_b: str) -> Plan:
    """The plan that turns database A into database B (``schemakit diff``): both are
    read at once, B in the background."""
    with connect(url_a, given_by="URL_A") as conn_a:
        with connect(url_b, given_by="URL_B") as conn_b, in_background(lambda: read_fingerprinted(conn_b)) as reading_b:
            current = read_current(conn_a)  # while B is read
            desired = reading_b.result()
        return plan_models(current, desired, row_probe(conn_a))
