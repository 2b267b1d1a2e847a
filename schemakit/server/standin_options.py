"""Index options a stand-in's access method cannot take: pgvector's ``lists`` (ivfflat),
``m`` and ``ef_construction`` (hnsw).

The vector stand-in's ``hnsw`` and ``ivfflat`` access methods run on the hash index's
handler (server/standins/vector--*.sql), which knows no such options: from SQL alone, an
access method cannot declare its own (PostgreSQL's ``add_int_reloption`` is C). On a
shadow whose ``vector`` is the stand-in, such a ``CREATE INDEX`` loads without its
``WITH (...)``, and the options are put back into the index's definition in the desired
model, as ``pg_get_indexdef`` prints them on a server with the real pgvector
(``WITH (lists='100')``). So the plan creates the index with its options, and a target
with the real extension converges.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pglast
import psycopg
from pglast import ast as pg_ast
from pglast.stream import RawStream

from schemakit.kinds.index import Index
from schemakit.model import Model
from schemakit.server.standins import MARKER
from schemakit.source import SourceStatement

__all__ = ["StrippedOptions", "vector_is_standin", "strip_vector_options", "restore_vector_options"]

_VECTOR_METHODS = frozenset({"hnsw", "ivfflat"})
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_NAMES_A_METHOD = re.compile(r"\b(?:hnsw|ivfflat)\b", re.IGNORECASE)
"""A statement that names neither method has no vector index to parse (most have none)."""


@dataclass(frozen=True)
class StrippedOptions:
    """The statements as the shadow loads them, and the options taken out of them:
    ``(schema, index name)`` → ``lists='100'`` as ``pg_get_indexdef`` prints it."""

    statements: tuple[SourceStatement, ...]
    options: Mapping[tuple[str, str], str]


def vector_is_standin(conn: psycopg.Connection[Any]) -> bool:
    """Whether the server's ``vector`` extension is schemakit's stand-in."""
    row = conn.execute(
        "SELECT comment FROM pg_catalog.pg_available_extensions WHERE name = 'vector'"
    ).fetchone()
    return row is not None and str(row[0] or "").startswith(MARKER)


def _reloption(option: pg_ast.DefElem) -> str:
    """``name=value`` as PostgreSQL's ``flatten_reloptions`` prints it."""
    arg = option.arg
    value = str(getattr(arg, "sval", None) or getattr(arg, "fval", None) or getattr(arg, "ival", arg))
    shown = value if _IDENTIFIER.fullmatch(value) else "'" + value.replace("'", "''") + "'"
    return f"{option.defname}={shown}"


def _stripped(stmt: SourceStatement) -> tuple[SourceStatement, tuple[str, str], str] | None:
    """``stmt`` without the options of its vector index, its (schema, name) and the options."""
    if stmt.kind != "create_index" or not _NAMES_A_METHOD.search(stmt.sql):
        return None
    try:
        (raw,) = pglast.parse_sql(stmt.sql)
    except (pglast.parser.ParseError, ValueError):
        return None
    node = raw.stmt
    if not (isinstance(node, pg_ast.IndexStmt) and node.accessMethod in _VECTOR_METHODS and node.options
            and node.idxname and node.relation is not None):
        return None
    options = ", ".join(_reloption(o) for o in node.options if isinstance(o, pg_ast.DefElem))
    schema = node.relation.schemaname or "public"
    node.options = None
    return replace(stmt, sql=RawStream()(node)), (schema, node.idxname), options


def strip_vector_options(statements: Sequence[SourceStatement]) -> StrippedOptions:
    """The statements without the options of their named vector indexes (see the module)."""
    out: list[SourceStatement] = []
    options: dict[tuple[str, str], str] = {}
    for stmt in statements:
        found = _stripped(stmt)
        if found is None:
            out.append(stmt)
            continue
        out.append(found[0])
        options[found[1]] = found[2]
    return StrippedOptions(tuple(out), options)


def restore_vector_options(model: Model, options: Mapping[tuple[str, str], str]) -> Model:
    """``model`` with each stripped index's options back in its definition: before the
    predicate (``WHERE (...)``), where ``pg_get_indexdef`` prints them."""
    if not options:
        return model
    objects = dict(model.objects)
    for key, obj in model.objects.items():
        if not isinstance(obj, Index) or (obj.schema, obj.name) not in options:
            continue
        clause = f" WITH ({options[(obj.schema, obj.name)]})"
        at = obj.definition.find(" WHERE (")
        definition = obj.definition + clause if at < 0 else obj.definition[:at] + clause + obj.definition[at:]
        objects[key] = replace(obj, definition=definition)
    return replace(model, objects=objects)
