"""Versioned migration files: where they live, how they are named, replaying them.

Files are ``<UTC yyyymmddHHMMSS>_<slug>.sql`` (the Supabase CLI naming), in
``migrations/``, or ``supabase/migrations/`` where the project has a ``supabase/``
folder. Replaying runs each file, in name order, in a transaction of its own (as the
Supabase CLI does) on a throw-away shadow database that holds the baseline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg

from schemakit.catalog import read_model
from schemakit.connect import connect, redact_text
from schemakit.errors import SchemakitError
from schemakit.model import Model
from schemakit.server import shadow

DEFAULT_SLUG = "schemakit"
_NAME = re.compile(r"^(\d{14})_([a-z0-9_]+)\.sql$")


class MigrationError(SchemakitError):
    pass


def migrations_dir(root: Path) -> Path:
    """``supabase/migrations`` where ``supabase/`` exists, else ``migrations``."""
    supabase = root / "supabase"
    return supabase / "migrations" if supabase.is_dir() else root / "migrations"


def slugify(text: str) -> str:
    """Lower-case ``[a-z0-9_]``, runs of anything else become one ``_``; never empty."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug[:60].rstrip("_") or DEFAULT_SLUG


def default_slug(summaries: list[str]) -> str:
    """One change names the file after itself; more get the generic slug."""
    return slugify(summaries[0]) if len(summaries) == 1 else DEFAULT_SLUG


def version_now(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")


def new_migration_path(directory: Path, slug: str | None, now: datetime | None = None) -> Path:
    """A fresh file name; the version is bumped past existing ones so order stays strict."""
    version = version_now(now)
    existing = [m.version for m in list_migrations(directory)]
    if existing and max(existing) >= version:
        version = str(int(max(existing)) + 1)
    return directory / f"{version}_{slugify(slug or DEFAULT_SLUG)}.sql"


@dataclass(frozen=True)
class Migration:
    path: Path
    version: str

    @property
    def name(self) -> str:
        return self.path.name


def list_migrations(directory: Path) -> list[Migration]:
    """The ``*.sql`` files of ``directory`` in name order; a badly named file is an error."""
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob("*.sql")):
        m = _NAME.match(path.name)
        if m is None:
            raise MigrationError(
                f"migration file {path} is not named <yyyymmddHHMMSS>_<slug>.sql",
                hint="rename it, e.g. 20250101120000_init.sql (lower-case slug of a-z, 0-9 and _)",
            )
        out.append(Migration(path=path, version=m.group(1)))
    return out


def replay(conn: psycopg.Connection[Any], migrations: list[Migration], url: str) -> None:
    """Run each file in a transaction of its own; a failure names the file."""
    for mig in migrations:
        text = mig.path.read_text(encoding="utf-8")
        try:
            with conn.transaction():
                conn.execute(text.encode())
        except psycopg.Error as exc:
            message = exc.diag.message_primary or str(exc).strip()
            raise MigrationError(
                f"migration {mig.name} failed to replay: {redact_text(message, url)}",
                hint=exc.diag.message_hint or "fix or regenerate that file",
            ) from None


def replayed_model(migrations: list[Migration], shadow_admin_url: str) -> Model:
    """The model of an empty shadow (with the baseline) after replaying ``migrations``."""
    with shadow.temporary_database(shadow_admin_url, baseline=True) as url:
        with connect(url, autocommit=True) as conn:
            replay(conn, migrations, shadow_admin_url)
            return read_model(conn)
