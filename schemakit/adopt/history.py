"""A migration history, replayed as psql runs it, and what its statements do to rows.

``replay_as_psql`` sends each file's statements one at a time on an autocommit
connection, as ``psql -f`` does: a file's own BEGIN/COMMIT open and close a transaction,
and everything else (DO, UPDATE, SET, DROP, CREATE INDEX CONCURRENTLY) runs as written.
A failure is a ``SourceError`` at the failing statement's ``file:line:col``.

``row_writes`` sorts the statements that write rows: an ``INSERT ... VALUES`` into a
table makes it a *reference table* whose final rows become declared rows; any other
write (UPDATE/DELETE/INSERT ... SELECT/COPY/TRUNCATE/MERGE) on a table that is not a
reference table is *data history*, reported and never turned into schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pglast
import psycopg
from pglast import ast
from pglast.enums import ObjectType
from pglast.parser import scan

from schemakit.connect import redact_text
from schemakit.migrations import Migration
from schemakit.server.baseline import API_ROLES
from schemakit.source import Location, SourceError


@dataclass(frozen=True)
class Statement:
    migration: Migration
    text: str
    location: Location
    offset: int  # in the file, 0-based


def _location(path: Path, text: str, offset: int) -> Location:
    before = text[:offset]
    line = before.count("\n") + 1
    return Location(str(path), line, offset - (before.rfind("\n") + 1) + 1)


def _line(text: str, line: int) -> str | None:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


def statements(migration: Migration) -> list[Statement]:
    """The file's statements with their locations; a file that does not parse (a psql
    meta-command, a syntax error) is a SourceError at the parser's position."""
    text = migration.path.read_text(encoding="utf-8")
    try:
        slices = pglast.split(text, only_slices=True)
    except pglast.parser.ParseError as exc:
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        where = _location(migration.path, text, min(offset, len(text)))
        raise SourceError(
            f"migration {migration.name} does not parse: {exc.args[0]}",
            location=where,
            source_line=_line(text, where.line),
            hint="import replays plain SQL as psql runs it; psql meta-commands (\\...) are not supported",
        ) from None
    out = []
    for part in slices:
        body = text[part]
        if not body.strip():
            continue
        out.append(Statement(migration, body, _location(migration.path, text, part.start), part.start))
    return out


def _role_statement(conn: psycopg.Connection[Any], stmt: Statement) -> str | None:
    """Why a role statement is not run in the shadow (roles belong to the server, not the
    database: one the server already has stays as it is, and none is dropped); None to run it."""
    head = stmt.text.lstrip()[:12].upper()
    if not head.startswith(("CREATE ROLE", "CREATE USER", "DROP ROLE", "DROP USER")):
        return None
    node = pglast.parse_sql(stmt.text)[0].stmt
    if isinstance(node, ast.DropRoleStmt):
        return f"{stmt.location}: DROP ROLE not run (roles are the server's, outside the schema)"
    if isinstance(node, ast.CreateRoleStmt) and node.role:
        found = conn.execute("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", (node.role,), prepare=False).fetchone()
        if found:
            return f"{stmt.location}: role {node.role} exists already on the shadow's server: CREATE ROLE not run"
    return None


def replay_as_psql(conn: psycopg.Connection[Any], migrations: Sequence[Migration], url: str, notes: list[str] | None = None) -> int:
    """Run every statement of every file in order, as ``psql -f FILE`` (one session per
    file) would; returns how many ran. Role statements the shadow's server cannot take
    (``_role_statement``) are skipped, each with a line in ``notes``."""
    conn.autocommit = True
    count = 0
    for migration in migrations:
        for stmt in statements(migration):
            skipped = _role_statement(conn, stmt)
            if skipped is not None:
                if notes is not None:
                    notes.append(skipped)
                continue
            try:
                conn.execute(stmt.text.encode(), prepare=False)
            except psycopg.Error as exc:
                raise _failed(stmt, exc, url) from None
            count += 1
        # psql runs each file in a session of its own: an unterminated transaction ends
        # with it, and what the file SET does not carry over to the next file.
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        conn.execute(b"DISCARD ALL", prepare=False)
    return count


def _failed(stmt: Statement, exc: psycopg.Error, url: str) -> SourceError:
    message = exc.diag.message_primary or str(exc).strip()
    where = stmt.location
    position = exc.diag.statement_position
    text = stmt.migration.path.read_text(encoding="utf-8")
    if position and position.isdigit():
        where = _location(stmt.migration.path, text, stmt.offset + int(position) - 1)
    return SourceError(
        f"migration {stmt.migration.name} failed to replay: {redact_text(message, url)}",
        location=where,
        source_line=_line(text, where.line),
        hint=exc.diag.message_hint or "the files are replayed in name order on an empty database, as psql runs them",
    )


