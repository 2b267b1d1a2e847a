"""Model(current), Model(desired) → Changes, compared per object kind by key.

``diff_models`` computes what the kinds' differs share (the ``Context``: reworks,
rebuilds, recreations) and runs each kind's differ in the registry's order
(``schemakit.kinds.KINDS``). What stays here is what no one kind owns: which objects are
dropped and created again around a change they use (``rework_users``, ``gone_users``),
owners and the comments of recreated objects. No SQL here and no ordering: the plan orders the changes, the renderer
writes them.
"""

from __future__ import annotations

from typing import Iterator, Mapping, TypeVar

from schemakit.kinds import KINDS
from schemakit.kinds.base import Context
from schemakit.kinds.base import Differ as Differ  # re-exported
from schemakit.kinds.base import pairs as _pairs
from schemakit.kinds.comment import SetComment
from schemakit.kinds.function import Function, recreated_functions
from schemakit.kinds.owner import Owner, SetOwner
from schemakit.kinds.view import recreated_views
from schemakit.kinds.columns import Column, DropColumnDefault
from schemakit.kinds.table import Table, changed_columns, rebuilt_table_users, rebuilt_tables
from schemakit.kinds.table_rebuild import RebuildTable
from schemakit.changes import Change, Rework
from schemakit.model import DbObject, Key, Model, column_key
from schemakit.kinds.composite import CompositeType
from schemakit.kinds.domain import Domain
from schemakit.kinds.enum import EnumType
from schemakit.kinds.typecommon import EnumRenames as EnumRenames
from schemakit.kinds.typecommon import nested_rebuilds, rebuilt_types, recreated_types
from schemakit.kinds.typecommon import type_columns as _type_columns
from schemakit.kinds.typecommon import type_functions as _type_functions
from schemakit.kinds.typecommon import unset_defaults as _unset_defaults

T = TypeVar("T", bound=DbObject)


"""Enum values to rename rather than remove and add: {enum identity: {old: new}}."""


def _context(current: Model, desired: Model, renames: EnumRenames) -> Context:
    functions = recreated_functions(current, desired)
    users = rework_users(current, desired, functions, renames)
    users = {**gone_users(current, desired, users), **users}
    return Context(
        dropped=frozenset(k for k in current.of_kind("table") if k not in desired.objects),
        functions=functions,
        users=users,
        rebuilt=recreated_views(current, desired, users),
        renames=renames,
        tables=rebuilt_tables(current, desired),
        nested={
            identity: tuple((old, new, _unset_defaults(columns, users)) for old, new, columns in found)
            for identity, found in nested_rebuilds(current, desired, rebuilt_types(current, desired, renames)).items()
        },
        types=recreated_types(current, desired, renames),
    )


def diff_models(current: Model, desired: Model, renames: EnumRenames | None = None) -> list[Change]:
    """Every change that turns ``current`` into ``desired``, unordered."""
    changes: list[Change] = []
    ctx = _context(current, desired, renames or {})
    for kind in KINDS:  # the registry's order is the differ order
        changes.extend(kind.differ(current, desired, ctx))
    changes += _comments_of_recreated(current, desired, changes)
    return changes + list(_owners(current, desired, changes))


def _recreates(c: Change) -> bool:
    """True when the change drops and creates its object again (losing its comment)."""
    if c.recreates is not None:  # the change's own answer
        return c.recreates
    return c.action == "drop" and not isinstance(c, DropColumnDefault)  # that one keeps its table


def _comments_of_recreated(current: Model, desired: Model, changes: list[Change]) -> Iterator[Change]:
    """A comment set again on every object the plan recreates that keeps one."""
    commented = {c.key for c in changes if isinstance(c, SetComment) and c.column is None}
    for key in sorted({c.key for c in changes if _recreates(c)} - commented):
        obj = desired.get(key)
        if key in current.objects and obj is not None and getattr(obj, "comment", None) is not None:
            yield SetComment(target=obj, comment=getattr(obj, "comment"))


def _owners(current: Model, desired: Model, changes: list[Change]) -> Iterator[Change]:
    """Owners the files declare (only those are read: schemakit.owners). An object the
    plan creates, or drops and creates again, starts as the applying role's."""
    fresh = {c.key for c in changes if _recreates(c) or isinstance(c, RebuildTable)}
    for old, new in _pairs(current, desired, Owner):
        if new is None:
            continue  # no longer declared: left as it is
        on = desired.get(new.object_key)
        if on is None:
            continue
        if old is None or new.object_key in fresh or new.object_key not in current.objects:
            if not new.creator:
                yield SetOwner(owner=new, on=on)
        elif not new.same_as(old):
            yield SetOwner(owner=new, on=on, before=old)


