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
    TableRows,
    Owner,
    Publication,
    Grant,
    DefaultPrivilege,
    Bucket,
    Column,
    Constraint,
    DbObject,
    Extension,
    Function,
    Index,
    Key,
    Schema,
    Sequence,
    Table,
    View,
)

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
    tuple[Table, Column, "Column | None"] | TypeRebuild | tuple[Function, Function] | tuple[Table, Table] | tuple[DbObject, None]
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


NestedRebuild = tuple["Domain | CompositeType", "Domain | CompositeType", tuple[tuple[Table, Column], ...]]
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


# -- schemas and extensions ------------------------------------------------------


@dataclass(frozen=True)
class CreateSchema(Change):
    action: ClassVar[Action] = "create"
    schema: Schema


@dataclass(frozen=True)
class DropSchema(Change):
    action: ClassVar[Action] = "drop"
    schema: Schema


@dataclass(frozen=True)
class CreateExtension(Change):
    action: ClassVar[Action] = "create"
    extension: Extension
    pin_version: bool = False


@dataclass(frozen=True)
class DropExtension(Change):
    action: ClassVar[Action] = "drop"
    extension: Extension


@dataclass(frozen=True)
class AlterExtension(Change):
    action: ClassVar[Action] = "alter"
    old: Extension
    new: Extension

    def describe(self) -> str:
        parts = []
        if self.old.schema != self.new.schema:
            parts.append(f"schema {self.old.schema} → {self.new.schema}")
        if self.old.version != self.new.version:
            parts.append(f"version {self.old.version} → {self.new.version}")
        return f"extension {self.key[1]}: " + ", ".join(parts)


# -- tables and columns ----------------------------------------------------------


@dataclass(frozen=True)
class CreateTable(Change):
    action: ClassVar[Action] = "create"
    table: Table
    serials: tuple[tuple[str, str], ...] = ()  # (column, sequence) of folded serial columns


@dataclass(frozen=True)
class DropTable(Change):
    action: ClassVar[Action] = "drop"
    table: Table


@dataclass(frozen=True)
class AddColumn(Change):
    action: ClassVar[Action] = "alter"
    table: Table
    column: Column
    serial: str | None = None  # the folded serial sequence the column's default calls

    def describe(self) -> str:
        return f"table {self.key[1]}: add column {self.column.name} {self.column.type}"


@dataclass(frozen=True)
class DropColumn(Change):
    action: ClassVar[Action] = "alter"
    table: Table
    column: Column

    def describe(self) -> str:
        return f"table {self.key[1]}: drop column {self.column.name}"


@dataclass(frozen=True)
class DropColumnDefault(Change):
    """Drop a default that calls a function about to be recreated (set again after)."""

    action: ClassVar[Action] = "drop"
    table: Table
    column: Column
    reworked: Rework

    def describe(self) -> str:
        return f"table {self.key[1]}: drop default of {self.column.name} (set again below)"


@dataclass(frozen=True)
class AlterColumn(Change):
    action: ClassVar[Action] = "alter"
    table: Table
    old: Column
    new: Column
    serial: str | None = None  # the new default is this (new) serial sequence's nextval
    old_serial: str | None = None  # the old default was this serial sequence's nextval
    via_text: bool = False  # the type change casts through text (schemakit.columns.through_text)

    def describe(self) -> str:
        what = []
        if self.old.type != self.new.type:
            what.append(f"type {self.old.type} → {self.new.type}")
        if self.old.collation != self.new.collation:
            what.append(f"collation {self.old.collation or 'default'} → {self.new.collation or 'default'}")
        if self.old.identity != self.new.identity:
            kinds = {"a": "always", "d": "by default", None: "none"}
            what.append(f"identity {kinds[self.old.identity]} → {kinds[self.new.identity]}")
        if self.old.generated != self.new.generated:
            what.append("drop expression")
        if self.old.not_null != self.new.not_null:
            what.append("set not null" if self.new.not_null else "drop not null")
        if self.old.default != self.new.default:
            what.append(f"default {self.new.default}" if self.new.default else "drop default")
        if self.old.comment != self.new.comment:
            what.append("comment")
        return f"table {self.key[1]}: alter column {self.new.name} ({'; '.join(what)})"


