"""``schemakit import``: the state of a migration history, a live database or a snapshot,
as a model of the user's objects (what the platform holds is left out).

- A migrations folder is replayed, as psql runs it, in a shadow database of its
  platform (with the Supabase baseline when the files name Supabase's schemas or
  roles); the fresh shadow is read first, so that the platform's objects are told from
  the files' (``schemakit.platform.declared_part``).
- Tables the files ``INSERT ... VALUES`` into, that have a primary key, are reference
  tables: their final rows (the columns the INSERTs name) become declared rows. Other
  row writes are data history (``history.RowWrite``), reported, never schema.
- A live database or a snapshot is read as it is; a fresh shadow of its profile gives
  what its platform holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from schemakit.adopt.history import RowWrite, replay_as_psql, row_writes, uses_supabase
from schemakit.catalog import read_model
from schemakit.connect import connect
from schemakit.errors import SchemakitError
from schemakit.migrations import Migration, list_migrations
from schemakit.model import Model
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.table import Table
from schemakit.platform import declared_part, is_managed_schema
from schemakit.profile import Profile, detect_profile
from schemakit.rows import DeclaredTables
from schemakit.server import shadow
from schemakit.snapshot import load_snapshot, snapshot_profile


@dataclass(frozen=True)
class Imported:
    """What ``import`` writes: ``model`` (the user's objects), planned from ``pristine``
    (what a fresh database of ``profile`` holds)."""

    model: Model
    pristine: Model
    profile: Profile
    source: str  # for the files' headers
    migrations: tuple[Migration, ...] = ()
    statements: int = 0  # replayed
    reference_tables: tuple[str, ...] = ()
    data_history: tuple[RowWrite, ...] = ()
    notes: tuple[str, ...] = ()  # statements of the history not replayed, and why


def _fresh(conn: psycopg.Connection[Any]) -> Model:
    return read_model(conn)


def pristine_model(shadow_admin_url: str, profile: Profile) -> Model:
    """A fresh shadow's model: what the platform of ``profile`` holds."""
    with shadow.temporary_database(shadow_admin_url, baseline=profile.baseline) as url:
        with connect(url, autocommit=True, given_by="--shadow-url (or the local server)") as conn:
            return _fresh(conn)


def default_migrations_dir(root: Path) -> Path:
    """``supabase/migrations`` when it exists, else ``migrations``."""
    supabase = root / "supabase" / "migrations"
    return supabase if supabase.is_dir() else root / "migrations"


def import_migrations(directory: Path, shadow_admin_url: str, profile: Profile | None = None) -> Imported:
    migrations = list_migrations(directory)
    if not migrations:
        raise SchemakitError(
            f"no migration files in {directory}",
            hint="pass the folder of <yyyymmddHHMMSS>_<slug>.sql files, or --db URL / --from-snapshot FILE",
        )
    prof = profile or (Profile.SUPABASE if uses_supabase(migrations) else Profile.POSTGRES)
    writes = row_writes(migrations)
    with shadow.temporary_database(shadow_admin_url, baseline=prof.baseline) as url:
        with connect(url, autocommit=True, given_by="--shadow-url (or the local server)") as conn:
            pristine = _fresh(conn)
            notes: list[str] = []
            count = replay_as_psql(conn, migrations, shadow_admin_url, notes)
            conn.autocommit = True
            model = read_model(conn)
            tables = reference_tables(model, writes)
            if tables:
                model = read_model(conn, rows=tables)  # again, with the reference rows
    model = declared_part(model, pristine)
    history = tuple(w for w in writes if w.table not in tables and w.table != "storage.buckets")
    return Imported(
        model=model,
        pristine=pristine,
        profile=prof,
        source=f"the {len(migrations)} migration files of {directory} (last: {migrations[-1].name}), replayed as psql runs them",
        migrations=tuple(migrations),
        statements=count,
        reference_tables=tuple(sorted(tables)),
        data_history=history,
        notes=tuple(notes),
    )


def reference_tables(model: Model, writes: Sequence[RowWrite]) -> dict[str, tuple[str, ...]]:
    """Tables written to by ``INSERT ... VALUES`` that still exist with a primary key,
    outside platform schemas: table → the columns the INSERTs name that still exist."""
    out: dict[str, list[str]] = {}
    for w in writes:
        if not (w.verb == "INSERT" and w.values) or is_managed_schema(w.table.partition(".")[0]):
            continue
        table = model.objects.get(("table", w.table))
        if not isinstance(table, Table) or not _has_primary_key(model, table):
            continue
        names = [c.name for c in table.columns]
        cols = out.setdefault(w.table, [])
        for name in w.columns if w.columns is not None else names:
            if name in names and name not in cols:
                cols.append(name)
    return {t: tuple(c) for t, c in out.items()}


def _has_primary_key(model: Model, table: Table) -> bool:
    return any(
        isinstance(o, Constraint) and o.type == "p" and (o.schema, o.table) == (table.schema, table.name)
        for o in model.objects.values()
    )


def import_database(url: str, shadow_admin_url: str, profile: Profile | None = None, rows: DeclaredTables | None = None) -> Imported:
    with connect(url, autocommit=True) as conn:
        prof = profile or detect_profile(conn)
        model = read_model(conn, rows=rows)
    pristine = pristine_model(shadow_admin_url, prof)
    return Imported(model=declared_part(model, pristine), pristine=pristine, profile=prof, source=f"the database {shadow.redact(url)}")


def import_snapshot(path: Path, shadow_admin_url: str, profile: Profile | None = None) -> Imported:
    model = load_snapshot(path)
    prof = profile or snapshot_profile(path)
    pristine = pristine_model(shadow_admin_url, prof)
    return Imported(model=declared_part(model, pristine), pristine=pristine, profile=prof, source=f"the snapshot {path}")
