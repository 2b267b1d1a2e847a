"""Model(current), Model(desired) → Changes, compared per object kind by key.

``diff_models`` computes what the kinds' differs share (the ``Context``: reworks,
rebuilds, recreations) and runs each kind's differ in the registry's order
(``schemakit.kinds.KINDS``); the differs of the kinds not moved to their own module yet
are still here. No SQL here and no ordering: the plan orders the changes, the renderer
writes them.
"""

from __future__ import annotations

import re
from functools import cache
from dataclasses import replace
from typing import Any, Callable, Iterator, Mapping, TypeVar, cast

from schemakit.platform import is_managed_schema
from schemakit.columns import through_text
from schemakit.tableprops import SetInherits, SetPersistence
from schemakit.diff.owned_sequences import folded_grants
from schemakit.errors import SchemakitError
from schemakit.viewdef import normalize as normalize_view
from schemakit.kinds import KINDS
from schemakit.kinds.base import Cause, Context
from schemakit.kinds.base import Differ as Differ  # re-exported
from schemakit.kinds.base import comment as _comment
from schemakit.kinds.base import owned as _owned
from schemakit.kinds.base import pairs as _pairs
from schemakit.kinds.policy import Policy
from schemakit.kinds.trigger import Trigger
from schemakit.changes import (
    AddColumn,
    AddConstraint,
    AddEnumValue,
    AlterColumn,
    AlterComposite,
    AlterDomain,
    AlterExtension,
    AlterPublication,
    AlterSequence,
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
    CreateExtension,
    CreateFunction,
    CreateIndex,
    CreatePublication,
    CreateSchema,
    CreateTable,
    CreateSequence,
    CreateView,
    DeleteBucket,
    DropColumn,
    DropConstraint,
    DropColumnDefault,
    DropCollation,
    DropComposite,
    DropDomain,
    DropRange,
    DropEnum,
    DropExtension,
    DropFunction,
    DropIndex,
    DropPublication,
    DropSchema,
    DropSequence,
    DropTable,
    DropView,
    RebuildComposite,
    RebuildDomain,
    RebuildEnum,
    RebuildTable,
    RenameEnumValue,
    ReplaceConstraint,
    ReplaceIndex,
    SetComment,
    SetGrant,
    SetDefaultPrivilege,
    SetPartitionOf,
    SetReplicaIdentity,
    SyncRows,
    SetOwner,
    SetRowSecurity,
    UpsertBucket,
)
from schemakit.model import (
    TableRows,
    Owner,
    Publication,
    Grant,
    DefaultPrivilege,
    CompositeType,
    Collation,
    Domain,
    RangeType,
    Bucket,
    Column,
    Constraint,
    DbObject,
    EnumType,
    Extension,
    Function,
    Index,
    Key,
    Model,
    Schema,
    Sequence,
    Table,
    View,
    column_key,
    implied_privileges,
    qualified,
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


def _unset_defaults(columns: Iterator[tuple[Table, Column]] | tuple[tuple[Table, Column], ...], users: Mapping[Key, Rework]) -> tuple[tuple[Table, Column], ...]:
    """Columns a type rebuild converts, without the defaults that call a function the
    plan drops first (the table's diff drops them before and sets them after)."""
    return tuple(
        (t, replace(col, default=None) if col.default is not None and column_key(t.key, col.name) in users else col)
        for t, col in columns
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


def _schemas(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, Schema):
        if new is None:
            assert old is not None
            if old.name != "public":
                yield DropSchema(old)
            continue
        if old is None and new.name != "public":
            yield CreateSchema(new)
        yield from _comment(old, new)


def _extensions(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, Extension):
        if new is None:
            assert old is not None
            if not is_managed_schema(old.schema):
                yield DropExtension(old)
        elif old is None:
            yield CreateExtension(new, pin_version=new.name in desired.pinned_extensions)
        else:
            # The version is compared only when the files pin one (DESIGN.md section 2).
            if new.name not in desired.pinned_extensions:
                new = replace(new, version=old.version)
            if (old.schema, old.version) != (new.schema, new.version):
                yield AlterExtension(old=old, new=new)


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


def _tables(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    domains = cache(
        lambda: frozenset(k[1] for m in (current, desired) for k, v in m.objects.items() if isinstance(v, Domain))
    )
    for old, new in _pairs(current, desired, Table):
        if new is None:
            assert old is not None
            if old.key not in ctx.tables:  # else a partition that goes with its rebuilt parent
                yield DropTable(old)
            continue
        if old is None:
            # A partition's columns share the parent's serial sequence, which the parent's
            # column owns; an inheriting child leaves its inherited columns' to the parent.
            serials = () if new.partition_of is not None else tuple(
                (col.name, seq) for col in new.columns if col.local and (seq := _serial(col, desired)) is not None
            )
            yield CreateTable(new, serials=serials)
            yield from _new_table_settings(new)
            continue
        if old.key in ctx.tables:
            yield from _rebuilt_table(old, new, ctx.tables[old.key], desired)
            continue
        if old.partition_by != new.partition_by:
            raise SchemakitError(
                f"table {new.identity}: changing how a table is partitioned "
                f"({old.partition_by or 'not partitioned'} → {new.partition_by or 'not partitioned'}) "
                "cannot be done in place",
                hint="create the new table under another name and move the rows in a migration",
            )
        if (old.partition_of, old.partition_bound) != (new.partition_of, new.partition_bound):
            yield SetPartitionOf(table=new, old_parent=old.partition_of, old_bound=old.partition_bound)
        if new.partition_of is not None and old.partition_of is not None:
            # A partition's columns follow its parent's (and cannot be altered on it).
            yield from _partition_rest(old, new)
            continue
        old_cols = {c.name: c for c in old.columns}
        new_cols = {c.name: c for c in new.columns}
        users = ctx.users
        # Parents left go first (their columns stay, as local ones, and may be dropped
        # below); parents joined go after the columns (the table must have theirs).
        old_table = old
        removed = tuple(p for p in old.inherits if p not in new.inherits)
        if removed:
            yield SetInherits(table=new, remove=removed)
        # A column only inherited from a parent kept follows that parent's changes.
        new_listed = new.columns
        followers: set[str] = set()
        if set(old.inherits) & set(new.inherits):
            followers = {
                n for n in old_cols.keys() | new_cols.keys()
                if not getattr(old_cols.get(n), "local", False) and not getattr(new_cols.get(n), "local", False)
            }
            if followers:
                old_cols = {n: c for n, c in old_cols.items() if n not in followers}
                new_cols = {n: c for n, c in new_cols.items() if n not in followers}
                old = replace(old, columns=tuple(c for c in old.columns if c.name not in followers))
                new_listed = tuple(c for c in new.columns if c.name not in followers)
        # A generated column over a column that changes, or whose expression changes
        # (or that becomes generated), goes and comes back.
        regenerated = {
            c.name for c in old.columns
            if c.name in new_cols
            and new_cols[c.name].generated is not None
            and (c.generated != new_cols[c.name].generated or column_key(old.key, c.name) in users)
        }
        # A default that calls a function being recreated is dropped first, set after.
        unset = {
            c.name for c in old.columns
            if c.default is not None and c.name in new_cols and c.name not in regenerated
            and column_key(old.key, c.name) in users
        }
        for name in sorted(unset):
            yield DropColumnDefault(table=new, column=old_cols[name], reworked=users[column_key(old.key, name)])
        gone = [c for c in old.columns if c.name not in new_cols or c.name in regenerated]
        # Generated columns first: they may use the others.
        for col in sorted(gone, key=lambda c: c.generated is None):
            yield DropColumn(table=new, column=col)
        # Columns set again around a drop come last: the table's other changes may
        # have to come before that drop (and a table's changes keep this order).
        again = unset | {n for n in regenerated if column_key(old.key, n) in users}
        for col in sorted(new_listed, key=lambda c: c.name in again):
            before = None if col.name in regenerated else old_cols.get(col.name)
            if before is not None and col.name in unset:
                before = replace(before, default=None)
            if before is None:
                yield AddColumn(
                    table=new,
                    column=col,
                    serial=_serial(col, desired),
                )
                if col.comment is not None:
                    yield SetComment(target=new, comment=col.comment, column=col.name)
                continue
            if _column_shape(before) != _column_shape(col):
                yield AlterColumn(
                    table=new,
                    old=before,
                    new=col,
                    serial=_serial(col, desired) if col.default != before.default else None,
                    old_serial=_serial(before, current) if col.default != before.default else None,
                    via_text=through_text(before.type, col.type, domains()),
                )
            if before.comment != col.comment:
                yield SetComment(target=new, comment=col.comment, column=col.name)
        for name in sorted(followers):
            was, now = old_table.column(name), new.column(name)
            if now is not None and (was.comment if was is not None else None) != now.comment:
                yield SetComment(target=new, comment=now.comment, column=name)
        added = tuple(p for p in new.inherits if p not in old.inherits)
        if added:
            yield SetInherits(table=new, add=added)
        if old.unlogged != new.unlogged:
            yield SetPersistence(new)
        if (old.replica_identity, old.replica_index) != (new.replica_identity, new.replica_index):
            yield SetReplicaIdentity(new)
        if (old.rls_enabled, old.rls_forced) != (new.rls_enabled, new.rls_forced):
            yield SetRowSecurity(table=new, old_enabled=old.rls_enabled, old_forced=old.rls_forced)
        yield from _comment(old, new)


def rebuilt_tables(current: Model, desired: Model) -> dict[Key, tuple[Table, Table]]:
    """Tables whose partitioning changes (regular ↔ partitioned, another key or
    strategy), which are rebuilt, and the partitions that go and come with them (the old
    ones are dropped with the old table, the desired ones created with the new one) →
    (old, new) of the rebuilt table."""
    out: dict[Key, tuple[Table, Table]] = {}
    for old, new in _pairs(current, desired, Table):
        if old is None or new is None or old.partition_by == new.partition_by:
            continue
        if old.partition_of is not None or new.partition_of is not None:
            continue  # a partition's own partitioning: refused in _tables
        cause = (old, new)
        out[old.key] = cause
        gone = {t.key for t in partition_tree(current, old.identity)}
        come = {t.key for t in partition_tree(desired, new.identity)}
        for key in sorted(gone | come):
            if key in current.objects and key in desired.objects and (key not in gone or key not in come):
                raise SchemakitError(
                    f"table {key[1]}: it is attached to or detached from {new.identity} while that table is "
                    "rebuilt to change its partitioning; that cannot be done in one step",
                    hint="attach or detach it in one plan and apply it, then change the partitioning in another",
                )
            out[key] = cause
    return out


def partition_tree(model: Model, identity: str) -> list[Table]:
    """The partitions of a table, and theirs, parents first (by name among siblings)."""
    children: dict[str, list[Table]] = {}
    for obj in model.objects.values():
        if isinstance(obj, Table) and obj.partition_of is not None:
            children.setdefault(obj.partition_of, []).append(obj)
    out: list[Table] = []
    todo = [identity]
    while todo:
        for child in sorted(children.get(todo.pop(0), ()), key=lambda t: t.identity):
            out.append(child)
            todo.append(child.identity)
    return out


def _new_table_settings(new: Table) -> Iterator[Change]:
    """What a table the plan creates (or rebuilds) gets after its CREATE: row level
    security, replica identity, its comment and its columns' comments."""
    if new.rls_enabled or new.rls_forced:
        yield SetRowSecurity(table=new, old_enabled=False, old_forced=False)
    if new.replica_identity != "d":
        yield SetReplicaIdentity(new)
    yield from _comment(None, new)
    for col in new.columns:
        if col.comment is not None:
            yield SetComment(target=new, comment=col.comment, column=col.name)


def _rebuilt_table(old: Table, new: Table, cause: tuple[Table, Table], desired: Model) -> Iterator[Change]:
    """The rebuild of a table whose partitioning changes, or (for one of its desired
    partitions that exists now) nothing but what a new table gets after its creation:
    row level security, replica identity, comments."""
    if new.key == cause[1].key:
        serials = tuple((col.name, seq) for col in new.columns if (seq := _serial(col, desired)) is not None)
        yield RebuildTable(old=old, new=new, partitions=tuple(partition_tree(desired, new.identity)), serials=serials)
    yield from _new_table_settings(new)


def _partition_rest(old: Table, new: Table) -> Iterator[Change]:
    """What a partition has of its own: row level security, replica identity, comment."""
    if (old.replica_identity, old.replica_index) != (new.replica_identity, new.replica_index):
        yield SetReplicaIdentity(new)
    if (old.rls_enabled, old.rls_forced) != (new.rls_enabled, new.rls_forced):
        yield SetRowSecurity(table=new, old_enabled=old.rls_enabled, old_forced=old.rls_forced)
    yield from _comment(old, new)


_NEXTVAL = re.compile(r"^nextval\('((?:[^']|'')+)'::regclass\)$")


def _serial(col: object, desired: Model) -> str | None:
    """The sequence of a serial column: its default calls a sequence not modelled on its own."""
    assert isinstance(col, Column)
    m = _NEXTVAL.match(col.default or "")
    if m is None or ("sequence", m.group(1)) in desired.objects:
        return None
    return m.group(1).replace("''", "'")


def _column_shape(col: object) -> tuple[object, ...]:
    assert isinstance(col, Column)
    return (col.type, col.not_null, col.default, col.identity, col.generated, col.collation)


def reworked_columns(
    current: Model, desired: Model, functions: list[tuple[Function, Function]], renames: EnumRenames
) -> dict[Key, Rework]:
    """Column keys of kept tables whose column is dropped or changes type."""
    out: dict[Key, Rework] = {}
    for old_t, new_t in _pairs(current, desired, Table):
        if old_t is None or new_t is None:
            continue
        for col in old_t.columns:
            after = new_t.column(col.name)
            if after is None or (after.type, after.collation) != (col.type, col.collation):
                out[column_key(old_t.key, col.name)] = (new_t, col, after)
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
    for key, cause in rebuilt_tables(current, desired).items():
        # Everything that uses a rebuilt table (or a partition that goes or comes with it).
        was = current.get(key)
        if isinstance(was, Table):
            out[key] = cause
            for col in was.columns:
                out[column_key(key, col.name)] = cause
    return out


def recreated_functions(current: Model, desired: Model) -> list[tuple[Function, Function]]:
    """Functions whose result type changes: dropped and created again."""
    return [
        (old, new)
        for old, new in _pairs(current, desired, Function)
        if old is not None and new is not None and (old.result, old.is_procedure) != (new.result, new.is_procedure)
    ]


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
    if isinstance(obj, View):
        return _view_shape(obj)
    if isinstance(obj, Constraint):
        return (obj.type, obj.definition)
    if isinstance(obj, (Index, Trigger)):
        return obj.definition if isinstance(obj, Index) else (obj.definition, obj.enabled)
    if isinstance(obj, Policy):
        return obj.state
    return obj


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


def _constraints(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, Constraint):
        if new is None:
            assert old is not None
            if not _owned(old, ctx.dropped):
                yield DropConstraint(old)
            continue
        if old is None:
            yield AddConstraint(new)
        elif (cause := ctx.users.get(old.key)) is not None:
            yield DropConstraint(old, reworked=cause)
            yield AddConstraint(new)
        elif (old.type, old.definition) != (new.type, new.definition):
            yield ReplaceConstraint(old=old, new=new)
        yield from _comment(old, new)


def _indexes(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    rebuilt = {k[1] for k in ctx.rebuilt}
    for old, new in _pairs(current, desired, Index):
        if old is not None and new is not None and qualified(old.schema, old.table) in rebuilt:
            # The materialized view is dropped and recreated, and its indexes with it.
            yield CreateIndex(new, table_is_new=True)
            yield from _comment(None, new)
            continue
        if new is None:
            assert old is not None
            if not _owned(old, ctx.dropped):
                yield DropIndex(old)
            continue
        if old is None:
            yield CreateIndex(new, table_is_new=new.owner_key not in current.objects)
        elif (cause := ctx.users.get(old.key)) is not None:
            yield DropIndex(old, reworked=cause)
            # On a table rebuilt in the same transaction: built there, never concurrently.
            yield CreateIndex(new, table_is_new=new.owner_key in ctx.tables)
        elif old.definition != new.definition:
            yield ReplaceIndex(old=old, new=new)
        yield from _comment(old, new)


def _functions(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, Function):
        if new is None:
            assert old is not None
            yield DropFunction(old)
            continue
        if old is not None and (old.result, old.is_procedure) != (new.result, new.is_procedure):
            yield DropFunction(old, reworked=(old, new))  # guarded by the result type
            yield CreateFunction(new)
        elif old is not None and (cause := ctx.users.get(old.key)) is not None:
            yield DropFunction(old, reworked=cause)
            yield CreateFunction(new)
        elif old is None or old.definition != new.definition:
            yield CreateFunction(new, old=old)
        yield from _comment(old, new)


def _buckets(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, Bucket):
        if new is None:
            assert old is not None
            yield DeleteBucket(old)
        elif old != new:
            yield UpsertBucket(new, old=old)


def _sequences(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, Sequence):
        if new is None:
            assert old is not None
            yield DropSequence(old)
            continue
        if old is None:
            yield CreateSequence(new)
        elif _sequence_shape(old) != _sequence_shape(new):
            yield AlterSequence(old=old, new=new)
        yield from _comment(old, new)


def _sequence_shape(s: Sequence) -> tuple[object, ...]:
    return (s.type, s.start, s.increment, s.minvalue, s.maxvalue, s.cache, s.cycle, s.owned_by)


def _view_replaceable(old: View, new: View) -> bool:
    """CREATE OR REPLACE VIEW can only append columns, and never to a materialized view."""
    return (
        not old.materialized
        and not new.materialized
        and tuple(new.columns[: len(old.columns)]) == old.columns
    )




def recreated_views(current: Model, desired: Model, users: Mapping[Key, Rework]) -> dict[Key, Cause]:
    """Views that must be dropped and recreated → what causes it.

    A view whose columns change incompatibly (or a changed materialized view) is
    recreated, and so is every view that depends on it, transitively. So is every
    view over a table whose column changes type (PostgreSQL refuses the change while
    a view uses the table): the cause is then (table, old column, new column).
    """
    roots: dict[Key, Cause] = {
        key: cause
        for key, cause in users.items()
        if key[0] in ("view", "materialized view") and key in desired.objects
    }
    for old, new in _pairs(current, desired, View):
        if old is not None and new is not None and old != new and not _view_replaceable(old, new):
            if _view_shape(old) != _view_shape(new):
                roots[old.key] = (old, new)
    dependents: dict[Key, set[Key]] = {}
    for key, deps in current.depends.items():
        if key[0] in ("view", "materialized view"):
            for dep in deps:
                dependents.setdefault(dep, set()).add(key)
    out = dict(roots)
    todo = sorted(roots)
    while todo:
        key = todo.pop()
        for dep in sorted(dependents.get(key, ())):
            if dep not in out and dep in desired.objects:
                out[dep] = out[key]
                todo.append(dep)
    return out


def _view_shape(v: View) -> tuple[object, ...]:
    return (normalize_view(v.definition), v.columns, v.options, v.materialized)


def _views(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    rebuilt = ctx.rebuilt
    for old, new in _pairs(current, desired, View):
        if new is None:
            assert old is not None
            yield DropView(old)
            continue
        if old is None:
            yield CreateView(new)
            yield from _comment(None, new)
        elif old.key in rebuilt:
            cause = rebuilt[old.key]
            if isinstance(cause[0], View) and isinstance(cause[1], View):
                yield DropView(old, because=(cause[0], cause[1]))
            else:
                yield DropView(old, reworked=cast(Rework, cause))
            yield CreateView(new)
            yield from _comment(None, new)
        else:
            if _view_shape(old) != _view_shape(new):
                yield CreateView(new, old=old)
            yield from _comment(old, new)


def _publications(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, Publication):
        if new is None:
            assert old is not None
            yield DropPublication(old)
            continue
        if old is None or old.all_tables != new.all_tables:
            if old is not None:
                yield DropPublication(old)
            yield CreatePublication(new)
        elif (old.publish, old.tables) != (new.publish, new.tables) or any(("table", t) in ctx.tables for t in new.tables):
            # Tables the plan drops leave the publication with them.
            kept = tuple(t for t in old.tables if ("table", t) not in ctx.dropped and ("table", t) not in ctx.tables)
            if (old.publish, kept) != (new.publish, new.tables):
                yield AlterPublication(old=replace(old, tables=kept), new=new)
        yield from _comment(old, new)


def _rows(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in _pairs(current, desired, TableRows):
        if new is None:
            continue  # no longer declared: the rows are the table's data now
        before = old.by_key() if old is not None and old.columns == new.columns else {}
        wanted = new.by_key()
        upserts = tuple(row for key, row in wanted.items() if before.get(key) != row)
        deletes = tuple(key for key in before if key not in wanted) if old is not None else ()
        if old is not None and old.columns != new.columns:
            # Other columns declared now: what the target holds is read with the old ones.
            deletes = tuple(k for k in old.by_key() if k not in wanted)
        if upserts or deletes:
            yield SyncRows(rows=new, upserts=upserts, deletes=deletes)


def _default_privileges(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    """What ALTER DEFAULT PRIVILEGES gives, per (schema, object type, grantee). The
    defaults in a schema the plan drops go with it."""
    for old, new in _pairs(current, desired, DefaultPrivilege):
        target = new if new is not None else old
        assert target is not None
        if target.schema is not None and ("schema", quote_ident(target.schema)) not in desired.objects:
            continue
        state = new if new is not None else replace(target, privileges=(), grantable=())
        before = old.privileges if old is not None else ()
        before_grantable = old.grantable if old is not None else ()
        if (before, before_grantable) != (state.privileges, state.grantable):
            yield SetDefaultPrivilege(privilege=state, before=before, before_grantable=before_grantable)


_DEFAULT_TYPE = {
    "table": "r",
    "view": "r",
    "materialized view": "r",
    "sequence": "S",
    "function": "f",
    "procedure": "f",
    "schema": "n",
    "type": "T",
}


def _implied(desired: Model, g: Grant) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What an object the plan creates gets for ``g.grantee`` without any GRANT:
    the desired default privileges for its schema and type (the plan sets them before
    it creates anything), built-in ones (PUBLIC EXECUTE on functions) included."""
    objtype = _DEFAULT_TYPE.get(g.on_kind)
    if objtype is None or g.column is not None:
        return (), ()
    obj = desired.get(g.object_key)
    schema = getattr(obj, "schema", None) if objtype != "n" else None
    return implied_privileges(desired, objtype, schema, g.grantee)


def _grants(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    """Privileges per (object, grantee). For an object the plan creates (or drops and
    creates again) the starting point is what default privileges give it, so a grant
    they already imply is never planned."""
    fresh = set(ctx.rebuilt) | {f.key for f, _ in ctx.functions} | set(ctx.tables) | ctx.types
    fresh |= {k for k in ctx.users if k[0] in ("function", "procedure")}
    old_grants = {k: v for k, v in current.objects.items() if isinstance(v, Grant)}
    new_grants = {k: v for k, v in desired.objects.items() if isinstance(v, Grant)}
    grantees = sorted({d.grantee for d in desired.objects.values() if isinstance(d, DefaultPrivilege)})
    # Grantees a new object gets by default but the desired state does not list.
    for obj_key, obj in desired.objects.items():
        if obj_key in current.objects and obj_key not in fresh:
            continue
        on_kind = obj_key[0]
        if on_kind not in _DEFAULT_TYPE:
            continue
        for grantee in grantees:
            probe = Grant(on_kind=on_kind, on=obj_key[1], grantee=grantee, privileges=())
            if probe.key not in new_grants and _implied(desired, probe)[0]:
                new_grants[probe.key] = probe
    # The same for the sequences of identity and serial columns (folded into them).
    owned = folded_grants(current, desired, fresh, grantees, new_grants, _serial)
    new_grants.update((k, g) for k, (g, _) in owned.items() if k not in old_grants)
    for key in sorted(old_grants.keys() | new_grants.keys()):
        old, new = old_grants.get(key), new_grants.get(key)
        target = new if new is not None else old
        assert target is not None
        folded = _folded_sequence_table(desired, target) or (owned[key][1] if key in owned else None)
        if folded is not None:
            yield from _folded_sequence_grant(current, desired, fresh, folded, old, new, target)
            continue
        if target.object_key not in desired.objects:
            continue  # the object goes, its privileges with it
        before: tuple[str, ...]
        before_grantable: tuple[str, ...]
        if target.object_key not in current.objects or target.object_key in fresh:
            before, before_grantable = _implied(desired, target)
        elif old is not None:
            before, before_grantable = old.privileges, old.grantable
        else:
            before, before_grantable = (), ()
        state = new if new is not None else Grant(
            on_kind=target.on_kind, on=target.on, grantee=target.grantee, privileges=(), column=target.column
        )
        if (before, before_grantable) != (state.privileges, state.grantable):
            on = desired.objects[target.object_key]
            yield SetGrant(grant=state, on=on, before=before, before_grantable=before_grantable)


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


def _folded_sequence_table(desired: Model, g: Grant) -> Key | None:
    """The table whose identity or serial sequence ``g`` is on (the catalog reader makes
    such a grant depend on that table only), when the desired state has that table."""
    if g.on_kind != "sequence" or g.object_key in desired.objects:
        return None
    deps = desired.depends.get(g.key, frozenset())
    tables = [d for d in deps if d[0] == "table" and d in desired.objects]
    return tables[0] if len(deps) == 1 and tables else None


def _folded_sequence_grant(
    current: Model, desired: Model, fresh: set[Key], table: Key, old: Grant | None, new: Grant | None, target: Grant
) -> Iterator[Change]:
    """A grant on a column's identity or serial sequence: from what the target's sequence
    has (or, when the plan creates the table, what default privileges give it)."""
    if table not in current.objects or table in fresh:
        owner = desired.objects[table]
        schema = getattr(owner, "schema", None)
        before, before_grantable = implied_privileges(desired, "S", schema, target.grantee)
    elif old is not None:
        before, before_grantable = old.privileges, old.grantable
    else:
        before, before_grantable = (), ()
    state = new if new is not None else Grant(on_kind="sequence", on=target.on, grantee=target.grantee, privileges=())
    if (before, before_grantable) != (state.privileges, state.grantable):
        schema, _, name = _split_qualified(target.on)
        on = Sequence(schema=schema, name=name, type="bigint", start=1, increment=1, minvalue=1, maxvalue=1, cache=1, cycle=False)
        yield SetGrant(grant=state, on=on, before=before, before_grantable=before_grantable)


def _split_qualified(identity: str) -> tuple[str, str, str]:
    """(schema, '.', name) of a qualified name as ``model.qualified`` writes it (parts
    double-quoted where needed, ``""`` for a quote)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(identity):
        ch = identity[i]
        if quoted:
            if ch == '"' and identity[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return (parts[0], ".", parts[-1]) if len(parts) > 1 else ("public", ".", parts[0])


def has_changes(current: Model, desired: Model) -> bool:
    return bool(diff_models(current, desired))
