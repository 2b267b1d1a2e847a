"""Plain, declarative SQL for the changes of a plan from an empty database: what a
person writes in a schema file (``CREATE TABLE``, ``ALTER TABLE ... ADD CONSTRAINT``,
``CREATE POLICY``, ``INSERT``), without the catalog guards and ``DO`` blocks an applied
script needs. Each statement is then printed by pglast's prettifier where it parses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import singledispatch

import pglast
from pglast import ast
from psycopg import sql

from schemakit.changes import Change
from schemakit.kinds.collation import CreateCollation
from schemakit.kinds.composite import CreateComposite
from schemakit.kinds.domain import CreateDomain
from schemakit.kinds.enum import CreateEnum
from schemakit.kinds.range import CreateRange
from schemakit.kinds.constraint import AddConstraint
from schemakit.kinds.index import CreateIndex
from schemakit.kinds.view import CreateView
from schemakit.kinds.bucket import UpsertBucket
from schemakit.kinds.extension import CreateExtension
from schemakit.kinds.publication import AlterPublication, CreatePublication
from schemakit.kinds.rows import SyncRows
from schemakit.kinds.schema import CreateSchema
from schemakit.kinds.table import CreateTable, SetPartitionOf, SetRowSecurity
from schemakit.kinds.policy import CreatePolicy, roles_sql
from schemakit.kinds.trigger import CreateTrigger, trigger_enable_sql
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.table import Table
from schemakit.render.guard import Name, ident, render_change, text
from schemakit.kinds.columns import column_definition
from schemakit.kinds.bucket import _bucket_values
from schemakit.kinds.collation import create_collation_sql
from schemakit.kinds.composite import create_composite_sql
from schemakit.kinds.domain import create_domain_sql
from schemakit.kinds.range import create_range_sql


class NotDeclarative(Exception):
    """A change with no plain form (the writer reports it and leaves it out)."""


@singledispatch
def plain(change: Change) -> list[str]:
    """The change's statements as the planner renders them, minus ``IF NOT EXISTS``;
    a guard (a ``DO`` block) has no plain form here."""
    out = []
    for statement in render_change(change):
        if statement.lstrip().upper().startswith("DO "):
            raise NotDeclarative(f"{change.describe()}: no declarative form")
        out.append(statement)
    return out


@plain.register
def _(c: CreateSchema) -> list[str]:
    return [text(sql.SQL("CREATE SCHEMA {}").format(Name(c.schema.name)))]


@plain.register
def _(c: CreateExtension) -> list[str]:
    e = c.extension
    stmt = sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}").format(Name(e.name), Name(e.schema))
    if c.pin_version:
        stmt = sql.SQL("{} VERSION {}").format(stmt, sql.Literal(e.version))
    return [text(stmt)]


@plain.register
def _(c: CreateEnum) -> list[str]:
    e = c.enum
    labels = sql.SQL(", ").join(sql.Literal(v) for v in e.labels)
    return [text(sql.SQL("CREATE TYPE {} AS ENUM ({})").format(ident(e.schema, e.name), labels))]


@plain.register
def _(c: CreateDomain) -> list[str]:
    return [create_domain_sql(c.domain)]


@plain.register
def _(c: CreateComposite) -> list[str]:
    return [create_composite_sql(c.type)]


@plain.register
def _(c: CreateRange) -> list[str]:
    return [create_range_sql(c.range)]


@plain.register
def _(c: CreateCollation) -> list[str]:
    return [create_collation_sql(c.collation)]


@plain.register
def _(c: SetRowSecurity) -> list[str]:
    t = c.table
    out = []
    if t.rls_enabled:
        out.append(text(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(ident(t.schema, t.name))))
    if t.rls_forced:
        out.append(text(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(ident(t.schema, t.name))))
    return out


@plain.register
def _(c: AddConstraint) -> list[str]:
    k = c.constraint
    return [
        text(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                ident(k.schema, k.table), Name(k.name), sql.SQL(k.definition)
            )
        )
    ]


@plain.register
def _(c: CreateIndex) -> list[str]:
    definition = c.index.definition
    if " ON ONLY " in definition:
        # A partitioned table's index prints ON ONLY; declared, it covers the partitions.
        node = pglast.parse_sql(definition)[0].stmt
        assert isinstance(node, ast.IndexStmt) and node.relation is not None
        node.relation.inh = True
        definition = pglast.stream.RawStream()(node)
    return [definition]


@plain.register
def _(c: CreateTrigger) -> list[str]:
    t = c.trigger
    enable = trigger_enable_sql(t)
    return [t.definition] + ([enable] if enable else [])


@plain.register
def _(c: CreatePolicy) -> list[str]:
    p = c.policy
    parts: list[sql.Composable] = [sql.SQL("CREATE POLICY {} ON {}").format(Name(p.name), ident(p.schema, p.table))]
    if not p.permissive:
        parts.append(sql.SQL("AS RESTRICTIVE"))
    if p.command != "ALL":
        parts.append(sql.SQL("FOR {}").format(sql.SQL(p.command)))
    if p.roles != ("public",):
        parts.append(sql.SQL("TO {}").format(roles_sql(p.roles)))
    if p.using is not None:
        parts.append(sql.SQL("USING ({})").format(sql.SQL(p.using)))
    if p.check is not None:
        parts.append(sql.SQL("WITH CHECK ({})").format(sql.SQL(p.check)))
    return [text(sql.SQL("\n  ").join(parts))]


@plain.register
def _(c: CreateView) -> list[str]:
    v = c.view
    word = "MATERIALIZED VIEW" if v.materialized else "VIEW"
    options: sql.Composable = sql.SQL("")
    if v.options:
        pairs = [o.partition("=") for o in v.options]
        options = sql.SQL(" WITH ({})").format(
            sql.SQL(", ").join(sql.SQL("{} = {}").format(Name(n), sql.Literal(val)) for n, _, val in pairs)
        )
    body = v.definition.strip().rstrip(";")
    return [text(sql.SQL("CREATE {} {}{} AS\n{}").format(sql.SQL(word), ident(v.schema, v.name), options, sql.SQL(body)))]


@plain.register
def _(c: CreatePublication) -> list[str]:
    p = c.publication
    parts: list[sql.Composable] = [sql.SQL("CREATE PUBLICATION {}").format(Name(p.name))]
    if p.all_tables:
        parts.append(sql.SQL("FOR ALL TABLES"))
    elif p.tables:
        parts.append(sql.SQL("FOR TABLE {}").format(sql.SQL(", ").join(sql.SQL(t) for t in p.tables)))
    parts.append(sql.SQL("WITH (publish = {})").format(sql.Literal(", ".join(p.publish))))
    return [text(sql.SQL(" ").join(parts))]


@plain.register
def _(c: AlterPublication) -> list[str]:
    name = Name(c.new.name)
    out = []
    if c.old.publish != c.new.publish:
        out.append(text(sql.SQL("ALTER PUBLICATION {} SET (publish = {})").format(name, sql.Literal(", ".join(c.new.publish)))))
    for table in c.added:
        out.append(text(sql.SQL("ALTER PUBLICATION {} ADD TABLE {}").format(name, sql.SQL(table))))
    if c.removed:
        raise NotDeclarative(f"{c.describe()}: a table removed from a publication the platform holds")
    return out


@plain.register
def _(c: SetPartitionOf) -> list[str]:
    t = c.table
    if t.partition_of is None:
        return []
    return [
        text(
            sql.SQL("ALTER TABLE {} ATTACH PARTITION {} {}").format(
                sql.SQL(t.partition_of), ident(t.schema, t.name), sql.SQL(t.partition_bound or "DEFAULT")
            )
        )
    ]


@plain.register
def _(c: UpsertBucket) -> list[str]:
    cols = sql.SQL(", ").join(Name(n) for n in ("id", "name", "public", "file_size_limit", "allowed_mime_types"))
    values = sql.SQL(", ").join(_bucket_values(c.bucket))
    return [text(sql.SQL("INSERT INTO storage.buckets ({}) VALUES ({})").format(cols, values))]


_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_NUMERIC = frozenset({"smallint", "integer", "bigint", "numeric", "real", "double precision"})


def _value(v: str | None, type_: str | None) -> sql.Composable:
    """A declared row's value (catalog text): a number or boolean as one, the rest quoted."""
    if v is not None and type_ is not None:
        if type_.partition("(")[0] in _NUMERIC and _NUMBER.fullmatch(v):
            return sql.SQL(v)
        if type_ == "boolean" and v in ("true", "false"):
            return sql.SQL(v)
    return sql.Literal(v)


