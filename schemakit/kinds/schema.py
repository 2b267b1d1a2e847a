"""Schemas, in one place: the model class, the changes (create, drop), the differ,
the renderers, the comment target and the rank. ``public`` is never created nor
dropped (every database has it); its comment is compared like any other.

Its catalog query is ``schema.sql`` (``schema_from_row``), read first by the catalog reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit.changes import Action, Change
from schemakit.kinds.base import Context, Kind, comment, no_hazards, pairs
from schemakit.model import DbObject, Model, quote_ident
from schemakit.render.guard import Name, comment_target, render_change, text


@dataclass(frozen=True, slots=True)
class Schema(DbObject):
    kind: ClassVar[str] = "schema"
    name: str
    comment: str | None = None

    @property
    def identity(self) -> str:
        return self.name_sql

    @property
    def name_sql(self) -> str:
        return quote_ident(self.name)


def schema_from_row(r: tuple[Any, ...]) -> Schema:
    """One row of ``schema.sql``."""
    return Schema(name=r[0], comment=r[1])


@dataclass(frozen=True)
class CreateSchema(Change):
    action: ClassVar[Action] = "create"
    schema: Schema


@dataclass(frozen=True)
class DropSchema(Change):
    action: ClassVar[Action] = "drop"
    schema: Schema


def diff_schemas(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, Schema):
        if new is None:
            assert old is not None
            if old.name != "public":
                yield DropSchema(old)
            continue
        if old is None and new.name != "public":
            yield CreateSchema(new)
        yield from comment(old, new)


@render_change.register
def render_create_schema(c: CreateSchema) -> list[str]:
    return [text(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Name(c.schema.name)))]


@render_change.register
def render_drop_schema(c: DropSchema) -> list[str]:
    return [text(sql.SQL("DROP SCHEMA IF EXISTS {}").format(Name(c.schema.name)))]


@comment_target.register
def schema_comment_target(obj: Schema, column: str | None) -> sql.Composable:
    return sql.SQL("SCHEMA {}").format(Name(obj.name))


SCHEMA = Kind(
    name="schema",
    ranks=(("schema", 0),),
    classes=(Schema,),
    differ=diff_schemas,
    hazards=no_hazards,
    statements=frozenset({"create_schema"}),
)
