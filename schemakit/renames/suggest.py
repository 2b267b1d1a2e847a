"""Suggested renames: a plan that drops one object and adds another of the same shape
(same kind and table; for a column, the same type) may be a rename. The plan says
"possible rename", with the directive line that would keep the data.

Only one-to-one matches are suggested: one drop and one add of a shape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from schemakit.changes import Change
from schemakit.kinds.enum import CreateEnum, DropEnum
from schemakit.kinds.constraint import AddConstraint, DropConstraint
from schemakit.kinds.index import CreateIndex, DropIndex
from schemakit.kinds.view import CreateView, DropView
from schemakit.kinds.function import CreateFunction, DropFunction
from schemakit.kinds.columns import AddColumn, DropColumn
from schemakit.kinds.table import CreateTable, DropTable
from schemakit.kinds.policy import CreatePolicy, DropPolicy

from schemakit.model import DbObject
from schemakit.kinds.table import Table
from schemakit.renames.directives import directive_line
from schemakit.renames.rewrite import swap


@dataclass(frozen=True)
class PossibleRename:
    """``old`` (dropped) may be ``new`` (added) renamed. ``on`` is the table of a column,
    constraint, index or policy."""

    kind: str
    old: str
    new: str
    on: str | None = None
    detail: str = ""  # what they share: a column's type

    @property
    def directive(self) -> str:
        return directive_line("enum value" if self.kind == "enum value" else self.kind, self.old)

    def text(self) -> str:
        where = f" of {self.on}" if self.on else ""
        shape = f" ({self.detail})" if self.detail else ""
        return (
            f"possible rename: {self.kind} {self.old}{where} → {self.new}{shape}: to keep the data, "
            f"add `{self.directive}` on {self.new}'s definition"
        )

    def to_json(self) -> dict[str, str | None]:
        return {"kind": self.kind, "old": self.old, "new": self.new, "on": self.on, "directive": self.directive}


Shape = tuple[str, Hashable]


def possible_renames(changes: Sequence[Change]) -> tuple[PossibleRename, ...]:
    drops: dict[Shape, list[tuple[str, str | None, str]]] = defaultdict(list)
    adds: dict[Shape, list[tuple[str, str | None, str]]] = defaultdict(list)
    for c in changes:
        for side, found in ((drops, _dropped(c)), (adds, _added(c))):
            if found is not None:
                shape, name, on, detail = found
                side[shape].append((name, on, detail))
    out = []
    for shape, gone in drops.items():
        came = adds.get(shape, [])
        if len(gone) == 1 and len(came) == 1 and gone[0][0] != came[0][0]:
            out.append(PossibleRename(kind=shape[0], old=gone[0][0], new=came[0][0], on=gone[0][1], detail=gone[0][2]))
    return tuple(sorted(out, key=lambda p: (p.kind, p.on or "", p.old)))


Found = tuple[Shape, str, "str | None", str]


def _dropped(c: Change) -> Found | None:
    if getattr(c, "reworked", None) is not None or getattr(c, "because", None) is not None:
        return None  # dropped to be created again
    if isinstance(c, DropColumn):
        return _column(c.table, c.column.name, c.column.type)
    if isinstance(c, (DropTable, DropView, DropIndex, DropConstraint, DropPolicy, DropFunction, DropEnum)):
        return shape_of(c.subject)
    return None


def _added(c: Change) -> Found | None:
    if isinstance(c, AddColumn):
        return _column(c.table, c.column.name, c.column.type)
    if isinstance(c, (CreateView, CreateFunction)) and c.old is not None:
        return None
    if isinstance(c, (CreateTable, CreateView, CreateIndex, AddConstraint, CreatePolicy, CreateFunction, CreateEnum)):
        return shape_of(c.subject)
    return None


def _column(table: Table, name: str, type_: str) -> Found:
    return (("column", (table.identity, type_)), name, table.identity, type_)


def shape_of(obj: DbObject) -> Found | None:
    """The shape of a dropped or added object: what stays when its name changes."""
    name: str = getattr(obj, "name")
    schema: str = getattr(obj, "schema", "")
    kind = obj.key[0]
    on = obj.owner_key[1] if obj.owner_key is not None else None
    shape: Hashable
    if isinstance(obj, Table):
        shape = (schema, tuple(sorted((c.name, c.type) for c in obj.columns)))
    elif kind in ("index", "table constraint"):
        kind = "index" if kind == "index" else "constraint"
        shape = (on, swap(getattr(obj, "definition"), name, "_"))
    elif kind == "policy":
        shape = (on, tuple(getattr(obj, f) for f in ("permissive", "command", "roles", "using", "check")))
    elif kind in ("function", "procedure"):
        kind = "function"
        shape = (schema, getattr(obj, "arguments"), getattr(obj, "result"), _body(getattr(obj, "definition")))
    elif kind in ("view", "materialized view"):
        shape = (schema, getattr(obj, "definition"), getattr(obj, "columns"))
    elif kind == "type":
        shape = (schema, getattr(obj, "labels", None))
    else:
        return None
    return ((kind, shape), name, on, "")


def _body(definition: str) -> str:
    """A function's definition from its body on (its header names it)."""
    return definition.split("\n", 1)[-1]