def insert_rows(c: SyncRows, table: Table | None = None) -> list[str]:
    """One INSERT per table, its rows in key order (declared rows); with ``table``, the
    values of numeric and boolean columns are written unquoted."""
    r = c.rows
    if not c.upserts:
        return []
    types = {col.name: col.type for col in table.columns} if table is not None else {}
    rows = sql.SQL(",\n  ").join(
        sql.SQL("({})").format(sql.SQL(", ").join(_value(v, types.get(col)) for v, col in zip(row, r.columns)))
        for row in c.upserts
    )
    cols = sql.SQL(", ").join(Name(col) for col in r.columns)
    return [text(sql.SQL("INSERT INTO {} ({}) VALUES\n  {}").format(ident(r.schema, r.name), cols, rows))]


@plain.register
def _(c: SyncRows) -> list[str]:
    return insert_rows(c)


INLINE_TYPES = frozenset({"p", "u", "c", "x"})
"""Constraints written inside their table's CREATE TABLE (foreign keys stay ALTER TABLE:
they may form cycles)."""


def create_table(c: CreateTable, inline: Sequence[Constraint] = ()) -> list[str]:
    """CREATE TABLE with its columns and ``inline`` constraints; a serial column's
    sequence before it and its OWNED BY after it, as the planner writes them."""
    t = c.table
    rendered = render_change(c)
    if t.partition_of is not None:
        return rendered
    lines = [column_definition(col) for col in t.columns if col.local]
    lines += [sql.SQL("CONSTRAINT {} {}").format(Name(k.name), sql.SQL(k.definition)) for k in inline]
    create = sql.SQL("CREATE {}TABLE {} (\n    {}\n)").format(
        sql.SQL("UNLOGGED " if t.unlogged else ""), ident(t.schema, t.name), sql.SQL(",\n    ").join(lines)
    )
    if t.inherits:
        create = sql.SQL("{} INHERITS ({})").format(create, sql.SQL(", ").join(map(sql.SQL, t.inherits)))
    if t.partition_by is not None:
        create = sql.SQL("{} PARTITION BY {}").format(create, sql.SQL(t.partition_by))
    heads = ("CREATE TABLE IF NOT EXISTS ", "CREATE UNLOGGED TABLE IF NOT EXISTS ")
    return [text(create) if s.startswith(heads) else s for s in rendered]


