"""Composite types, in one place: the model class, its catalog query
(``composite.sql``) and row mapping, the changes (create, drop, alter
attributes, rebuild), the differ, the renderers with their probe, the comment target
and the registry's ``Kind``.

A composite type is keyed ``("type", "<schema>.<name>")``. Its attributes change in
place (ALTER TYPE ... CASCADE), except an attribute's type while a column or another
type uses it: the type is rebuilt then (``schemakit.kinds.typecommon``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit.changes import Action, Change, NestedRebuild
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, pairs
from schemakit.kinds.typecommon import (
    composite_rebuilt,
    nested_comment,
    nested_keys,
    rebuild_type,
    type_columns,
    type_probe,
    type_rebuild_hazards,
    unset_defaults,
)
from schemakit.model import DbObject, Model, qualified
from schemakit.kinds.columns import Column
from schemakit.kinds.table import Table
from schemakit.render.guard import Name, comment_target, guard, ident, render_change, text


# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompositeType(DbObject):
    kind: ClassVar[str] = "type"
    schema: str
    name: str
    attributes: tuple[tuple[str, str], ...]  # (name, format_type), in order
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)



def composite_from_row(r: tuple[Any, ...]) -> CompositeType:
    """One row of ``composite.sql``."""
    return CompositeType(schema=r[0], name=r[1], attributes=tuple((a[0], a[1]) for a in r[2] or ()), comment=r[3])


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateComposite(Change):
    action: ClassVar[Action] = "create"
    type: CompositeType


@dataclass(frozen=True)
class DropComposite(Change):
    action: ClassVar[Action] = "drop"
    type: CompositeType


@dataclass(frozen=True)
class AlterComposite(Change):
    """ALTER TYPE ... ADD / DROP / ALTER ATTRIBUTE, cascading to columns of the type."""

    action: ClassVar[Action] = "alter"
    old: CompositeType
    new: CompositeType

    def describe(self) -> str:
        return f"type {self.key[1]}: attributes ({', '.join(a for a, _ in self.new.attributes)})"


@dataclass(frozen=True)
class RebuildComposite(Change):
    """Attribute types change while columns use the type (PostgreSQL refuses ALTER
    ATTRIBUTE ... TYPE then): a new type replaces the old one and its columns are
    converted through text (the attribute names stay, in order). Objects using those
    columns are dropped before and created after."""

    action: ClassVar[Action] = "alter"
    old: CompositeType
    new: CompositeType
    columns: tuple[tuple[Table, Column], ...] = ()
    nested: tuple[NestedRebuild, ...] = ()  # types over it, rebuilt with it

    @property
    def recreates(self) -> bool:
        return True  # dropped and created again

    @property
    def cause(self) -> tuple[CompositeType, CompositeType]:
        return self.old, self.new

    def describe(self) -> str:
        old = dict(self.old.attributes)
        what = [f"{a} {old[a]} → {ty}" for a, ty in self.new.attributes if old.get(a) != ty]
        return f"type {self.key[1]}: rebuild ({', '.join(what)})"


# -- differ ------------------------------------------------------------------------------


def diff_composites(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    nested = nested_keys(ctx)
    for old, new in pairs(current, desired, CompositeType):
        if old is not None and new is not None and new.key in nested:
            yield from nested_comment(old, new)
            continue
        if new is None:
            assert old is not None
            yield DropComposite(old)
            continue
        if old is None:
            yield CreateComposite(new)
        elif composite_rebuilt(current, desired, old, new):
            yield RebuildComposite(
                old=old,
                new=new,
                columns=unset_defaults(type_columns(current, desired, old.identity, partitions=False), ctx.users),
                nested=ctx.nested.get(old.identity, ()),
            )
        elif old.attributes != new.attributes:
            yield AlterComposite(old=old, new=new)
        yield from comment(old, new)


# -- SQL: probes, statements -------------------------------------------------------------


def attributes_state(attributes: tuple[tuple[str, str], ...]) -> str:
    return ",".join(f"{name} {type_}" for name, type_ in attributes)


def composite_probe(t: CompositeType) -> sql.Composable:
    return type_probe(
        t.schema,
        t.name,
        "(SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ',' "
        "ORDER BY a.attnum) FROM pg_catalog.pg_attribute a "
        "WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)",
        "c",
    )


def create_composite_sql(t: CompositeType) -> str:
    fields = sql.SQL(", ").join(sql.SQL("{} {}").format(Name(a), sql.SQL(ty)) for a, ty in t.attributes)
    return text(sql.SQL("CREATE TYPE {} AS ({})").format(ident(t.schema, t.name), fields))


@render_change.register
def render_create_composite(c: CreateComposite) -> list[str]:
    t = c.type
    return [
        guard(
            what=f"type {t.identity}",
            probe=composite_probe(t),
            target=attributes_state(t.attributes),
            origin=None,
            actions=[create_composite_sql(t)],
        )
    ]


@render_change.register
def render_drop_composite(c: DropComposite) -> list[str]:
    return [text(sql.SQL("DROP TYPE IF EXISTS {}").format(ident(c.type.schema, c.type.name)))]


@render_change.register
def render_alter_composite(c: AlterComposite) -> list[str]:
    o, n = c.old, c.new
    name = ident(n.schema, n.name)
    old, new = dict(o.attributes), dict(n.attributes)
    kept = [a for a, _ in o.attributes if a in new]
    if kept != [a for a, _ in n.attributes if a in old]:
        kept = []  # reordered: PostgreSQL cannot move attributes, so all are re-added
    ops: list[sql.Composable] = []
    for a, _ in o.attributes:
        if a not in kept:
            ops.append(sql.SQL("DROP ATTRIBUTE IF EXISTS {} CASCADE").format(Name(a)))
    for a, ty in n.attributes:
        if a not in kept:
            ops.append(sql.SQL("ADD ATTRIBUTE {} {} CASCADE").format(Name(a), sql.SQL(ty)))
        elif old[a] != ty:
            ops.append(sql.SQL("ALTER ATTRIBUTE {} TYPE {} CASCADE").format(Name(a), sql.SQL(ty)))
    return [
        guard(
            what=f"type {n.identity}",
            probe=composite_probe(n),
            target=attributes_state(n.attributes),
            origin=attributes_state(o.attributes),
            actions=[text(sql.SQL("ALTER TYPE {} {}").format(name, sql.SQL(", ").join(ops)))],
        )
    ]


@render_change.register
def render_rebuild_composite(c: RebuildComposite) -> list[str]:
    return rebuild_type(c, "TYPE", create_composite_sql(c.new), via="text")


@comment_target.register
def composite_comment_target(obj: CompositeType, column: str | None) -> sql.Composable:
    return sql.SQL("TYPE {}").format(ident(obj.schema, obj.name))


# -- the registry ---------------------------------------------------------------------


COMPOSITE = Kind(
    name="composite",
    ranks=(("type", 2),),
    classes=(CompositeType,),
    differ=diff_composites,
    hazards=type_rebuild_hazards,
    statements=frozenset({"create_composite_type", "alter_type"}),
    catalog=CatalogQuery("schemakit.kinds", "composite.sql", composite_from_row),
)