@dataclass(frozen=True)
class SetRowSecurity(Change):
    action: ClassVar[Action] = "alter"
    table: Table
    old_enabled: bool
    old_forced: bool

    def describe(self) -> str:
        what = []
        if self.old_enabled != self.table.rls_enabled:
            what.append("enable" if self.table.rls_enabled else "disable")
        if self.old_forced != self.table.rls_forced:
            what.append("force" if self.table.rls_forced else "no force")
        return f"row level security on {self.key[1]}: {', '.join(what)}"


# -- constraints and indexes ---------------------------------------------------


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


@dataclass(frozen=True)
class CreateIndex(Change):
    action: ClassVar[Action] = "create"
    index: Index
    table_is_new: bool = False


@dataclass(frozen=True)
class DropIndex(Change):
    """Drop; with ``reworked`` set, only so that a column it uses can be dropped
    or change type, to be created again after (see DropView)."""

    action: ClassVar[Action] = "drop"
    index: Index
    reworked: Rework | None = None

    def describe(self) -> str:
        return _recreated(self)


@dataclass(frozen=True)
class ReplaceIndex(Change):
    action: ClassVar[Action] = "alter"
    old: Index
    new: Index

    @property
    def recreates(self) -> bool:
        return True  # dropped and created again


# -- functions, triggers, policies -----------------------------------------------


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

# -- buckets and comments --------------------------------------------------------


@dataclass(frozen=True)
class UpsertBucket(Change):
    action: ClassVar[Action] = "create"
    bucket: Bucket
    old: Bucket | None = None
    def describe(self) -> str:
        return f"bucket {self.bucket.id!r}"


@dataclass(frozen=True)
class DeleteBucket(Change):
    action: ClassVar[Action] = "drop"
    bucket: Bucket

    def describe(self) -> str:
        return f"bucket {self.bucket.id!r}"


@dataclass(frozen=True)
class SetComment(Change):
    """COMMENT ON the object (or a column of it, when ``column`` is set)."""

    action: ClassVar[Action] = "alter"
    target: DbObject
    comment: str | None
    column: str | None = None

    def describe(self) -> str:
        where = f"{self.key[1]}.{self.column}" if self.column else self.key[1]
        return f"comment on {self.kind} {where}"


# -- sequences -------------------------------------------------------------------


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


# -- views -----------------------------------------------------------------------


@dataclass(frozen=True)
class CreateView(Change):
    """CREATE OR REPLACE VIEW (``old`` set: replaced in place), or CREATE MATERIALIZED VIEW."""

    action: ClassVar[Action] = "create"
    view: View
    old: View | None = None


@dataclass(frozen=True)
class DropView(Change):
    """Drop a view. ``because`` is set when it is dropped only to be recreated: the
    drop is then guarded by that view's state (old definition → drop, new → skip)."""

    action: ClassVar[Action] = "drop"
    view: View
    because: tuple[View, View] | None = None  # (old, new) of the view that changes
    reworked: Rework | None = None  # a column under it changes type or goes

    def describe(self) -> str:
        if self.because is None and self.reworked is None:
            return f"{self.kind} {self.key[1]}"
        return f"{self.kind} {self.key[1]} (dropped to be recreated)"


# -- privileges --------------------------------------------------------------------


def added(before: tuple[str, ...], after: tuple[str, ...]) -> list[str]:
    """The privileges in ``after`` that ``before`` lacks (in ``after``'s order)."""
    return [p for p in after if p not in before]