SHORT = 100
"""Statements up to this many characters, on one line, are not re-laid out."""


def _terminated(statement: str) -> str:
    return statement.rstrip().rstrip(";") + ";"


# Statements whose catalog text is already laid out (function bodies as written, view
# queries as pg_get_viewdef prints them, policies by this module), or read best on one line.
_AS_WRITTEN = (
    "CREATE OR REPLACE FUNCTION ",
    "CREATE OR REPLACE PROCEDURE ",
    "CREATE FUNCTION ",
    "CREATE PROCEDURE ",
    "CREATE VIEW ",
    "CREATE MATERIALIZED VIEW ",
    "CREATE POLICY ",
    "CREATE TRIGGER ",
    "CREATE CONSTRAINT TRIGGER ",
    "GRANT ",
    "REVOKE ",
    "INSERT ",
)


def pretty(statement: str) -> str:
    """The statement through pglast's prettifier, ``;``-terminated, ``IF NOT EXISTS``
    dropped from tables and sequences. Kept as the catalog prints it where that reads
    better: short statements, the kinds in ``_AS_WRITTEN``, and statements with
    ``x::type`` casts (pglast prints every one as ``CAST(x AS type)``); and where pglast
    cannot print it, or its print does not parse back to the same tree."""
    plain = _plain_if_not_exists(statement)
    if (len(plain) <= SHORT and "\n" not in plain) or plain.startswith(_AS_WRITTEN) or "::" in plain:
        return _terminated(plain)
    try:
        parsed = pglast.parse_sql(plain)
    except pglast.parser.ParseError:
        return _terminated(plain)
    if len(parsed) != 1 or parsed[0].stmt is None:
        return _terminated(plain)
    node = parsed[0].stmt
    try:
        printed = pglast.stream.IndentedStream(comma_at_eoln=True)(node)
        same = pglast.parse_sql(printed)[0].stmt == node
    except Exception:  # noqa: BLE001 - pglast cannot print every node; keep the text
        return _terminated(plain)
    if not same or "CAST(" in printed:
        return _terminated(plain)
    return printed.rstrip() + ";"


def _plain_if_not_exists(statement: str) -> str:
    for head in ("CREATE TABLE IF NOT EXISTS ", "CREATE UNLOGGED TABLE IF NOT EXISTS ", "CREATE SEQUENCE IF NOT EXISTS "):
        if statement.startswith(head):
            return head.replace(" IF NOT EXISTS", "") + statement[len(head) :]
    return statement