# -- which platform the files use ---------------------------------------------------

_PLATFORM_NAMES = frozenset({"auth", "storage", "supabase_realtime", *API_ROLES})


def uses_supabase(migrations: Sequence[Migration]) -> bool:
    """Whether the files name Supabase's schemas or roles (their shadow then holds the baseline)."""
    for migration in migrations:
        text = migration.path.read_text(encoding="utf-8")
        try:
            tokens = scan(text)
        except Exception:  # noqa: BLE001 - the replay reports what does not parse
            continue
        for token in tokens:
            word = text[token.start : token.end + 1]
            name = word[1:-1] if word.startswith('"') and word.endswith('"') else word.lower()
            if name in _PLATFORM_NAMES:
                return True
    return False


# -- what the statements do to rows ---------------------------------------------------


@dataclass(frozen=True)
class RowWrite:
    table: str  # schema.name as written (unqualified: public)
    verb: str  # INSERT, UPDATE, DELETE, COPY, TRUNCATE, MERGE
    location: Location
    values: bool = False  # an INSERT ... VALUES
    columns: tuple[str, ...] | None = None  # its column list (None: all columns)

    def describe(self) -> str:
        return f"{self.location}: {self.verb} {self.table}"


def _table(rv: ast.RangeVar | None) -> str | None:
    if rv is None or not rv.relname:
        return None
    return f"{rv.schemaname or 'public'}.{rv.relname}"


def _write_of(node: Any, where: Location) -> list[RowWrite]:
    if isinstance(node, ast.InsertStmt):
        table = _table(node.relation)
        select = node.selectStmt
        values = isinstance(select, ast.SelectStmt) and bool(select.valuesLists) and not node.withClause
        cols = tuple(t.name for t in node.cols or () if isinstance(t, ast.ResTarget) and t.name)
        return [RowWrite(table, "INSERT", where, values, cols or None)] if table else []
    verbs: list[tuple[type, str, str]] = [
        (ast.UpdateStmt, "UPDATE", "relation"),
        (ast.DeleteStmt, "DELETE", "relation"),
        (ast.CopyStmt, "COPY", "relation"),
        (ast.MergeStmt, "MERGE", "relation"),
    ]
    for klass, verb, field in verbs:
        if isinstance(node, klass):
            if isinstance(node, ast.CopyStmt) and not node.is_from:
                return []
            table = _table(getattr(node, field))
            return [RowWrite(table, verb, where)] if table else []
    if isinstance(node, ast.TruncateStmt):
        return [RowWrite(t, "TRUNCATE", where) for rv in node.relations or () if (t := _table(rv))]
    return []


def _renamed(writes: list[RowWrite], node: Any) -> list[RowWrite]:
    """``writes`` with a table or column rename (or a table's SET SCHEMA) applied, so that
    they name the table and columns as they are at the end."""
    if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_TABLE and node.newname:
        old = _table(node.relation)
        new = f"{old.partition('.')[0]}.{node.newname}" if old else None
        return [replace(w, table=new) if new and w.table == old else w for w in writes]
    if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_COLUMN and node.newname:
        table = _table(node.relation)
        return [
            replace(w, columns=tuple(node.newname if c == node.subname else c for c in w.columns))
            if w.table == table and w.columns is not None
            else w
            for w in writes
        ]
    if isinstance(node, ast.AlterObjectSchemaStmt) and node.objectType == ObjectType.OBJECT_TABLE and node.newschema:
        old = _table(node.relation)
        new = f"{node.newschema}.{old.partition('.')[2]}" if old else None
        return [replace(w, table=new) if new and w.table == old else w for w in writes]
    return writes


def row_writes(migrations: Sequence[Migration]) -> list[RowWrite]:
    """Every top-level statement of the files that writes rows, in file order, naming its
    table (and columns) as the later statements rename them."""
    out: list[RowWrite] = []
    for migration in migrations:
        for stmt in statements(migration):
            try:
                parsed = pglast.parse_sql(stmt.text)
            except pglast.parser.ParseError:
                continue
            for raw in parsed:
                out.extend(_write_of(raw.stmt, stmt.location))
                out = _renamed(out, raw.stmt)
    return out
