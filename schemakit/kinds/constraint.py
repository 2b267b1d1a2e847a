"""Table constraints (primary keys, unique, foreign keys, checks, exclusions), in one
place: the model class, its catalog query (``constraint.sql``) and row mapping, the
changes (add, drop, replace), the differ, the renderers with their guard probe and twin
(``constraint_probe`` is also the online path's: ``schemakit.online``), the hazard rule
and the rank.

A constraint is keyed ``("table constraint", "<name> on <schema>.<table>")`` and belongs
to its table (``owner_key``). Its state is ``pg_get_constraintdef``; a changed one is
dropped and added again (``ReplaceConstraint``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change, Rework, _recreated
from schemakit.hazards import Hazard
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, on_table, owned, pairs
from schemakit.model import DbObject, Key, Model, qualified, quote_ident
from schemakit.render.guard import (
    Name,
    Twin,
    comment_target,
    drop_for_rework,
    guard,
    ident,
    on_table_target,
    prefix_on_twin,
    regclass,
    regclass_text,
    render_change,
    text,
    twin_table,
)

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Constraint(DbObject):
    kind: ClassVar[str] = "table constraint"
    schema: str
    table: str
    name: str
    type: str  # p, u, f, c, x
    definition: str  # pg_get_constraintdef
    comment: str | None = None

    @property
    def identity(self) -> str:
        return f"{quote_ident(self.name)} on {qualified(self.schema, self.table)}"

    @property
    def owner_key(self) -> Key:
        return ("table", qualified(self.schema, self.table))

    @property
    def compared(self) -> object:
        return (self.type, self.definition)


def constraint_from_row(r: tuple[Any, ...]) -> Constraint:
    """One row of ``constraint.sql``."""
    return Constraint(schema=r[0], table=r[1], name=r[2], type=r[3], definition=r[4], comment=r[5])


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AddConstraint(Change):
    action: ClassVar[Action] = "create"
    constraint: Constraint

    def describe(self) -> str:
        return f"constraint {self.key[1]}: {self.constraint.definition}"


@dataclass(frozen=True)
class DropConstraint(Change):
    """Drop; with ``reworked`` set, only so that a column it uses can be dropped
    or change type, to be created again after (see DropView)."""

    action: ClassVar[Action] = "drop"
    constraint: Constraint
    reworked: Rework | None = None

    def describe(self) -> str:
        return _recreated(self)


@dataclass(frozen=True)
class ReplaceConstraint(Change):
    action: ClassVar[Action] = "alter"
    old: Constraint
    new: Constraint

    @property
    def recreates(self) -> bool:
        return True  # dropped and created again

    def describe(self) -> str:
        return f"constraint {self.key[1]}: {self.old.definition} → {self.new.definition}"


# -- differ ------------------------------------------------------------------------------


def diff_constraints(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, Constraint):
        if new is None:
            assert old is not None
            if not owned(old, ctx.dropped):
                yield DropConstraint(old)
            continue
        if old is None:
            yield AddConstraint(new)
        elif (cause := ctx.users.get(old.key)) is not None:
            yield DropConstraint(old, reworked=cause)
            yield AddConstraint(new)
        elif (old.type, old.definition) != (new.type, new.definition):
            yield ReplaceConstraint(old=old, new=new)
        yield from comment(old, new)


# -- SQL: probe, twin, statements ------------------------------------------------------


def constraint_probe(c: Constraint) -> sql.Composable:
    return sql.SQL(
        "SELECT pg_catalog.pg_get_constraintdef(c.oid) FROM pg_catalog.pg_constraint c "
        "WHERE c.conrelid = {} AND c.conname = {}"
    ).format(regclass(c.schema, c.table), sql.Literal(c.name))


def constraint_twin(k: Constraint, add: str) -> Twin | None:
    """The constraint (``add``: its ALTER TABLE ... ADD CONSTRAINT) on a temporary copy of
    its table; none for a foreign key (a temporary table may not reference a permanent one)."""
    if k.type == "f":
        return None
    return Twin(
        setup=(twin_table(k.schema, k.table), prefix_on_twin(add, "ALTER TABLE ", k.schema, k.table)),
        probe=(regclass_text(k.schema, k.table), regclass_text("pg_temp", k.table)),
    )


def add_constraint_sql(k: Constraint) -> str:
    return text(
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            ident(k.schema, k.table), Name(k.name), sql.SQL(k.definition)
        )
    )


def drop_constraint_sql(k: Constraint) -> str:
    return text(
        sql.SQL("ALTER TABLE IF EXISTS {} DROP CONSTRAINT IF EXISTS {}").format(
            ident(k.schema, k.table), Name(k.name)
        )
    )


@render_change.register
def render_add_constraint(c: AddConstraint) -> list[str]:
    k = c.constraint
    add = add_constraint_sql(k)
    return [
        guard(
            what=f"constraint {k.identity}",
            probe=constraint_probe(k),
            target=k.definition,
            origin=None,
            actions=[add],
            twin=constraint_twin(k, add),
        )
    ]


@render_change.register
def render_drop_constraint(c: DropConstraint) -> list[str]:
    k = c.constraint
    if c.reworked is None:
        return [drop_constraint_sql(k)]
    return [drop_for_rework(c.reworked, drop_constraint_sql(k))]


@render_change.register
def render_replace_constraint(c: ReplaceConstraint) -> list[str]:
    add = add_constraint_sql(c.new)
    return [
        guard(
            what=f"constraint {c.new.identity}",
            probe=constraint_probe(c.new),
            target=c.new.definition,
            origin=c.old.definition,
            actions=[drop_constraint_sql(c.old), add],
            twin=constraint_twin(c.new, add),
        )
    ]


@comment_target.register
def constraint_comment_target(obj: Constraint, column: str | None) -> sql.Composable:
    return on_table_target("CONSTRAINT", obj.name, obj.schema, obj.table)


# -- hazards -----------------------------------------------------------------------------


def constraint_hazards(c: Change, current: Model) -> list[Hazard]:
    """Adding a constraint to a table that exists validates it over every row, under lock."""
    table, exists = on_table(c, current)
    if isinstance(c, (AddConstraint, ReplaceConstraint)) and exists:
        return [Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"validates the constraint over {table}", table)]
    return []


CONSTRAINT = Kind(
    name="constraint",
    ranks=(("table constraint", 6),),
    classes=(Constraint,),
    differ=diff_constraints,
    hazards=constraint_hazards,
    statements=frozenset({"alter_table"}),
    catalog=CatalogQuery("schemakit.kinds", "constraint.sql", constraint_from_row),
)
