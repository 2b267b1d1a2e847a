"""Indexes (those no constraint owns), in one place: the model class, its catalog query
(``index.sql``) and row mapping, the changes (create, drop, replace), the differ, the
renderers with their guard probe and twin, the hazard rule and the rank.

An index is keyed ``("index", "<schema>.<name>")`` and belongs to its table or
materialized view (``owner_key``). Its state is ``pg_get_indexdef``; a changed one is
dropped and built again (``ReplaceIndex``). ``schemakit.online`` turns a build on a
table that exists into ``CREATE INDEX CONCURRENTLY``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pglast
from pglast.stream import RawStream
from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change, Rework, _recreated
from schemakit.hazards import Hazard
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, on_table, owned, pairs, rebuilt_relations
from schemakit.model import DbObject, Key, Model, qualified
from schemakit.render.guard import (
    Twin,
    as_real,
    comment_target,
    drop_for_rework,
    guard,
    ident,
    regclass,
    render_change,
    retargeted,
    text,
    twin_table,
    with_prefix,
)

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Index(DbObject):
    kind: ClassVar[str] = "index"
    schema: str
    table: str
    name: str
    definition: str  # pg_get_indexdef
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def owner_key(self) -> Key:
        return ("table", qualified(self.schema, self.table))

    @property
    def compared(self) -> object:
        return self.definition


def index_from_row(r: tuple[Any, ...]) -> Index:
    """One row of ``index.sql``."""
    return Index(schema=r[0], table=r[1], name=r[2], definition=r[3], comment=r[4])


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateIndex(Change):
    action: ClassVar[Action] = "create"
    index: Index
    table_is_new: bool = False


@dataclass(frozen=True)
class DropIndex(Change):
    """Drop; with ``reworked`` set, only so that a column it uses can be dropped
    or change type, to be created again after (see DropView)."""

    action: ClassVar[Action] = "drop"
    index: Index
    reworked: Rework | None = None

    def describe(self) -> str:
        return _recreated(self)


@dataclass(frozen=True)
class ReplaceIndex(Change):
    action: ClassVar[Action] = "alter"
    old: Index
    new: Index

    @property
    def recreates(self) -> bool:
        return True  # dropped and created again


# -- differ ------------------------------------------------------------------------------


def diff_indexes(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    rebuilt = rebuilt_relations(ctx)
    for old, new in pairs(current, desired, Index):
        if old is not None and new is not None and qualified(old.schema, old.table) in rebuilt:
            # The materialized view is dropped and recreated, and its indexes with it.
            yield CreateIndex(new, table_is_new=True)
            yield from comment(None, new)
            continue
        if new is None:
            assert old is not None
            if not owned(old, ctx.dropped):
                yield DropIndex(old)
            continue
        if old is None:
            yield CreateIndex(new, table_is_new=new.owner_key not in current.objects)
        elif (cause := ctx.users.get(old.key)) is not None:
            yield DropIndex(old, reworked=cause)
            # On a table rebuilt in the same transaction: built there, never concurrently.
            yield CreateIndex(new, table_is_new=new.owner_key in ctx.tables)
        elif old.definition != new.definition:
            yield ReplaceIndex(old=old, new=new)
        yield from comment(old, new)


# -- SQL: probe, twin, statements ------------------------------------------------------


def index_probe(i: Index) -> sql.Composable:
    return sql.SQL(
        "SELECT pg_catalog.pg_get_indexdef(x.indexrelid) FROM pg_catalog.pg_index x "
        "WHERE x.indexrelid = {} AND x.indisvalid"
    ).format(regclass(i.schema, i.name))


def index_twin(i: Index) -> Twin | None:
    create = retargeted(i.definition, i.schema, i.table)
    if create is None:
        return None
    probe = sql.SQL("SELECT {} FROM pg_catalog.pg_index x WHERE x.indexrelid = {} AND x.indisvalid").format(
        as_real("pg_catalog.pg_get_indexdef(x.indexrelid)", i.schema, i.table), regclass("pg_temp", i.name)
    )
    return Twin(setup=(twin_table(i.schema, i.table), create), probe=probe)


def index_if_not_exists(definition: str) -> str:
    if " ON ONLY " in definition:
        # An index on a partitioned table prints ON ONLY (the parent alone, left
        # invalid); created from the files it covers every partition.
        stmt = pglast.parse_sql(definition)[0].stmt
        assert isinstance(stmt, pglast.ast.IndexStmt) and stmt.relation is not None
        stmt.relation.inh = True
        stmt.if_not_exists = True
        return str(RawStream()(stmt))
    return with_prefix(
        definition,
        {"CREATE INDEX ": "CREATE INDEX IF NOT EXISTS ", "CREATE UNIQUE INDEX ": "CREATE UNIQUE INDEX IF NOT EXISTS "},
        if_not_exists=True,
    )


def drop_index_sql(i: Index) -> str:
    return text(sql.SQL("DROP INDEX IF EXISTS {}").format(ident(i.schema, i.name)))


@render_change.register
def render_create_index(c: CreateIndex) -> list[str]:
    i = c.index
    create = index_if_not_exists(i.definition)
    if c.table_is_new:
        return [create]
    # An INVALID index left by a failed concurrent build is dropped and rebuilt.
    drop_invalid = guard(
        what=f"index {i.identity}",
        probe=sql.SQL(
            "SELECT CASE WHEN x.indisvalid THEN 'valid' ELSE 'invalid' END "
            "FROM pg_catalog.pg_index x WHERE x.indexrelid = {}"
        ).format(regclass(i.schema, i.name)),
        target=None,
        origin="invalid",
        actions=[drop_index_sql(i)],
        strict=False,
    )
    return [drop_invalid, create]


@render_change.register
def render_drop_index(c: DropIndex) -> list[str]:
    i = c.index
    if c.reworked is None:
        return [drop_index_sql(i)]
    return [drop_for_rework(c.reworked, drop_index_sql(i))]


@render_change.register
def render_replace_index(c: ReplaceIndex) -> list[str]:
    return [
        guard(
            what=f"index {c.new.identity}",
            probe=index_probe(c.new),
            target=c.new.definition,
            origin=c.old.definition,
            actions=[drop_index_sql(c.old), index_if_not_exists(c.new.definition)],
            twin=index_twin(c.new),
        )
    ]


@comment_target.register
def index_comment_target(obj: Index, column: str | None) -> sql.Composable:
    return sql.SQL("INDEX {}").format(ident(obj.schema, obj.name))


# -- hazards -----------------------------------------------------------------------------


def index_hazards(c: Change, current: Model) -> list[Hazard]:
    """A build on a table that exists blocks its writes; a dropped index is gone for
    the queries that used it."""
    table, exists = on_table(c, current)
    if isinstance(c, CreateIndex) and exists:
        return [
            Hazard(hz.INDEX_BUILD, f"on {table}", table),
            Hazard(hz.ACQUIRES_SHARE_LOCK, f"writes to {table} wait for the build", table),
        ]
    if isinstance(c, ReplaceIndex):
        return [
            Hazard(hz.INDEX_DROPPED, f"{c.old.identity} is rebuilt"),
            Hazard(hz.INDEX_BUILD, f"on {table}", table),
            Hazard(hz.ACQUIRES_SHARE_LOCK, f"writes to {table} wait for the build", table),
        ]
    if isinstance(c, DropIndex):
        return [Hazard(hz.INDEX_DROPPED, c.index.identity)]
    return []


INDEX = Kind(
    name="index",
    ranks=(("index", 7),),
    classes=(Index,),
    differ=diff_indexes,
    hazards=index_hazards,
    statements=frozenset({"create_index", "alter_index"}),
    catalog=CatalogQuery("schemakit.kinds", "index.sql", index_from_row),
)
