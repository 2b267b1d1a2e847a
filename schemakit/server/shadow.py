"""Throw-away databases, cloned from a template that already holds the baseline.

Installing the baseline takes a few hundred milliseconds; ``CREATE DATABASE ...
TEMPLATE`` copies it in a few milliseconds. The template is named after the
baseline's hash, so a changed ``baseline.sql`` gets a new template and old ones are
never reused.

URLs may be given as ``postgresql://`` URLs or as ``key=value`` conninfo strings;
the URLs this module returns are ``key=value`` conninfo strings (psycopg, libpq
and ``pg_dump`` accept both).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemakit.errors import ServerError
from schemakit.server.baseline import BASELINE_VERSION, OWNER_ROLE, install_baseline
from schemakit.server.standins import ensure_standins, standins_version

__all__ = [
    "template_name",
    "ensure_template",
    "create_database",
    "drop_database",
    "temporary_database",
    "database_url",
    "with_user",
    "redact",
]

# One fixed advisory-lock key serializes template builds on a server. (Advisory
# locks are per database: every caller must use the same admin database, which they
# do in practice: the server's "postgres".)
_TEMPLATE_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"schemakit.template").digest()[:8], "big", signed=True
)


def template_name() -> str:
    """The name of the template database for the current baseline."""
    return f"schemakit_tpl_{BASELINE_VERSION}_{standins_version()}"


def database_url(admin_url: str, dbname: str) -> str:
    """``admin_url`` with another database name (same server, same user)."""
    return make_conninfo(admin_url, dbname=dbname)


def with_user(url: str, user: str) -> str:
    """``url`` connecting as ``user`` instead (other parameters kept)."""
    return make_conninfo(url, user=user)


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(unparsable connection string)"
    params.pop("password", None)
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def ensure_template(admin_url: str) -> str:
    """Make sure the baseline template exists on ``admin_url``'s server; return its name.

    ``admin_url`` must be a superuser (installing the baseline creates roles). Safe
    to call from several processes at once. The template is built under another name
    and renamed when complete, so a half-built template is never cloned.
    """
    name = template_name()
    building = f"{name}_building"
    with _connect(admin_url) as conn:
        ensure_standins(conn)  # the extensions the server lacks, when its files are ours
        if _template_state(conn, name) == "ready":
            return name
        conn.execute("SELECT pg_advisory_lock(%s)", [_TEMPLATE_LOCK_KEY])
        try:
            state = _template_state(conn, name)
            if state == "ready":
                return name
            if state == "broken":  # not ours to trust: e.g. made by hand
                _drop(conn, name)
            _drop(conn, building)  # left over by a process that died mid-build
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(building))
            )
            with _connect(database_url(admin_url, building)) as target:
                install_baseline(target)
            conn.execute(
                sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true").format(sql.Identifier(building))
            )
            try:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(building), sql.Identifier(name)
                    )
                )
            except pg_errors.DuplicateDatabase:
                # Built meanwhile by a process that locked in another database.
                _drop(conn, building)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_TEMPLATE_LOCK_KEY])
    return name


def create_database(admin_url: str, *, baseline: bool, name: str | None = None) -> str:
    """Create a database on ``admin_url``'s server; return its name.

    With ``baseline``, it is cloned from the baseline template (built on first use)
    and ``schemakit_owner`` gets all privileges on it (database ACLs are not copied
    from templates), so it can create schemas there as Supabase's ``postgres`` can.
    Without, it is a copy of ``template0``. ``name`` defaults to a random
    ``schemakit_shadow_<hex>``.
    """
    template = ensure_template(admin_url) if baseline else "template0"
    name = name or _random_name("schemakit_shadow")
    with _connect(admin_url) as conn:
        create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
        if _file_copy_is_cheap(conn):
            create += sql.SQL(" STRATEGY FILE_COPY")
        conn.execute(create)
        if baseline:
            conn.execute(
                sql.SQL("GRANT ALL ON DATABASE {} TO {}").format(
                    sql.Identifier(name), sql.Identifier(OWNER_ROLE)
                )
            )
    return name


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, closing its connections first."""
    with _connect(admin_url) as conn:
        _drop(conn, name)


@contextlib.contextmanager
def temporary_database(
    admin_url: str, *, baseline: bool = True, prefix: str = "schemakit_shadow"
) -> Iterator[str]:
    """A database that exists for the ``with`` block; yields its connection URL. It is
    dropped however the block ends, and also when its set-up fails after the CREATE
    DATABASE (or is interrupted there)."""
    name = _random_name(prefix)
    try:
        create_database(admin_url, baseline=baseline, name=name)
        yield database_url(admin_url, name)
    except BaseException:
        # Do not let a failed cleanup hide the error that ended the block.
        with contextlib.suppress(psycopg.Error, ServerError):
            drop_database(admin_url, name)
        raise
    drop_database(admin_url, name)


# ---------------------------------------------------------------------- helpers


def _random_name(prefix: str) -> str:
    name = f"{prefix}_{secrets.token_hex(6)}"
    if len(name.encode()) > 63:
        raise ValueError(f"database name prefix too long: {prefix!r}")
    return name


def _connect(url: str) -> psycopg.Connection[Any]:
    from schemakit.connect import connect_timeout

    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise ServerError(f"not a database URL: {redact(url)}", hint="a URL looks like postgresql://user:password@host:5432/dbname") from None
    if not params.get("connect_timeout"):
        url = make_conninfo(url, connect_timeout=connect_timeout())
    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise ServerError(
            f"could not connect to {redact(url)}: {str(exc).strip()}"
        ) from exc


def _file_copy_is_cheap(conn: psycopg.Connection[Any]) -> bool:
    """Whether to clone with ``STRATEGY FILE_COPY`` rather than PG15+'s ``WAL_LOG``.

    For a small template, FILE_COPY is about 2.5 times faster (20 ms against 55 ms
    per database), but it forces two checkpoints, which are cheap only with fsync
    off (our test server). On any other server keep PostgreSQL's default.
    """
    if conn.info.server_version < 150000:
        return False
    row = conn.execute("SELECT current_setting('fsync')").fetchone()
    return row is not None and row[0] == "off"


def _template_state(conn: psycopg.Connection[Any], name: str) -> str:
    """``"missing"``, ``"ready"`` (a template) or ``"broken"`` (a plain database)."""
    row = conn.execute(
        "SELECT datistemplate FROM pg_catalog.pg_database WHERE datname = %s", [name]
    ).fetchone()
    if row is None:
        return "missing"
    return "ready" if row[0] else "broken"


def _drop(conn: psycopg.Connection[Any], name: str) -> None:
    row = conn.execute(
        "SELECT datistemplate FROM pg_catalog.pg_database WHERE datname = %s", [name]
    ).fetchone()
    if row is None:
        return
    if row[0]:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(sql.Identifier(name))
        )
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
