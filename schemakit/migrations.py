"""Versioned migration files: where they live, how they are named, replaying them.

Files are ``<UTC yyyymmddHHMMSS>_<slug>.sql`` (the Supabase CLI naming), in
``migrations/``, or ``supabase/migrations/`` where the project has a ``supabase/``
folder. Replaying runs each file, in name order, in a transaction of its own (as the
Supabase CLI does) on a throw-away shadow database that holds the baseline; a file
holding a statement that cannot run in a transaction block (``CREATE INDEX
CONCURRENTLY``, which ``plan --write --online`` puts in a file of its own) runs
statement by statement instead. Applying files to a target is ``migrate.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pglast
import psycopg
from pglast import ast
from pglast.enums import TransactionStmtKind

from schemakit.catalog import read_model
from schemakit.rows import DeclaredTables
from schemakit.owners import DeclaredOwners
from schemakit.connect import connect, redact_text
from schemakit.errors import EXIT_ERROR, SchemakitError
from schemakit.model import Model
from schemakit.phases import ENUM_VALUES, MAIN, by_phase
from schemakit.plan import Plan
from schemakit.render.formats import script
from schemakit.server import shadow

DEFAULT_SLUG = "schemakit"
_NAME = re.compile(r"^(\d{14})_([a-z0-9_]+)\.sql$")


class MigrationError(SchemakitError):
    """A migration file or folder that cannot be used: exit 1."""

    exit_code = EXIT_ERROR


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


def statements_of(text: str) -> list[str]:
    """The file's statements as pglast splits them; the whole text when it does not parse
    (PostgreSQL then reports the syntax error itself)."""
    try:
        parts = [s for s in pglast.split(text) if s.strip()]
    except pglast.parser.ParseError:
        return [text]
    return parts


def _needs_autocommit(node: Any) -> bool:
    if isinstance(node, (ast.IndexStmt, ast.DropStmt)):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return any(isinstance(p, ast.DefElem) and p.defname == "concurrently" for p in node.params or ())
    return isinstance(
        node, (ast.VacuumStmt, ast.CreatedbStmt, ast.DropdbStmt, ast.AlterSystemStmt, ast.CreateTableSpaceStmt, ast.DropTableSpaceStmt)
    )


def outside_transaction(text: str) -> bool:
    """Does the file hold a statement that cannot run in a transaction block?"""
    try:
        parsed = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        return False
    return any(_needs_autocommit(raw.stmt) for raw in parsed)


# A file's own transaction: BEGIN / START TRANSACTION ... COMMIT / END at its top level.
_OPENERS = frozenset({TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START})


def _is_wrapper(node: Any) -> bool:
    """BEGIN, START TRANSACTION, COMMIT or END (not COMMIT AND CHAIN)."""
    if not isinstance(node, ast.TransactionStmt):
        return False
    if node.kind in _OPENERS:
        return True
    return node.kind == TransactionStmtKind.TRANS_STMT_COMMIT and not node.chain


# Transaction control that would end the file's transaction other than at its end.
_REFUSED = {
    TransactionStmtKind.TRANS_STMT_ROLLBACK: "ROLLBACK",
    TransactionStmtKind.TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
    TransactionStmtKind.TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED",
    TransactionStmtKind.TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
}


def own_transaction(text: str) -> bool:
    """Does the file hold its own top-level BEGIN/COMMIT (as files written for psql or the
    Supabase CLI do)? Refuses (MigrationError) a top-level ROLLBACK, two-phase commit or
    COMMIT AND CHAIN, which would end the transaction the file runs in."""
    try:
        parsed = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        return False
    found = False
    for raw in parsed:
        node = raw.stmt
        if not isinstance(node, ast.TransactionStmt):
            continue
        if _is_wrapper(node):
            found = True
            continue
        what = "COMMIT AND CHAIN" if node.chain else _REFUSED.get(node.kind) if node.kind is not None else None
        if what is not None:
            raise MigrationError(
                f"{what} in a migration file is not supported: each file applies all or nothing, "
                "in one transaction",
                hint="remove it; a BEGIN ... COMMIT around the file's statements is accepted",
            )
    return found


def runnable(text: str) -> list[tuple[int, str]]:
    """The file's statements to run, numbered from 1 as in the file: its own top-level
    BEGIN/COMMIT are left out, since schemakit runs the whole file in one transaction (they
    mark that transaction's bounds), and records the file in it."""
    statements = statements_of(text)
    if not own_transaction(text):
        return list(enumerate(statements, 1))
    kept = []
    for number, statement in enumerate(statements, 1):
        try:
            nodes = [raw.stmt for raw in pglast.parse_sql(statement)]
        except pglast.parser.ParseError:
            nodes = []
        if len(nodes) == 1 and _is_wrapper(nodes[0]):
            continue
        kept.append((number, statement))
    return kept


def replay(conn: psycopg.Connection[Any], migrations: list[Migration], url: str) -> None:
    """Run each file in a transaction of its own (statement by statement outside one, for a
    file that must run so); a failure names the file. A file's own BEGIN/COMMIT mark the
    bounds of that transaction."""
    for mig in migrations:
        text = mig.path.read_text(encoding="utf-8")
        try:
            own = own_transaction(text)
        except MigrationError as exc:
            raise MigrationError(f"migration {mig.name}: {exc.message}", hint=exc.hint) from None
        try:
            if outside_transaction(text):
                for _, statement in runnable(text):
                    conn.execute(statement.encode())
            elif own:
                statements = [s.encode() for _, s in runnable(text)]
                with conn.transaction():
                    if statements:
                        conn.execute(b"\n;\n".join(statements))
            else:
                with conn.transaction():
                    conn.execute(text.encode())
        except psycopg.Error as exc:
            message = exc.diag.message_primary or str(exc).strip()
            raise MigrationError(
                f"migration {mig.name} failed to replay: {redact_text(message, url)}",
                hint=exc.diag.message_hint or "fix or regenerate that file",
            ) from None


def replayed_model(
    migrations: list[Migration],
    shadow_admin_url: str,
    rows: DeclaredTables | None = None,
    owners: DeclaredOwners | None = None,
    *,
    baseline: bool = True,
) -> Model:
    """The model of an empty shadow (with the baseline, unless a plain profile's) after
    replaying ``migrations`` (with ``rows``, also the rows the schema files declare; with
    ``owners``, the owners)."""
    return replayed_states(migrations, shadow_admin_url, rows=rows, owners=owners, baseline=baseline)[-1].model


@dataclass(frozen=True)
class ReplayedState:
    """The shadow's model after replaying the files up to ``version`` (None: before any)."""

    version: str | None
    model: Model


def replayed_states(
    migrations: list[Migration],
    shadow_admin_url: str,
    *,
    every: bool = False,
    rows: DeclaredTables | None = None,
    owners: DeclaredOwners | None = None,
    baseline: bool = True,
) -> list[ReplayedState]:
    """Replay ``migrations`` on one empty shadow; the state after the last file, or with
    ``every`` the state before the first file and after each one (one catalog read per file);
    from the cache (schemakit.cache) when nothing they depend on changed."""
    from schemakit.cache import cached_replay

    def replayed() -> list[ReplayedState]:
        return _replayed_states(migrations, shadow_admin_url, every=every, rows=rows, owners=owners, baseline=baseline)

    return cached_replay(migrations, shadow_admin_url, replayed, every=every, rows=rows, owners=owners, baseline=baseline)


def _replayed_states(
    migrations: list[Migration],
    shadow_admin_url: str,
    *,
    every: bool,
    rows: DeclaredTables | None,
    owners: DeclaredOwners | None,
    baseline: bool,
) -> list[ReplayedState]:
    with shadow.temporary_database(shadow_admin_url, baseline=baseline) as url:
        with connect(url, autocommit=True, given_by="--shadow-url (or the local server)") as conn:
            if not every:
                replay(conn, migrations, shadow_admin_url)
                last = migrations[-1].version if migrations else None
                return [ReplayedState(last, read_model(conn, rows=rows, owners=owners))]
            states = [ReplayedState(None, read_model(conn, rows=rows, owners=owners))]
            for mig in migrations:
                replay(conn, [mig], shadow_admin_url)
                states.append(ReplayedState(mig.version, read_model(conn, rows=rows, owners=owners)))
            return states


def write_migrations(directory: Path, plan: Plan, slug: str, now: datetime | None = None) -> list[Path]:
    """Write ``plan`` as migration files: its transactional steps in one, then each step
    that must run outside a transaction (``plan --online``) in a file of its own, since the
    Supabase CLI wraps every file in one transaction. Added enum values come first, in a
    file of their own when other steps follow (``<slug>_enum_values``): PostgreSQL refuses
    to use a value in the transaction that added it. Versions follow each other."""
    phased = by_phase(plan.steps)
    enum_values, main = tuple(phased[ENUM_VALUES]), tuple(phased[MAIN])
    online = [s for s in plan.steps if not s.transactional]
    parts: list[tuple[str, Plan]] = []
    if enum_values and main:
        parts.append((f"{slug}_enum_values", replace(plan, steps=enum_values)))
    elif enum_values:
        main = enum_values
    if main:
        parts.append((slug, replace(plan, steps=main)))
    for i, step in enumerate(online, 1):
        parts.append((f"{slug}_online_{i}" if len(online) > 1 else f"{slug}_online", replace(plan, steps=(step,))))
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, part in parts:
        path = new_migration_path(directory, name, now)
        path.write_text(script(part))
        written.append(path)
    return written
