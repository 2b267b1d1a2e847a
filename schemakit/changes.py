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
    CompositeType,
    Collation,
    Domain,
    RangeType,
    DbObject,
    EnumType,
    Key,
)

if TYPE_CHECKING:
    from schemakit.kinds.columns import Column
    from schemakit.kinds.table import Table
    from schemakit.kinds.function import Function

Action = Literal["create", "alter", "drop"]

TypeRebuild = tuple[EnumType, EnumType] | tuple[Domain, Domain] | tuple[CompositeType, CompositeType]
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


# -- enums -----------------------------------------------------------------------


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


# -- tables and columns ----------------------------------------------------------


@dataclass(frozen=True)
class CreateDomain(Change):
    action: ClassVar[Action] = "create"
    domain: Domain


@dataclass(frozen=True)
class DropDomain(Change):
    action: ClassVar[Action] = "drop"
    domain: Domain


@dataclass(frozen=True)
class AlterDomain(Change):
    """Default, NOT NULL and CHECKs change in place (the base type cannot)."""

    action: ClassVar[Action] = "alter"
    old: Domain
    new: Domain

    def describe(self) -> str:
        o, n = self.old, self.new
        what = []
        if o.default != n.default:
            what.append(f"default {n.default}" if n.default else "drop default")
        if o.not_null != n.not_null:
            what.append("set not null" if n.not_null else "drop not null")
        if o.checks != n.checks:
            what.append("checks")
        return f"domain {self.key[1]}: {', '.join(what)}"


@dataclass(frozen=True)
class RebuildDomain(Change):
    """The base type changes while columns use the domain: a new domain replaces the
    old one, and its columns (``columns``: (table, column) in the desired state) are
    converted by a cast to the new base type. Objects using those columns are dropped
    before and created after."""

    action: ClassVar[Action] = "alter"
    old: Domain
    new: Domain
    columns: tuple[tuple[Table, Column], ...] = ()
    nested: tuple[NestedRebuild, ...] = ()  # types over it, rebuilt with it

    @property
    def recreates(self) -> bool:
        return True  # dropped and created again

    @property
    def cause(self) -> tuple[Domain, Domain]:
        return self.old, self.new

    def describe(self) -> str:
        return f"domain {self.key[1]}: rebuild ({self.old.base_type} → {self.new.base_type})"


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




# -- publications and replica identity ------------------------------------------------




# -- range types and collations ---------------------------------------------------------
# Neither can be altered in place: a change drops and creates the object again, which
# the diff allows only while no column uses it (schemakit.diff refuses it otherwise).


@dataclass(frozen=True)
class CreateRange(Change):
    action: ClassVar[Action] = "create"
    range: RangeType

    def describe(self) -> str:
        return f"range type {self.key[1]} (subtype {self.range.subtype})"


@dataclass(frozen=True)
class DropRange(Change):
    action: ClassVar[Action] = "drop"
    range: RangeType

    def describe(self) -> str:
        return f"range type {self.key[1]}"


@dataclass(frozen=True)
class CreateCollation(Change):
    action: ClassVar[Action] = "create"
    collation: Collation

    def describe(self) -> str:
        c = self.collation
        provider = {"c": "libc", "i": "icu", "b": "builtin"}.get(c.provider, c.provider)
        what = c.locale or c.lc_collate or ""
        extra = ", nondeterministic" if not c.deterministic else ""
        return f"collation {self.key[1]} ({provider} {what}{extra})"


@dataclass(frozen=True)
class DropCollation(Change):
    action: ClassVar[Action] = "drop"
    collation: Collation

    def describe(self) -> str:
        return f"collation {self.key[1]}"


_MOVED = {
    "CreatePolicy": "policy",
    "DropPolicy": "policy",
    "AlterPolicy": "policy",
    "CreateTrigger": "trigger",
    "DropTrigger": "trigger",
    "CreateSequence": "sequence",
    "AlterSequence": "sequence",
    "DropSequence": "sequence",
    "CreateTable": "table",
    "DropTable": "table",
    "SetRowSecurity": "table",
    "SetPartitionOf": "table",
    "SetReplicaIdentity": "table",
    "AddColumn": "columns",
    "DropColumn": "columns",
    "DropColumnDefault": "columns",
    "AlterColumn": "columns",
    "RebuildTable": "table_rebuild",
    "CreateSchema": "schema",
    "DropSchema": "schema",
    "CreateExtension": "extension",
    "DropExtension": "extension",
    "AlterExtension": "extension",
    "CreateFunction": "function",
    "DropFunction": "function",
    "UpsertBucket": "bucket",
    "DeleteBucket": "bucket",
    "SetComment": "comment",
    "added": "privileges",
    "PrivilegeDelta": "privileges",
    "SetGrant": "grant",
    "SetDefaultPrivilege": "default_privilege",
    "CreatePublication": "publication",
    "DropPublication": "publication",
    "AlterPublication": "publication",
    "SyncRows": "rows",
    "SetOwner": "owner",
    "AddConstraint": "constraint",
    "DropConstraint": "constraint",
    "ReplaceConstraint": "constraint",
    "CreateIndex": "index",
    "DropIndex": "index",
    "ReplaceIndex": "index",
    "CreateView": "view",
    "DropView": "view",
}
"""Changes that moved to their kind's module (schemakit.kinds.<kind>): the old import
path still works for now; new code imports from the kind's module."""


def __getattr__(name: str) -> object:
    kind = _MOVED.get(name)
    if kind is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"schemakit.kinds.{kind}"), name)
