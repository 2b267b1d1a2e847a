"""Functions and procedures, in one place: the model class (one class, keyed
``function`` or ``procedure``), the changes (create or replace, drop), the differ,
``recreated_functions`` (those whose result type changes, which the diff's rework code
uses too), the renderers with ``function_target``, the comment target, the hazard rule
and the ranks.

Its catalog query is ``function.sql`` (``function_from_row``, ``Kind.catalog``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change, Rework, _recreated
from schemakit.hazards import Hazard
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, pairs
from schemakit.model import DbObject, Key, Model, qualified
from schemakit.render.guard import comment_target, drop_for_rework, gone_guard, ident, render_change, text


@dataclass(frozen=True, slots=True)
class Function(DbObject):
    kind: ClassVar[str] = "function"
    schema: str
    name: str
    arguments: str  # pg_get_function_identity_arguments
    result: str  # pg_get_function_result ('' for procedures)
    definition: str  # pg_get_functiondef
    is_procedure: bool = False
    comment: str | None = None

    @property
    def identity(self) -> str:
        return f"{qualified(self.schema, self.name)}({self.arguments})"

    @property
    def key(self) -> Key:
        return ("procedure" if self.is_procedure else "function", self.identity)


def function_from_row(r: tuple[Any, ...]) -> Function:
    """One row of ``function.sql``."""
    return Function(
        schema=r[0],
        name=r[1],
        arguments=r[2],
        result=r[3],
        definition=r[4],
        is_procedure=r[5],
        comment=r[6],
    )


@dataclass(frozen=True)
class CreateFunction(Change):
    """CREATE OR REPLACE; ``old`` is set when the function exists with another body."""

    action: ClassVar[Action] = "create"
    function: Function
    old: Function | None = None


@dataclass(frozen=True)
class DropFunction(Change):
    """Drop; with ``reworked`` set, only so that a type in its signature can be
    rebuilt (or a function it uses dropped), to be created again after."""

    action: ClassVar[Action] = "drop"
    function: Function
    reworked: Rework | None = None

    def describe(self) -> str:
        return _recreated(self)


def recreated_functions(current: Model, desired: Model) -> list[tuple[Function, Function]]:
    """Functions whose result type changes: dropped and created again."""
    return [
        (old, new)
        for old, new in pairs(current, desired, Function)
        if old is not None and new is not None and (old.result, old.is_procedure) != (new.result, new.is_procedure)
    ]


def diff_functions(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, Function):
        if new is None:
            assert old is not None
            yield DropFunction(old)
            continue
        if old is not None and (old.result, old.is_procedure) != (new.result, new.is_procedure):
            yield DropFunction(old, reworked=(old, new))  # guarded by the result type
            yield CreateFunction(new)
        elif old is not None and (cause := ctx.users.get(old.key)) is not None:
            yield DropFunction(old, reworked=cause)
            yield CreateFunction(new)
        elif old is None or old.definition != new.definition:
            yield CreateFunction(new, old=old)
        yield from comment(old, new)


def function_target(f: Function) -> sql.Composable:
    return sql.SQL("{} {}({})").format(
        sql.SQL("PROCEDURE" if f.is_procedure else "FUNCTION"),
        ident(f.schema, f.name),
        sql.SQL(f.arguments),
    )


@render_change.register
def render_create_function(c: CreateFunction) -> list[str]:
    return [c.function.definition.strip()]


@render_change.register
def render_drop_function(c: DropFunction) -> list[str]:
    drop = text(sql.SQL("DROP {} IF EXISTS {}({})").format(
        sql.SQL("PROCEDURE" if c.function.is_procedure else "FUNCTION"),
        ident(c.function.schema, c.function.name),
        sql.SQL(c.function.arguments),
    ))
    if c.reworked is not None:
        return [drop_for_rework(c.reworked, drop)]
    # Guarded by the exact signature: DROP FUNCTION ignores argument names, and a new
    # function that only renames them is the same one to PostgreSQL.
    return [gone_guard(c.function, [drop])]


def function_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, (CreateFunction, DropFunction)) and c.key in current.objects:
        return [Hazard(hz.HAS_UNTRACKABLE_DEPENDENCIES, c.key[1])]
    return []


@comment_target.register
def function_comment_target(obj: Function, column: str | None) -> sql.Composable:
    return function_target(obj)


FUNCTION = Kind(
    name="function",
    ranks=(("function", 4), ("procedure", 4)),
    classes=(Function,),
    differ=diff_functions,
    hazards=function_hazards,
    statements=frozenset({"create_function", "create_procedure", "alter_function", "alter_procedure"}),
    catalog=CatalogQuery("schemakit.kinds", "function.sql", function_from_row),
)
