"""Declared rows: rows the schema files INSERT into a table with a primary key (a
lookup table such as ``role_permissions``). Buckets are the platform's case of it and
are modelled on their own (``Bucket``).

Which tables and columns are declared comes from the schema files (``declared``); both
the shadow and the target are then read for exactly those columns (``read_rows``), so
defaults the files leave out (a ``created_at``) are never compared. A declared table
holds exactly its declared rows: a row the files no longer list is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from schemakit.model import DbObject, Key, qualified
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.rows import TableRows
from schemakit.kinds.table import Table

if TYPE_CHECKING:  # the parser is not loaded to read a catalog
    from schemakit.source import SourceStatement

DeclaredTables = Mapping[str, tuple[str, ...]]
"""Table identity (``public.roles``) → the columns its declared rows name, in order."""


def declared(statements: Sequence[SourceStatement]) -> dict[str, tuple[str, ...]]:
    import pglast
    from pglast import ast

    out: dict[str, list[str]] = {}
    for stmt in statements:
        if stmt.kind != "declared_rows":
            continue
        node = pglast.parse_sql(stmt.sql)[0].stmt
        assert isinstance(node, ast.InsertStmt) and node.relation is not None
        rv = node.relation
        table = qualified(rv.schemaname or "public", rv.relname or "")
        cols = out.setdefault(table, [])
        for target in node.cols or ():
            if isinstance(target, ast.ResTarget) and target.name and target.name not in cols:
                cols.append(target.name)
    return {t: tuple(c) for t, c in out.items()}


def read_rows(
    conn: psycopg.Connection[Any], objects: Mapping[Key, DbObject], tables: DeclaredTables
) -> list[TableRows]:
    """The declared columns of every row of each declared table, as text, by key."""
    out = []
    for ident, columns in sorted(tables.items()):
        table = objects.get(("table", ident))
        if not isinstance(table, Table):
            continue
        key = _primary_key(objects, table)
        if not key:
            continue  # the shadow load reported it: rows need a primary key
        cols = tuple(dict.fromkeys([*key, *columns]))
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in cols),
            sql.Identifier(table.schema, table.name),
            sql.SQL(", ").join(sql.Identifier(c) for c in key),
        )
        rows = conn.execute(query).fetchall()
        out.append(
            TableRows(schema=table.schema, name=table.name, primary_key=key, columns=cols, rows=tuple(tuple(r) for r in rows))
        )
    return out


def _primary_key(objects: Mapping[Key, DbObject], table: Table) -> tuple[str, ...]:
    for obj in objects.values():
        if isinstance(obj, Constraint) and obj.type == "p" and (obj.schema, obj.table) == (table.schema, table.name):
            inside = obj.definition[obj.definition.index("(") + 1 : obj.definition.rindex(")")]
            return tuple(_unquote(c.strip()) for c in inside.split(","))
    return ()


def _unquote(name: str) -> str:
    if name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name
