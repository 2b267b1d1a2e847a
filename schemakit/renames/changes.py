"""Rename changes (declared by ``renamed-from`` directives): values, SQL, hazards.

Each renders as one guarded statement (schemakit.render.sql's guard): it renames while
the old object exists and the new name is free, does nothing once the new object
exists and the old one is gone, and raises in any other state. Enum values are renamed
by the diff's own ``RenameEnumValue``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from psycopg import sql

from schemakit.changes import Action, Change
from schemakit.hazards import RENAMES_OBJECT, Hazard
from schemakit.model import DbObject
from schemakit.kinds.domain import Domain
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.index import Index
from schemakit.kinds.view import View
from schemakit.kinds.function import Function
from schemakit.kinds.sequence import Sequence
from schemakit.kinds.table import Table
from schemakit.kinds.policy import Policy
from schemakit.render.guard import Name, guard, ident, presence_probe, regclass, render_change, text

@dataclass(frozen=True)
class RenameObject(Change):
    """ALTER ... RENAME TO of a table, view, materialized view, sequence, index, type,
    function or procedure, constraint or policy. ``new`` is the object under its new
    name (otherwise as it is in the target)."""

    action: ClassVar[Action] = "alter"
    old: DbObject
    new: DbObject

    def describe(self) -> str:
        owner = self.new.owner_key
        name = getattr(self.new, "name")
        if owner is not None:
            return f"table {owner[1]}: rename {_word(self.old)} {getattr(self.old, 'name')} to {name}"
        return f"rename {self.kind} {self.old.identity} to {name}"


@dataclass(frozen=True)
class RenameColumn(Change):
    """ALTER TABLE ... RENAME COLUMN. ``table`` is the table as it is after the rename."""

    action: ClassVar[Action] = "alter"
    table: Table
    old_name: str
    new_name: str

    def describe(self) -> str:
        return f"table {self.table.identity}: rename column {self.old_name} to {self.new_name}"


def _word(obj: DbObject) -> str:
    return "constraint" if isinstance(obj, Constraint) else obj.kind


def rename_hazards(c: Change) -> list[Hazard]:
    """A table, view, column, function or type renamed breaks what uses the old name
    outside PostgreSQL's tracking (shown for review, never gating)."""
    if isinstance(c, RenameColumn):
        return [Hazard(RENAMES_OBJECT, f"column {c.old_name} of {c.table.identity} is now {c.new_name}")]
    if isinstance(c, RenameObject) and not isinstance(c.old, (Constraint, Index, Policy, Sequence)):
        return [Hazard(RENAMES_OBJECT, f"{c.old.identity} is now {c.new.identity}")]
    return []


# -- SQL -------------------------------------------------------------------------


def _present(obj: DbObject) -> sql.Composable:
    """'present' while ``obj`` exists (NULL otherwise)."""
    if isinstance(obj, (Constraint, Policy)):
        catalog, rel, col = (
            ("pg_constraint", "conrelid", "conname") if isinstance(obj, Constraint) else ("pg_policy", "polrelid", "polname")
        )
        return sql.SQL("SELECT 'present' FROM pg_catalog.{} x WHERE x.{} = {} AND x.{} = {}").format(
            sql.Identifier(catalog), sql.Identifier(rel), regclass(obj.schema, obj.table), sql.Identifier(col),
            sql.Literal(obj.name),
        )
    if isinstance(obj, Index):
        return sql.SQL("SELECT 'present' FROM pg_catalog.pg_class c WHERE c.oid = {} AND c.relkind IN ('i', 'I')").format(
            regclass(obj.schema, obj.name)
        )
    return presence_probe(obj)


def _state(old: sql.Composable, new: sql.Composable) -> sql.Composable:
    return sql.SQL(
        "SELECT CASE WHEN ({old}) IS NOT NULL AND ({new}) IS NULL THEN 'old' "
        "WHEN ({old}) IS NULL AND ({new}) IS NOT NULL THEN 'renamed' END"
    ).format(old=old, new=new)


_KEYWORDS = {"table": "TABLE", "view": "VIEW", "materialized view": "MATERIALIZED VIEW", "sequence": "SEQUENCE", "index": "INDEX"}


def _statement(old: DbObject, new_name: str) -> sql.Composable:
    to = Name(new_name)
    if isinstance(old, Constraint):
        return sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(ident(old.schema, old.table), Name(old.name), to)
    if isinstance(old, Policy):
        return sql.SQL("ALTER POLICY {} ON {} RENAME TO {}").format(Name(old.name), ident(old.schema, old.table), to)
    if isinstance(old, Function):
        keyword = "PROCEDURE" if old.is_procedure else "FUNCTION"
        return sql.SQL("ALTER {} {}({}) RENAME TO {}").format(
            sql.SQL(keyword), ident(old.schema, old.name), sql.SQL(old.arguments), to
        )
    if old.kind == "type":
        keyword = "DOMAIN" if isinstance(old, Domain) else "TYPE"
        return sql.SQL("ALTER {} {} RENAME TO {}").format(sql.SQL(keyword), ident(getattr(old, "schema"), getattr(old, "name")), to)
    assert isinstance(old, (Table, View, Sequence, Index))
    return sql.SQL("ALTER {} {} RENAME TO {}").format(sql.SQL(_KEYWORDS[old.key[0]]), ident(old.schema, old.name), to)


@render_change.register
def _(c: RenameObject) -> list[str]:
    return [
        guard(
            what=f"{c.old.key[0]} {c.old.identity}",
            probe=_state(_present(c.old), _present(c.new)),
            target="renamed",
            origin="old",
            actions=[text(_statement(c.old, getattr(c.new, "name")))],
        )
    ]


@render_change.register
def _(c: RenameColumn) -> list[str]:
    t = c.table

    def has(column: str) -> sql.Composable:
        return sql.SQL(
            "SELECT 'present' FROM pg_catalog.pg_attribute a WHERE a.attrelid = {} AND a.attname = {} "
            "AND a.attnum > 0 AND NOT a.attisdropped"
        ).format(regclass(t.schema, t.name), sql.Literal(column))

    rename = sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(ident(t.schema, t.name), Name(c.old_name), Name(c.new_name))
    return [
        guard(
            what=f"column {c.old_name} of table {t.identity}",
            probe=_state(has(c.old_name), has(c.new_name)),
            target="renamed",
            origin="old",
            actions=[text(rename)],
        )
    ]