class PrivilegeDelta:
    """A grantee's privileges going from ``before`` (and ``before_grantable``) to
    ``wanted``: what to GRANT, REVOKE, and grant or revoke the grant option of."""

    before: tuple[str, ...]
    before_grantable: tuple[str, ...]

    @property
    def wanted(self) -> tuple[tuple[str, ...], tuple[str, ...]]:  # pragma: no cover - overridden
        """(privileges, grantable) as they should be."""
        raise NotImplementedError

    @property
    def added(self) -> list[str]:
        return added(self.before, self.wanted[0])

    @property
    def removed(self) -> list[str]:
        return added(self.wanted[0], self.before)

    @property
    def lost_option(self) -> list[str]:
        privileges, grantable = self.wanted
        return [p for p in added(grantable, self.before_grantable) if p in privileges]

    @property
    def gained_option(self) -> list[str]:
        return added(self.before_grantable, self.wanted[1])

    def what(self) -> str:
        """The delta in words, for summaries."""
        parts = [
            f"{verb} {', '.join(names)}"
            for verb, names in (
                ("grant", self.added),
                ("with grant option:", self.gained_option),
                ("revoke", self.removed),
                ("without grant option:", self.lost_option),
            )
            if names
        ]
        return "; ".join(parts)


@dataclass(frozen=True)
class SetGrant(PrivilegeDelta, Change):
    """Bring one grantee's privileges on one object from ``before`` to ``grant``:
    GRANT what is missing, REVOKE what is extra (both idempotent). ``before`` is what
    the target holds now, or, for an object this plan creates, what its default
    privileges will give it."""

    action: ClassVar[Action] = "alter"
    grant: Grant
    on: DbObject  # the object (the table, for a column), as desired
    before: tuple[str, ...] = ()
    before_grantable: tuple[str, ...] = ()

    @property
    def wanted(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.grant.privileges, self.grant.grantable

    def describe(self) -> str:
        g = self.grant
        where = f"{g.on}.{g.column}" if g.column else g.on
        return f"privileges on {g.on_kind} {where} for {g.grantee}: {self.what()}"


@dataclass(frozen=True)
class SetDefaultPrivilege(PrivilegeDelta, Change):
    """Bring what ALTER DEFAULT PRIVILEGES gives one grantee (in one schema, on one
    object type) from ``before`` to ``privilege``: GRANT what is missing, REVOKE what
    is extra. Both are idempotent: a second run changes nothing."""

    action: ClassVar[Action] = "alter"
    privilege: DefaultPrivilege
    before: tuple[str, ...] = ()
    before_grantable: tuple[str, ...] = ()

    @property
    def wanted(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.privilege.privileges, self.privilege.grantable

    def describe(self) -> str:
        d = self.privilege
        where = f" in schema {d.schema}" if d.schema is not None else ""
        return f"default privileges on {d.objects.lower()}{where} for {d.grantee}: {self.what()}"


# -- publications and replica identity ------------------------------------------------


@dataclass(frozen=True)
class CreatePublication(Change):
    action: ClassVar[Action] = "create"
    publication: Publication


@dataclass(frozen=True)
class DropPublication(Change):
    action: ClassVar[Action] = "drop"
    publication: Publication


@dataclass(frozen=True)
class AlterPublication(Change):
    """What it publishes, and tables added and removed (each guarded: re-runs skip them)."""

    action: ClassVar[Action] = "alter"
    old: Publication
    new: Publication

    @property
    def added(self) -> list[str]:
        return [t for t in self.new.tables if t not in self.old.tables]

    @property
    def removed(self) -> list[str]:
        return [t for t in self.old.tables if t not in self.new.tables]

    def describe(self) -> str:
        what = [f"add {t}" for t in self.added] + [f"drop {t}" for t in self.removed]
        if self.old.publish != self.new.publish:
            what.append(f"publish {', '.join(self.new.publish)}")
        return f"publication {self.key[1]}: {'; '.join(what)}"


@dataclass(frozen=True)
class SetPartitionOf(Change):
    """Attach the table as a partition (``table.partition_of``), detach it, or move
    it to another bound or parent."""

    action: ClassVar[Action] = "alter"
    table: Table
    old_parent: str | None
    old_bound: str | None

    def describe(self) -> str:
        t = self.table
        if t.partition_of is None:
            return f"table {self.key[1]}: detach from {self.old_parent}"
        move = f" (was {self.old_bound} of {self.old_parent})" if self.old_parent else ""
        return f"table {self.key[1]}: attach to {t.partition_of} {t.partition_bound}{move}"


@dataclass(frozen=True)
class SetReplicaIdentity(Change):
    action: ClassVar[Action] = "alter"
    table: Table

    def describe(self) -> str:
        how = {"d": "default", "f": "full", "n": "nothing", "i": f"using index {self.table.replica_index}"}
        return f"table {self.key[1]}: replica identity {how[self.table.replica_identity]}"


# -- declared rows -------------------------------------------------------------------


@dataclass(frozen=True)
class SyncRows(Change):
    """Upsert the declared rows that are new or changed, delete those no longer declared."""

    action: ClassVar[Action] = "alter"
    rows: TableRows
    upserts: tuple[tuple[str | None, ...], ...]
    deletes: tuple[tuple[str | None, ...], ...]  # keys

    def describe(self) -> str:
        what = []
        if self.upserts:
            what.append(f"{len(self.upserts)} upserted")
        if self.deletes:
            what.append(f"{len(self.deletes)} deleted")
        return f"rows of {self.key[1]}: {', '.join(what)}"



# -- partitioning changes ------------------------------------------------------------


@dataclass(frozen=True)
class RebuildTable(Change):
    """How the table is partitioned changes (regular ↔ partitioned, another key or
    strategy), which PostgreSQL cannot do in place: a new table is created beside the
    old one with its desired ``partitions`` (parents first), the rows of the columns
    both share are copied, the old table is renamed away and dropped (with its old
    partitions) and the new one renamed into place. What uses the table is dropped
    before and created after (``Rework`` cause ``(old, new)``). ``serials`` are the
    (column, sequence) of folded serial columns, whose sequence the new table keeps."""

    action: ClassVar[Action] = "alter"
    old: Table
    new: Table
    partitions: tuple[Table, ...] = ()
    serials: tuple[tuple[str, str], ...] = ()

    @property
    def cause(self) -> tuple[Table, Table]:
        return self.old, self.new

    @property
    def copied(self) -> tuple[str, ...]:
        """The columns whose values are copied: in both tables, and not generated in the new one."""
        return tuple(
            c.name for c in self.new.columns if c.generated is None and self.old.column(c.name) is not None
        )

    @property
    def lost(self) -> tuple[str, ...]:
        """Old columns the new table does not have."""
        return tuple(c.name for c in self.old.columns if self.new.column(c.name) is None)

    def describe(self) -> str:
        before = self.old.partition_by or "not partitioned"
        after = self.new.partition_by or "not partitioned"
        return f"table {self.key[1]}: rebuild to change its partitioning ({before} → {after}), rows copied"
# -- owners ------------------------------------------------------------------------


@dataclass(frozen=True)
class SetOwner(Change):
    """Give an object whose owner the files declare that owner (``ALTER ... OWNER TO``,
    idempotent by nature). ``owner.creator``: the role that applies (CURRENT_USER).
    ``before`` is the owner now, None for an object the plan creates (or recreates)."""

    action: ClassVar[Action] = "alter"
    owner: Owner
    on: DbObject  # the object, as desired
    before: Owner | None = None

    def describe(self) -> str:
        def who(o: Owner) -> str:
            return "the applying role" if o.creator else o.role

        was = f"{who(self.before)} → " if self.before is not None else ""
        return f"owner of {self.owner.on_kind} {self.owner.on}: {was}{who(self.owner)}"


_MOVED = {
    "CreatePolicy": "policy",
    "DropPolicy": "policy",
    "AlterPolicy": "policy",
    "CreateTrigger": "trigger",
    "DropTrigger": "trigger",
    "CreateEnum": "enum",
    "DropEnum": "enum",
    "AddEnumValue": "enum",
    "RenameEnumValue": "enum",
    "RebuildEnum": "enum",
    "CreateDomain": "domain",
    "DropDomain": "domain",
    "AlterDomain": "domain",
    "RebuildDomain": "domain",
    "CreateComposite": "composite",
    "DropComposite": "composite",
    "AlterComposite": "composite",
    "RebuildComposite": "composite",
    "CreateRange": "range",
    "DropRange": "range",
    "CreateCollation": "collation",
    "DropCollation": "collation",
}
"""Changes that moved to their kind's module (schemakit.kinds.<kind>): the old import
path still works for now; new code imports from the kind's module."""


def __getattr__(name: str) -> object:
    kind = _MOVED.get(name)
    if kind is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"schemakit.kinds.{kind}"), name)
