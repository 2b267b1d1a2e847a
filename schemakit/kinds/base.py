"""What every object kind shares: the ``Kind`` descriptor, the diff's ``Context``, and
the helpers each kind's differ uses (pairing, comments, what goes with a dropped table),
plus the rules shared by all kinds (ownership hazards, the statements no one kind reads).

A kind module (``schemakit/kinds/<kind>.py``) holds one object kind in one place: its
model class, its changes, its differ, its renderers (registered on
``render_change``), its guard probe and twin, its hazard rule and its rank; and, when
its catalog reading has moved too, its query (``<kind>.sql`` next to it) and row
mapping. It describes itself to the rest of the pipeline with one ``Kind`` value, and
``schemakit.kinds.KINDS`` lists them all (docs/architecture.md).

Nothing here imports a layer above the model and the changes: the diff, the plan, the
renderer and the catalog reader import this module, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from schemakit import hazards as hz
from schemakit.changes import Change, NestedRebuild, Rework
from schemakit.hazards import Hazard
from schemakit.kinds.comment import SetComment
from schemakit.kinds.owner import SetOwner
from schemakit.model import DbObject, Key, Model

if TYPE_CHECKING:
    from schemakit.kinds.function import Function
    from schemakit.kinds.table import Table
    from schemakit.kinds.view import View  # which imports this module

T = TypeVar("T", bound=DbObject)

Cause: TypeAlias = "tuple[View, View] | Rework"
"""Why a view is recreated: its replacement can't be a CREATE OR REPLACE (old, new view),
or something it uses is reworked."""


@dataclass(frozen=True)
class Context:
    """What the diffs of several kinds need, computed once per diff (not per object)."""

    dropped: frozenset[Key]  # tables that go
    functions: list[tuple[Function, Function]]  # recreated: their result type changes
    users: Mapping[Key, Rework]  # dropped and created again around a change they use
    rebuilt: Mapping[Key, Cause]  # views recreated
    renames: Mapping[str, Mapping[str, str]]  # enum identity → {old value: new value}
    tables: Mapping[Key, tuple[Table, Table]] = field(default_factory=dict)  # rebuilt (partitioning)
    nested: Mapping[str, tuple[NestedRebuild, ...]] = field(default_factory=dict)  # rebuilt identity → types over it
    types: frozenset[Key] = frozenset()  # dropped and created again, or rebuilt: recreated_types


Differ = Callable[[Model, Model, Context], Iterator[Change]]
"""(current, desired, ctx) → the changes of one kind, unordered (the plan orders them)."""

HazardRule = Callable[[Change, Model], list[Hazard]]
"""(change, current model) → its hazards; [] for a change of another kind."""

RowMapping = Callable[[tuple[Any, ...]], DbObject]
"""One row of a kind's catalog query → its model object."""


@dataclass(frozen=True)
class CatalogQuery:
    """How the catalog reader reads a kind: the query's resource (``package``/``file``,
    e.g. ``schemakit.kinds``/``policy.sql``) and the mapping of one row to an object.
    Kinds whose reading has not moved yet are still read by ``catalog/reader.py``."""

    package: str
    file: str
    row: RowMapping


@dataclass(frozen=True)
class Kind:
    """One object kind, as the pipeline's layers see it.

    - ``name``: the kind's own name (``"enum"``; several kinds may share a key kind:
      enums, domains, composites and ranges are all keyed ``"type"``);
    - ``ranks``: (key kind, rank) for every key kind its objects and changes carry. The
      plan breaks ties between ready changes by rank (lower first); ranks may tie;
    - ``classes``: its model classes (DbObject subclasses);
    - ``differ``: its comparison; the registry's order is the order the differs run in;
    - ``hazards``: its hazard rule;
    - ``statements``: the loader's statement kinds (``source.classify``) whose result
      this kind reads back from the catalog;
    - ``catalog``: its query and row mapping, once moved out of ``catalog/reader.py``.
    """

    name: str
    ranks: tuple[tuple[str, int], ...]
    classes: tuple[type[DbObject], ...]
    differ: Differ
    hazards: HazardRule
    statements: frozenset[str]
    catalog: CatalogQuery | None = None

    @property
    def key_kinds(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.ranks)


# -- shared by every kind's differ ---------------------------------------------------


def pairs(current: Model, desired: Model, cls: type[T]) -> Iterator[tuple[T | None, T | None]]:
    """(old, new) for every object of one class, sorted by key; None where absent."""
    old, new = current.of_class(cls), desired.of_class(cls)
    for key in sorted(old.keys() | new.keys()):
        yield old.get(key), new.get(key)


def comment(old: DbObject | None, new: DbObject) -> Iterator[Change]:
    """A SetComment when the object's comment changes (or it is new with one)."""
    before = getattr(old, "comment", None) if old is not None else None
    after = getattr(new, "comment", None)
    if before != after:
        yield SetComment(target=new, comment=after)


def owned(obj: DbObject, dropped: frozenset[Key]) -> bool:
    """True when the object goes away with a table that is dropped anyway."""
    return obj.owner_key is not None and obj.owner_key in dropped


def rebuilt_relations(ctx: Context) -> set[str]:
    """Identities of the views the diff recreates (what is on them is created again)."""
    return {k[1] for k in ctx.rebuilt}


# -- shared by every kind's hazard rule ------------------------------------------------


def on_table(c: Change, current: Model) -> tuple[str, bool]:
    """(identity of the table a change is on, or of its own object; whether it exists)."""
    key = c.subject.owner_key or c.key
    return key[1], key in current.objects


def no_hazards(c: Change, current: Model) -> list[Hazard]:
    """The rule of a kind whose changes carry no hazard."""
    return []


def ownership_hazards(c: Change, current: Model) -> list[Hazard]:
    """Ownership is shared by every kind: a new owner of an existing object changes
    who may do what with it."""
    if isinstance(c, SetOwner) and c.owner.object_key in current.objects:
        return [Hazard(hz.AUTHZ_UPDATE, c.describe())]
    return []


SHARED_HAZARDS: tuple[HazardRule, ...] = (ownership_hazards,)
"""Hazard rules of the changes no one kind owns (SetOwner; SetComment has none)."""

SHARED_STATEMENTS = frozenset({"comment", "alter_owner", "drop"})
"""Statement kinds the loader accepts for any kind: COMMENT ON (every kind's ``comment``
field), ALTER ... OWNER TO (schemakit.owners: Owner objects, SetOwner) and DROP ... IF
EXISTS before a CREATE (a no-op against the shadow)."""
