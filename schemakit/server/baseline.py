"""The Supabase baseline: what a Supabase database has before any user migration.

Plain PostgreSQL (the embedded server, CI) has no ``auth`` or ``storage`` schema;
``baseline.sql`` adds a minimal, faithful stand-in (DESIGN.md section 6). It is
installed in the shadow's template database and, on request, on a local target. It
is never installed on a database that already has the platform (a real Supabase).
"""

from __future__ import annotations

import hashlib
import time
from functools import cache
from typing import Any
from importlib import resources

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

__all__ = [
    "BASELINE_VERSION",
    "OWNER_ROLE",
    "API_ROLES",
    "baseline_sql",
    "install_baseline",
    "has_supabase_platform",
]

#: The non-superuser role that stands for Supabase's ``postgres``: it owns the
#: user's objects, and tests apply migrations as this role.
OWNER_ROLE = "schemakit_owner"
#: The roles PostgREST switches to.
API_ROLES = ("anon", "authenticated", "service_role")


@cache
def baseline_sql() -> str:
    """The text of ``baseline.sql``."""
    return resources.files(__package__).joinpath("baseline.sql").read_text(encoding="utf-8")


def _version() -> str:
    data = resources.files(__package__).joinpath("baseline.sql").read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


#: A short hash of ``baseline.sql``; names the template database that holds it.
BASELINE_VERSION: str = _version()


def install_baseline(conn: psycopg.Connection[Any]) -> None:
    """Install the baseline in ``conn``'s database. Needs a superuser; idempotent.

    In autocommit mode the script runs as one implicit transaction; inside a
    transaction it becomes part of it.
    """
    # No parameters: psycopg sends the script with the simple query protocol, which
    # accepts several statements.
    script = sql.SQL(baseline_sql())
    if not conn.autocommit:
        conn.execute(script)
        return
    # Roles are cluster-wide: two installs in two databases at once can meet on the
    # same role row ("tuple concurrently updated", a duplicate role). The script is
    # idempotent and ran as one transaction, so running it again is safe.
    for attempt in range(_ATTEMPTS):
        try:
            conn.execute(script)
            return
        except (pg_errors.InternalError_, pg_errors.UniqueViolation):
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


#: How often a baseline install that met another one is tried.
_ATTEMPTS = 4


def has_supabase_platform(conn: psycopg.Connection[Any]) -> bool:
    """True when the database has both the ``auth`` and the ``storage`` schemas."""
    row = conn.execute(
        "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname IN ('auth', 'storage')"
    ).fetchone()
    return row is not None and row[0] == 2
