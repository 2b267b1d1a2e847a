"""Change values: what the diff finds, one small frozen dataclass per operation.

A change names the object it touches (``key``), whether it creates, alters or
drops it (``action``), and holds the old and new states it needs. It holds no
SQL: ``schemakit.render.sql`` turns each change into idempotent SQL, and
``schemakit.plan`` orders changes and attaches hazards.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar, Literal

from schemakit.model import (
    DbObject,
    Key,
)

if TYPE_CHECKING:
    from schemakit.kinds.columns import Column
    from schemakit.kinds.table import Table
    from schemakit.kinds.function import Function

if TYPE_CHECKING:
    from schemakit.kinds.composite import CompositeType
    from schemakit.kinds.domain import Domain
    from schemakit.kinds.enum import EnumType

Action = Literal["create", "alter", "drop"]

TypeRebuild = tuple["EnumType", "EnumType"] | tuple["Domain", "Domain"] | tuple["CompositeType", "CompositeType"]
"""A type replaced by a new one of the same name, with the columns using it converted
(old, new): an enum whose values are removed or reordered, a domain whose base type
changes, a composite type whose attribute types change while a column uses it."""

Rework = (
    tuple["Table", "Column", "Column | None"] | TypeRebuild | tuple["Function", "Function"] | tuple["Table", "Table"] | tuple[DbObject, None]
)
"""Why an object is dropped to be created again: a column it uses changes type
(table, before, after) or is dropped (after is None), the type of such a column is
rebuilt (old type, new type: ``TypeRebuild``), a function it calls is dropped and
created again (old, new: its result type changes, which CREATE OR REPLACE cannot do),
the table it uses is rebuilt because its partitioning changes (old, new:
``RebuildTable``), or an object it uses is dropped for good (old, None: ``Gone``) while
the desired state still has it unchanged (it now uses another object of that name or
signature)."""

Gone = tuple[DbObject, None]


def is_gone(cause: object) -> bool:
    """True for a ``Gone`` cause: (the object the plan drops, None)."""
    return isinstance(cause, tuple) and len(cause) == 2 and cause[1] is None


NestedRebuild = tuple["Domain | CompositeType", "Domain | CompositeType", tuple[tuple["Table", "Column"], ...]]
"""A type that uses a rebuilt type (a domain over it, a composite with an attribute of
it), rebuilt inside that rebuild: (old, new, its columns in the desired state)."""


_SUBJECT_FIELD: dict[type, str] = {}


@dataclass(frozen=True)
class Change:
    action: ClassVar[Action]

    @property
    def subject(self) -> DbObject:
        """The object the change is about: its first field, or ``new`` for (old, new) pairs."""
        name = _SUBJECT_FIELD.get(type(self))
        if name is None:
            first = fields(self)[0].name
            name = _SUBJECT_FIELD[type(self)] = "new" if first == "old" else first
        value = getattr(self, name)
        assert isinstance(value, DbObject)
        return value

    @property
    def key(self) -> Key:
        return self.subject.key

    @property
    def kind(self) -> str:
        return self.key[0]

    def describe(self) -> str:
        """One line for summaries: what happens to which object."""
        return f"{self.kind} {self.key[1]}"

    @property
    def recreates(self) -> bool | None:
        """Whether the change drops and creates its object again (losing its comment):
        a kind's change that knows says so; None leaves it to the diff's general rule
        (``schemakit.diff._recreates``)."""
        return None


def _recreated(change: Change) -> str:
    suffix = " (dropped to be recreated)" if getattr(change, "reworked", None) is not None else ""
    return f"{change.kind} {change.key[1]}{suffix}"


# -- tables and columns ----------------------------------------------------------




# -- publications and replica identity ------------------------------------------------