def reworked_columns(
    current: Model, desired: Model, functions: list[tuple[Function, Function]], renames: EnumRenames
) -> dict[Key, Rework]:
    """Column keys of kept tables whose column is dropped or changes type."""
    out: dict[Key, Rework] = changed_columns(current, desired)
    types = rebuilt_types(current, desired, renames)
    nested = nested_rebuilds(current, desired, types)
    for rebuilt in types:
        for table, col in _type_columns(current, desired, rebuilt[0].identity):
            out[column_key(table.key, col.name)] = rebuilt
        for _, _, columns in nested.get(rebuilt[0].identity, ()):
            for table, col in columns:
                out[column_key(table.key, col.name)] = rebuilt
        for key in _type_functions(current, desired, rebuilt, nested.get(rebuilt[0].identity, ())):
            out.setdefault(key, rebuilt)
    for old_f, new_f in functions:
        out[old_f.key] = (old_f, new_f)
    # Everything that uses a rebuilt table (or a partition that goes or comes with it).
    out.update(rebuilt_table_users(current, desired))
    return out


def rework_users(
    current: Model, desired: Model, functions: list[tuple[Function, Function]], renames: EnumRenames
) -> dict[Key, Rework]:
    """Objects (and columns, by their defaults) of ``current`` that use a reworked
    column or function.

    PostgreSQL refuses to drop or retype a column that a view, policy, trigger or
    generated column uses, and to drop a function that anything calls; constraints
    and indexes over a retyped column would be reparsed into a different text. Each
    of them that the desired state keeps is dropped before the change and created
    again after it.
    """
    reworked = reworked_columns(current, desired, functions, renames)
    if not reworked:
        return {}
    out: dict[Key, Rework] = {}
    for key, deps in current.depends.items():
        used = sorted(deps & reworked.keys())
        if used:
            out[key] = reworked[used[0]]
    for key, cause in reworked.items():
        # A function whose signature (or body) uses a rebuilt type goes and comes back.
        if key[0] in ("function", "procedure") and isinstance(cause[0], (EnumType, Domain, CompositeType)):
            out.setdefault(key, cause)
    return out


_REWORKABLE = frozenset({"view", "materialized view", "table constraint", "index", "trigger", "policy", "column"})
"""Kinds the diff can drop and create again around a change (see the differs below)."""
_GONE_KINDS = frozenset({"function", "procedure", "table", "view", "materialized view", "sequence", "type"})


def _compared(obj: DbObject | None) -> object:
    """What the diff compares of a reworkable object (equal: it plans no change of it)."""
    return obj.compared if obj is not None else None


def gone_users(current: Model, desired: Model, reworked: Mapping[Key, Rework]) -> dict[Key, Rework]:
    """Objects (and column defaults) of ``current`` that use an object the plan drops
    for good, that ``desired`` keeps without a change of their own: they now use another
    object of that name (a table become a view, a function whose signature changed but
    whose calls read the same). PostgreSQL refuses the drop while they use it, so they
    are dropped before it and created again after. Users that change are changed before
    the drop instead (the plan orders them so). What uses a reworked object is reworked
    with it, transitively. ``reworked`` (already decided) is left alone."""
    gone = [
        (key, obj)
        for key, obj in sorted(current.objects.items())
        if key[0] in _GONE_KINDS and key not in desired.objects
    ]
    if not gone:
        return {}
    columns: dict[Key, tuple[Key, str]] = {}
    for t in current.objects.values():
        if isinstance(t, Table):
            for col in t.columns:
                columns[column_key(t.key, col.name)] = (t.key, col.name)
    dependents: dict[Key, set[Key]] = {}
    for key, deps in current.depends.items():
        for dep in deps:
            dependents.setdefault(dep, set()).add(key)

    def kept(key: Key, unchanged: bool) -> bool:
        if key[0] not in _REWORKABLE or key in reworked:
            return False
        if key in columns:
            table, name = columns[key]
            old_t, new_t = current.get(table), desired.get(table)
            if not isinstance(old_t, Table) or not isinstance(new_t, Table):
                return False
            before, after = old_t.column(name), new_t.column(name)
            if before is None or after is None:
                return False
            return not unchanged or (before.default, before.generated) == (after.default, after.generated)
        if key not in desired.objects:
            return False
        return not unchanged or _compared(current.get(key)) == _compared(desired.get(key))

    out: dict[Key, Rework] = {}
    todo: list[Key] = []
    for key, obj in gone:
        for user in sorted(dependents.get(key, ())):
            if user not in out and kept(user, unchanged=True):
                out[user] = (obj, None)
                todo.append(user)
    while todo:
        key = todo.pop()
        if key[0] == "column":
            continue  # its default goes, not the column
        for user in sorted(dependents.get(key, ())):
            if user not in out and kept(user, unchanged=False):
                out[user] = out[key]
                todo.append(user)
    return out


def has_changes(current: Model, desired: Model) -> bool:
    return bool(diff_models(current, desired))
