"""Enum types, in one place: the model class, its catalog query
(``enum.sql``) and row mapping, the changes (create, drop, add a value,
rename a value when asked, rebuild), the differ, the renderers with their probe, the
comment target and the registry's ``Kind``.

An enum is keyed ``("type", "<schema>.<name>")``. Values are only added in place; a
value removed or values reordered rebuild the type (``schemakit.kinds.typecommon``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from psycopg import sql

from schemakit.changes import Action, Change, NestedRebuild
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, pairs
from schemakit.kinds.typecommon import rebuild_type, type_columns, type_rebuild_hazards, unset_defaults
from schemakit.model import DbObject, Model, qualified
from schemakit.kinds.columns import Column
from schemakit.kinds.table import Table
from schemakit.render.guard import comment_target, guard, ident, render_change, text


# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnumType(DbObject):
    kind: ClassVar[str] = "type"
    schema: str
    name: str
    labels: tuple[str, ...]
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)



def enum_from_row(r: tuple[Any, ...]) -> EnumType:
    """One row of ``enum.sql``."""
    return EnumType(schema=r[0], name=r[1], labels=tuple(r[2]), comment=r[3])


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateEnum(Change):
    action: ClassVar[Action] = "create"
    enum: EnumType

    def describe(self) -> str:
        return f"enum {self.key[1]} ({', '.join(self.enum.labels)})"


@dataclass(frozen=True)
class DropEnum(Change):
    action: ClassVar[Action] = "drop"
    enum: EnumType

    def describe(self) -> str:
        return f"enum {self.key[1]}"


@dataclass(frozen=True)
class AddEnumValue(Change):
    action: ClassVar[Action] = "alter"
    enum: EnumType
    value: str
    before: str | None = None
    after: str | None = None

    def describe(self) -> str:
        return f"enum {self.key[1]}: add value {self.value!r}"


@dataclass(frozen=True)
class RenameEnumValue(Change):
    """ALTER TYPE ... RENAME VALUE, only when asked (a diff cannot tell a rename from a
    removal and an addition)."""

    action: ClassVar[Action] = "alter"
    enum: EnumType
    old_value: str
    new_value: str

    def describe(self) -> str:
        return f"enum {self.key[1]}: rename value {self.old_value!r} to {self.new_value!r}"


@dataclass(frozen=True)
class RebuildEnum(Change):
    """Values removed or reordered: a new type replaces the old one, and the columns
    of that type (``columns``: (table, column) in the desired state) are converted
    through text. Objects using those columns are dropped before and created after."""

    action: ClassVar[Action] = "alter"
    old: EnumType
    new: EnumType
    columns: tuple[tuple[Table, Column], ...] = ()
    nested: tuple[NestedRebuild, ...] = ()  # types over it, rebuilt with it

    @property
    def recreates(self) -> bool:
        return True  # dropped and created again

    @property
    def cause(self) -> tuple[EnumType, EnumType]:
        return self.old, self.new

    def describe(self) -> str:
        removed = [v for v in self.old.labels if v not in self.new.labels]
        what = f"remove {', '.join(map(repr, removed))}" if removed else "reorder values"
        return f"enum {self.key[1]}: rebuild ({what})"


# -- differ ------------------------------------------------------------------------------


def diff_enums(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, EnumType):
        if new is None:
            assert old is not None
            yield DropEnum(old)
            continue
        unrenamed: dict[str, str] = {}
        if old is not None:
            # Renames asked for on the command line; the rest compares as usual. New
            # values commit in a phase before the renames run (schemakit.phases), so
            # they are placed next to the old names.
            for was, now in ctx.renames.get(old.identity, {}).items():
                if was in old.labels and now not in old.labels and now in new.labels:
                    labels = tuple(now if v == was else v for v in old.labels)
                    yield RenameEnumValue(enum=new, old_value=was, new_value=now)
                    old = replace(old, labels=labels)
                    unrenamed[now] = was
        if old is None:
            yield CreateEnum(new)
        elif old.labels != new.labels:
            kept = [label for label in new.labels if label in old.labels]
            if kept == list(old.labels):
                # Only additions, with the old values in their old order.
                for i, label in enumerate(new.labels):
                    if label in old.labels:
                        continue
                    # After the previous value (old, or added just before), or else
                    # before the first old value that follows.
                    after = new.labels[i - 1] if i > 0 else None
                    before = None if after is not None else next(v for v in new.labels if v in old.labels)
                    yield AddEnumValue(
                        enum=new,
                        value=label,
                        before=unrenamed.get(before, before) if before is not None else None,
                        after=unrenamed.get(after, after) if after is not None else None,
                    )
            else:
                yield RebuildEnum(
                    old=old,
                    new=new,
                    columns=unset_defaults(type_columns(current, desired, old.identity, partitions=False), ctx.users),
                    nested=ctx.nested.get(old.identity, ()),
                )
        yield from comment(old, new)


# -- SQL: probes, statements -------------------------------------------------------------


def enum_probe(e: EnumType) -> sql.Composable:
    return sql.SQL(
        "SELECT pg_catalog.string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) "
        "FROM pg_catalog.pg_enum e WHERE e.enumtypid = pg_catalog.to_regtype({})"
    ).format(sql.Literal(text(ident(e.schema, e.name))))


@render_change.register
def render_create_enum(c: CreateEnum) -> list[str]:
    e = c.enum
    create = text(
        sql.SQL("CREATE TYPE {} AS ENUM ({})").format(
            ident(e.schema, e.name), sql.SQL(", ").join(sql.Literal(v) for v in e.labels)
        )
    )
    return [
        guard(
            what=f"type {e.identity}",
            probe=enum_probe(e),
            target=",".join(e.labels),
            origin=None,
            actions=[create],
        )
    ]


@render_change.register
def render_rename_enum_value(c: RenameEnumValue) -> list[str]:
    e = c.enum
    rename = sql.SQL("ALTER TYPE {} RENAME VALUE {} TO {}").format(
        ident(e.schema, e.name), sql.Literal(c.old_value), sql.Literal(c.new_value)
    )
    # The state right after the rename, or any later state with the new name and
    # without the old one, counts as done (values added meanwhile commit earlier).
    probe = sql.SQL(
        "SELECT CASE WHEN bool_or(e.enumlabel = {new}) AND NOT bool_or(e.enumlabel = {old}) THEN 'renamed' "
        "WHEN bool_or(e.enumlabel = {old}) THEN 'old' END "
        "FROM pg_catalog.pg_enum e WHERE e.enumtypid = pg_catalog.to_regtype({name})"
    ).format(new=sql.Literal(c.new_value), old=sql.Literal(c.old_value), name=sql.Literal(text(ident(e.schema, e.name))))
    return [guard(what=f"type {e.identity}", probe=probe, target="renamed", origin="old", actions=[text(rename)])]


@render_change.register
def render_rebuild_enum(c: RebuildEnum) -> list[str]:
    e = c.new
    labels = sql.SQL(", ").join(sql.Literal(v) for v in e.labels)
    create = text(sql.SQL("CREATE TYPE {} AS ENUM ({})").format(ident(e.schema, e.name), labels))
    return rebuild_type(c, "TYPE", create, via="text")


@render_change.register
def render_drop_enum(c: DropEnum) -> list[str]:
    return [text(sql.SQL("DROP TYPE IF EXISTS {}").format(ident(c.enum.schema, c.enum.name)))]


@render_change.register
def render_add_enum_value(c: AddEnumValue) -> list[str]:
    stmt = sql.SQL("ALTER TYPE {} ADD VALUE IF NOT EXISTS {}").format(
        ident(c.enum.schema, c.enum.name), sql.Literal(c.value)
    )
    if c.after is not None:
        stmt = sql.SQL("{} AFTER {}").format(stmt, sql.Literal(c.after))
    elif c.before is not None:
        stmt = sql.SQL("{} BEFORE {}").format(stmt, sql.Literal(c.before))
    return [text(stmt)]


@comment_target.register
def enum_comment_target(obj: EnumType, column: str | None) -> sql.Composable:
    return sql.SQL("TYPE {}").format(ident(obj.schema, obj.name))


# -- the registry ---------------------------------------------------------------------


ENUM = Kind(
    name="enum",
    ranks=(("type", 2),),
    classes=(EnumType,),
    differ=diff_enums,
    hazards=type_rebuild_hazards,
    statements=frozenset({"create_enum", "alter_type"}),
    catalog=CatalogQuery("schemakit.kinds", "enum.sql", enum_from_row),
)
