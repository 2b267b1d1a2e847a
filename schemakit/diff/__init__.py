"""Model(current), Model(desired) → Changes, compared per object kind by key.

``diff_models`` computes what the kinds' differs share (the ``Context``: reworks,
rebuilds, recreations) and runs each kind's differ in the registry's order
(``schemakit.kinds.KINDS``); the differs of the kinds not moved to their own module yet
are still here. No SQL here and no ordering: the plan orders the changes, the renderer
writes them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterator, Mapping, TypeVar

from schemakit.errors import SchemakitError
from schemakit.kinds import KINDS
from schemakit.kinds.base import Context
from schemakit.kinds.base import Differ as Differ  # re-exported
from schemakit.kinds.base import comment as _comment
from schemakit.kinds.base import pairs as _pairs
from schemakit.kinds.comment import SetComment
from schemakit.kinds.function import Function, recreated_functions
from schemakit.kinds.owner import Owner, SetOwner
from schemakit.kinds.view import recreated_views
from schemakit.kinds.sequence import Sequence
from schemakit.kinds.columns import Column, DropColumnDefault
from schemakit.kinds.table import Table, changed_columns, rebuilt_table_users, rebuilt_tables
from schemakit.kinds.table import unset_defaults as _unset_defaults
from schemakit.kinds.table_rebuild import RebuildTable
from schemakit.changes import (
    AddEnumValue,
    AlterComposite,
    AlterDomain,
    Change,
    Rework,
    TypeRebuild,
    CreateCollation,
    NestedRebuild,
    is_gone,
    CreateComposite,
    CreateDomain,
    CreateRange,
    CreateEnum,
    DropCollation,
    DropComposite,
    DropDomain,
    DropRange,
    DropEnum,
    RebuildComposite,
    RebuildDomain,
    RebuildEnum,
    RenameEnumValue,
)
from schemakit.model import (
    CompositeType,
    Collation,
    Domain,
    RangeType,
    DbObject,
    EnumType,
    Key,
    Model,
    column_key,
    quote_ident,
)

T = TypeVar("T", bound=DbObject)


EnumRenames = Mapping[str, Mapping[str, str]]
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


def recreated_types(current: Model, desired: Model, renames: EnumRenames) -> frozenset[Key]:
    """Types kept by name that the plan replaces by a new type (rebuilt, or dropped and
    created again): like new ones, they start with what default privileges give."""
    out = {new.key for _, new in rebuilt_types(current, desired, renames)}
    for key, new in desired.objects.items():
        old = current.objects.get(key)
        if key[0] != "type" or old is None:
            continue
        if type(old) is not type(new):
            out.add(key)
        elif isinstance(old, Domain) and isinstance(new, Domain) and old.base_type != new.base_type:
            out.add(key)
        elif isinstance(old, RangeType) and isinstance(new, RangeType) and old.state != new.state:
            out.add(key)
    return frozenset(out)


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


def _enums(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, EnumType):
        if new is None:
            assert old is not None
            yield DropEnum(old)
            continue
        unrenamed: dict[str, str] = {}
        if old is not None:
            # Renames asked for on the command line; the rest compares as usual. New
            # values commit in a phase before the renames run (schemakit.phases), so
            # they are placed next to the old names.
            for was, now in ctx.renames.get(old.identity, {}).items():
                if was in old.labels and now not in old.labels and now in new.labels:
                    labels = tuple(now if v == was else v for v in old.labels)
                    yield RenameEnumValue(enum=new, old_value=was, new_value=now)
                    old = replace(old, labels=labels)
                    unrenamed[now] = was
        if old is None:
            yield CreateEnum(new)
        elif old.labels != new.labels:
            kept = [label for label in new.labels if label in old.labels]
            if kept == list(old.labels):
                # Only additions, with the old values in their old order.
                for i, label in enumerate(new.labels):
                    if label in old.labels:
                        continue
                    # After the previous value (old, or added just before), or else
                    # before the first old value that follows.
                    after = new.labels[i - 1] if i > 0 else None
                    before = None if after is not None else next(v for v in new.labels if v in old.labels)
                    yield AddEnumValue(
                        enum=new,
                        value=label,
                        before=unrenamed.get(before, before) if before is not None else None,
                        after=unrenamed.get(after, after) if after is not None else None,
                    )
            else:
                yield RebuildEnum(
                    old=old,
                    new=new,
                    columns=_unset_defaults(_type_columns(current, desired, old.identity, partitions=False), ctx.users),
                    nested=ctx.nested.get(old.identity, ()),
                )
        yield from _comment(old, new)


def _type_columns(
    current: Model, desired: Model, identity: str, partitions: bool = True
) -> Iterator[tuple[Table, Column]]:
    """Columns of kept tables that have the type (or an array of it) on both sides;
    without ``partitions``, not those of partitions (converted with their parent's)."""
    for old_t, new_t in _pairs(current, desired, Table):
        if old_t is None or new_t is None:
            continue
        if not partitions and new_t.partition_of is not None and old_t.partition_of is not None:
            continue
        for col in new_t.columns:
            before = old_t.column(col.name)
            if before is not None and before.type == col.type and col.type in (identity, identity + "[]"):
                yield new_t, col


def rebuilt_types(current: Model, desired: Model, renames: EnumRenames) -> list[TypeRebuild]:
    """Types replaced by a new one of the same name, their columns converted."""
    out: list[TypeRebuild] = list(rebuilt_enums(current, desired, renames))
    for old_d, new_d in _pairs(current, desired, Domain):
        if old_d is not None and new_d is not None and _domain_rebuilt(current, desired, old_d, new_d):
            out.append((old_d, new_d))
    for old_c, new_c in _pairs(current, desired, CompositeType):
        if old_c is not None and new_c is not None and _composite_rebuilt(current, desired, old_c, new_c):
            out.append((old_c, new_c))
    return out


def _domain_rebuilt(current: Model, desired: Model, old: Domain, new: Domain) -> bool:
    """The base type changes while a column, a function or another type uses the
    domain (or else it is simply dropped and created again)."""
    return old.base_type != new.base_type and (
        any(_type_columns(current, desired, old.identity)) or _type_used(current, desired, old.key)
    )


def _type_used(
    current: Model, desired: Model, key: Key, kinds: tuple[str, ...] = ("function", "procedure", "type")
) -> bool:
    """True when a function (or procedure) or another type (of ``kinds``) that
    ``desired`` keeps uses the type in ``current``: PostgreSQL would refuse to drop it."""
    return any(
        user[0] in kinds and key in deps and user in desired.objects
        for user, deps in current.depends.items()
    )


def _composite_rebuilt(current: Model, desired: Model, old: CompositeType, new: CompositeType) -> bool:
    """An attribute keeps its name but changes type while a column (or another type)
    uses the type: PostgreSQL refuses ALTER ATTRIBUTE ... TYPE then."""
    before = dict(old.attributes)
    if all(before.get(a, ty) == ty for a, ty in new.attributes):
        return False
    if not any(_type_columns(current, desired, old.identity)) and not _type_used(current, desired, old.key, ("type",)):
        return False
    if [a for a, _ in old.attributes] != [a for a, _ in new.attributes]:
        raise SchemakitError(
            f"type {new.identity}: its attributes change type and are added, dropped or reordered "
            "while a column uses the type; that cannot be done in one step",
            hint="change the attribute types in one plan and apply it, then add or drop attributes in another",
        )
    return True


def rebuilt_enums(current: Model, desired: Model, renames: EnumRenames) -> list[tuple[EnumType, EnumType]]:
    out = []
    for old, new in _pairs(current, desired, EnumType):
        if old is not None and new is not None:
            asked = renames.get(old.identity, {})
            old = replace(old, labels=tuple(asked.get(v, v) if asked.get(v) in new.labels else v for v in old.labels))
        if old is not None and new is not None and old.labels != new.labels:
            kept = [label for label in new.labels if label in old.labels]
            if kept != list(old.labels):
                out.append((old, new))
    return out


def _nested_keys(ctx: Context) -> set[Key]:
    """Types rebuilt inside the rebuild of a type they use (their own changes come with it)."""
    return {n[1].key for ns in ctx.nested.values() for n in ns}


def _nested_comment(old: DbObject, new: DbObject) -> Iterator[Change]:
    """A type rebuilt inside another's rebuild is new: its comment is set again."""
    if getattr(new, "comment", None) is not None:
        yield SetComment(target=new, comment=getattr(new, "comment"))


def _domains(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    nested = _nested_keys(ctx)
    for old, new in _pairs(current, desired, Domain):
        if old is not None and new is not None and new.key in nested:
            yield from _nested_comment(old, new)
            continue
        if new is None:
            assert old is not None
            yield DropDomain(old)
            continue
        if old is None:
            yield CreateDomain(new)
        elif _domain_rebuilt(current, desired, old, new):
            yield RebuildDomain(
                old=old,
                new=new,
                columns=_unset_defaults(_type_columns(current, desired, old.identity, partitions=False), ctx.users),
                nested=ctx.nested.get(old.identity, ()),
            )
        elif old.base_type != new.base_type:
            yield DropDomain(old)
            yield CreateDomain(new)
        elif (old.default, old.not_null, old.checks) != (new.default, new.not_null, new.checks):
            yield AlterDomain(old=old, new=new)
        yield from _comment(old, new)


def _composites(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    nested = _nested_keys(ctx)
    for old, new in _pairs(current, desired, CompositeType):
        if old is not None and new is not None and new.key in nested:
            yield from _nested_comment(old, new)
            continue
        if new is None:
            assert old is not None
            yield DropComposite(old)
            continue
        if old is None:
            yield CreateComposite(new)
        elif _composite_rebuilt(current, desired, old, new):
            yield RebuildComposite(
                old=old,
                new=new,
                columns=_unset_defaults(_type_columns(current, desired, old.identity, partitions=False), ctx.users),
                nested=ctx.nested.get(old.identity, ()),
            )
        elif old.attributes != new.attributes:
            yield AlterComposite(old=old, new=new)
        yield from _comment(old, new)


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


def _type_functions(
    current: Model, desired: Model, rebuilt: TypeRebuild, nested: tuple[NestedRebuild, ...]
) -> list[Key]:
    """Functions (and procedures) of ``current`` kept by ``desired`` whose signature or
    body uses the rebuilt type or a type rebuilt inside its rebuild."""
    types = {rebuilt[0].key} | {n[0].key for n in nested}
    return sorted(
        key
        for key, deps in current.depends.items()
        if key[0] in ("function", "procedure") and key in desired.objects and deps & types
    )


def nested_rebuilds(
    current: Model, desired: Model, rebuilt: list[TypeRebuild]
) -> dict[str, tuple[NestedRebuild, ...]]:
    """For each rebuilt type (by identity), the domains and composite types that use it
    (a domain's base type, a composite's attribute), transitively, in creation order:
    PostgreSQL cannot drop the old type while they use it, so they are rebuilt with it
    (renamed away, created again over the new type, their columns converted)."""
    own = {r[0].key for r in rebuilt}
    dependents: dict[Key, list[Key]] = {}
    for key, deps in sorted(current.depends.items()):
        if key[0] == "type":
            for dep in deps:
                if dep[0] == "type":
                    dependents.setdefault(dep, []).append(key)
    out: dict[str, tuple[NestedRebuild, ...]] = {}
    for old_t, _ in rebuilt:
        found: list[NestedRebuild] = []
        seen = {old_t.key}
        todo = [old_t.key]
        while todo:
            used = todo.pop(0)
            for key in dependents.get(used, ()):
                before, after = current.get(key), desired.get(key)
                if key in seen or key in own or used not in desired.depends.get(key, frozenset()):
                    continue
                if isinstance(before, Domain) and isinstance(after, Domain):
                    found.append((before, after, tuple(_type_columns(current, desired, key[1], partitions=False))))
                elif isinstance(before, CompositeType) and isinstance(after, CompositeType):
                    found.append((before, after, tuple(_type_columns(current, desired, key[1], partitions=False))))
                else:
                    continue
                seen.add(key)
                todo.append(key)
        if found:
            out[old_t.identity] = tuple(found)
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




def _range_columns(current: Model, desired: Model, r: RangeType) -> list[str]:
    """Columns of kept tables that have the range type (its multirange, or an array of
    either) on both sides."""
    names = {r.identity, r.identity + "[]", r.multirange, r.multirange + "[]"}
    out = []
    for old_t, new_t in _pairs(current, desired, Table):
        if old_t is None or new_t is None:
            continue
        for col in new_t.columns:
            before = old_t.column(col.name)
            if before is not None and before.type in names and col.type in names:
                out.append(f"{new_t.identity}.{quote_ident(col.name)}")
    return out


def _collation_columns(current: Model, desired: Model, c: Collation) -> list[str]:
    """Columns of kept tables that use the collation on both sides."""
    out = []
    for old_t, new_t in _pairs(current, desired, Table):
        if old_t is None or new_t is None:
            continue
        for col in new_t.columns:
            before = old_t.column(col.name)
            if before is not None and before.collation == c.identity and col.collation == c.identity:
                out.append(f"{new_t.identity}.{quote_ident(col.name)}")
    return out


def _refuse_in_use(what: str, identity: str, old: str, new: str, columns: list[str]) -> SchemakitError:
    shown = ", ".join(columns[:5]) + (f" and {len(columns) - 5} more" if len(columns) > 5 else "")
    return SchemakitError(
        f"{what} {identity} changes ({old} → {new}) while columns use it ({shown}); "
        f"PostgreSQL cannot alter a {what} in place, and dropping it would drop those columns",
        hint=f"declare the new {what} under another name, move the columns to it in one plan, "
        f"then remove the old {what} in another",
    )


def _recreated_unless_used(
    current: Model,
    desired: Model,
    cls: type[RangeType] | type[Collation],
    what: str,
    columns: Callable[[Model, Model, Any], list[str]],
    create: Callable[[Any], Change],
    drop: Callable[[Any], Change],
) -> Iterator[Change]:
    """Kinds PostgreSQL cannot alter in place (range types, collations): created,
    dropped, or dropped and created again when they change, which is refused while
    columns of kept tables use them (dropping it would drop those columns)."""
    for old, new in _pairs(current, desired, cls):
        if new is None:
            assert old is not None
            yield drop(old)
            continue
        if old is None:
            yield create(new)
        elif old.state != new.state:
            used = columns(current, desired, old)
            if used:
                raise _refuse_in_use(what, new.identity, old.state, new.state, used)
            yield drop(old)
            yield create(new)
        yield from _comment(old, new)


def _ranges(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    return _recreated_unless_used(current, desired, RangeType, "range type", _range_columns, CreateRange, DropRange)


def _collations(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    return _recreated_unless_used(current, desired, Collation, "collation", _collation_columns, CreateCollation, DropCollation)


def has_changes(current: Model, desired: Model) -> bool:
    return bool(diff_models(current, desired))
