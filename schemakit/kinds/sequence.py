"""Standalone sequences, in one place: the model class, its catalog query
(``sequence.sql``) and row mapping, the changes (create, alter, drop), the differ, the
renderers, the comment target and the rank.

A sequence is keyed ``("sequence", "<schema>.<name>")``. Identity and serial sequences
are not sequences of their own: they are folded into their column
(``schemakit.kinds.columns``). ALTER SEQUENCE sets the same values on a second run (no
RESTART), so its statements need no guard.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit.changes import Action, Change
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, no_hazards, pairs
from schemakit.model import DbObject, Model, qualified
from schemakit.render.guard import comment_target, ident, render_change, text

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sequence(DbObject):
    """A standalone sequence (identity and serial sequences are folded into columns)."""

    kind: ClassVar[str] = "sequence"
    schema: str
    name: str
    type: str
    start: int
    increment: int
    minvalue: int
    maxvalue: int
    cache: int
    cycle: bool
    owned_by: str | None = None  # schema.table.column (quoted as needed)
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)


def sequence_from_row(r: tuple[Any, ...]) -> Sequence:
    """One row of ``sequence.sql``."""
    return Sequence(
        schema=r[0],
        name=r[1],
        type=r[2],
        start=int(r[3]),
        increment=int(r[4]),
        minvalue=int(r[5]),
        maxvalue=int(r[6]),
        cache=int(r[7]),
        cycle=bool(r[8]),
        owned_by=r[9],
        comment=r[10],
    )


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateSequence(Change):
    action: ClassVar[Action] = "create"
    sequence: Sequence


@dataclass(frozen=True)
class AlterSequence(Change):
    action: ClassVar[Action] = "alter"
    old: Sequence
    new: Sequence


@dataclass(frozen=True)
class DropSequence(Change):
    action: ClassVar[Action] = "drop"
    sequence: Sequence


# -- differ ------------------------------------------------------------------------------


def diff_sequences(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, Sequence):
        if new is None:
            assert old is not None
            yield DropSequence(old)
            continue
        if old is None:
            yield CreateSequence(new)
        elif sequence_shape(old) != sequence_shape(new):
            yield AlterSequence(old=old, new=new)
        yield from comment(old, new)


def sequence_shape(s: Sequence) -> tuple[object, ...]:
    return (s.type, s.start, s.increment, s.minvalue, s.maxvalue, s.cache, s.cycle, s.owned_by)


# -- SQL ---------------------------------------------------------------------------------


def sequence_options(q: Sequence) -> sql.Composable:
    return sql.SQL(
        "AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}"
    ).format(
        sql.SQL(q.type),
        sql.Literal(q.increment),
        sql.Literal(q.minvalue),
        sql.Literal(q.maxvalue),
        sql.Literal(q.start),
        sql.Literal(q.cache),
        sql.SQL("CYCLE" if q.cycle else "NO CYCLE"),
    )


def sequence_owner_sql(q: Sequence) -> str:
    owner = sql.SQL(q.owned_by) if q.owned_by is not None else sql.SQL("NONE")
    return text(sql.SQL("ALTER SEQUENCE {} OWNED BY {}").format(ident(q.schema, q.name), owner))


@render_change.register
def render_create_sequence(c: CreateSequence) -> list[str]:
    q = c.sequence
    out = [
        text(
            sql.SQL("CREATE SEQUENCE IF NOT EXISTS {} {}").format(
                ident(q.schema, q.name), sequence_options(q)
            )
        )
    ]
    if q.owned_by is not None:
        out.append(sequence_owner_sql(q))
    return out


@render_change.register
def render_alter_sequence(c: AlterSequence) -> list[str]:
    # ALTER SEQUENCE sets the same values on a second run: no RESTART, so no value is lost.
    q = c.new
    out = [text(sql.SQL("ALTER SEQUENCE {} {}").format(ident(q.schema, q.name), sequence_options(q)))]
    if c.old.owned_by != q.owned_by:
        out.append(sequence_owner_sql(q))
    return out


@render_change.register
def render_drop_sequence(c: DropSequence) -> list[str]:
    q = c.sequence
    return [text(sql.SQL("DROP SEQUENCE IF EXISTS {}").format(ident(q.schema, q.name)))]


@comment_target.register
def sequence_comment_target(obj: Sequence, column: str | None) -> sql.Composable:
    return sql.SQL("SEQUENCE {}").format(ident(obj.schema, obj.name))


SEQUENCE = Kind(
    name="sequence",
    ranks=(("sequence", 3),),
    classes=(Sequence,),
    differ=diff_sequences,
    hazards=no_hazards,
    statements=frozenset({"create_sequence", "alter_sequence"}),
    catalog=CatalogQuery("schemakit.kinds", "sequence.sql", sequence_from_row),
)
