"""Tables, in one place: the model class, its catalog query (``table.sql``) and row
mapping, the table's changes (create, drop, row level security, replica identity,
attach/detach a partition), the differ (its steps named below) and the helpers the
diff's cross-kind rework code uses, the renderers, the comment target, the hazard rule
and the rank.

What belongs to a table lives next to this module: its columns
(``kinds/columns.py``), UNLOGGED and INHERITS (``kinds/tableprops.py``), and the rebuild
of a table whose partitioning changes (``kinds/table_rebuild.py``).

A table is keyed ``("table", "<schema>.<name>")``; what is on it (constraints, indexes,
triggers, policies) has it as ``owner_key`` and goes with it when it is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change, Rework
from schemakit.kinds.comment import SetComment
from schemakit.errors import SchemakitError
from schemakit.hazards import Hazard
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, on_table, pairs
from schemakit.kinds.columns import (
    AddColumn,
    AlterColumn,
    Column,
    DropColumn,
    DropColumnDefault,
    add_column_hazards,
    alter_column_hazards,
    column_definition,
    column_from_row,
    column_shape,
    serial,
    serial_sequence_sql,
    through_text,
)
from schemakit.kinds.table_rebuild import RebuildTable, rebuild_table_hazards
from schemakit.kinds.tableprops import SetInherits, SetPersistence, table_property_hazards
from schemakit.model import DbObject, Key, Model, column_key, qualified
from schemakit.render.guard import Name, comment_target, gone_guard, guard, ident, regclass, render_change, text

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table(DbObject):
    kind: ClassVar[str] = "table"
    schema: str
    name: str
    columns: tuple[Column, ...]
    rls_enabled: bool = False
    rls_forced: bool = False
    replica_identity: str = "d"  # d default, f full, n nothing, i an index
    replica_index: str | None = None
    comment: str | None = None
    partition_by: str | None = None  # pg_get_partkeydef of a partitioned table
    partition_of: str | None = None  # the parent's identity, for a partition
    partition_bound: str | None = None  # FOR VALUES ..., for a partition
    unlogged: bool = False  # relpersistence 'u'
    inherits: tuple[str, ...] = ()  # the parents' identities (INHERITS, not partitioning), in order

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)

    def to_json(self) -> dict[str, Any]:
        data = DbObject.to_json(self)
        for name in ("unlogged", "inherits"):
            if not data[name]:
                del data[name]  # the usual case: snapshots and fingerprints stay as they were
        return data

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None


def table_from_row(r: tuple[Any, ...]) -> Table:
    """One row of ``table.sql``."""
    return Table(
        schema=r[0],
        name=r[1],
        rls_enabled=r[2],
        rls_forced=r[3],
        replica_identity=r[4],
        replica_index=r[5] if r[4] == "i" else None,
        comment=r[6],
        partition_by=r[7],
        partition_of=r[8],
        partition_bound=r[9],
        columns=tuple(column_from_row(c) for c in r[10]),
        unlogged=r[11],
        inherits=tuple(r[12]),
    )


# -- changes -----------------------------------------------------------------------------


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


# -- differ ------------------------------------------------------------------------------


def diff_tables(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    from schemakit.kinds.domain import Domain  # which imports the type rebuilds, which import this module

    domains = cache(
        lambda: frozenset(k[1] for m in (current, desired) for k in m.of_class(Domain))
    )
    for old, new in pairs(current, desired, Table):
        if new is None:
            assert old is not None
            if old.key not in ctx.tables:  # else a partition that goes with its rebuilt parent
                yield DropTable(old)
            continue
        if old is None:
            yield from _new_table(new, desired)
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
        yield from _kept_table(current, desired, ctx.users, old, new, domains)


def _new_table(new: Table, desired: Model) -> Iterator[Change]:
    """A table the plan creates, with its serial sequences and its settings."""
    # A partition's columns share the parent's serial sequence, which the parent's
    # column owns; an inheriting child leaves its inherited columns' to the parent.
    serials = () if new.partition_of is not None else tuple(
        (col.name, seq) for col in new.columns if col.local and (seq := serial(col, desired)) is not None
    )
    yield CreateTable(new, serials=serials)
    yield from _new_table_settings(new)


def _kept_table(
    current: Model,
    desired: Model,
    users: Mapping[Key, Rework],
    old: Table,
    new: Table,
    domains: Callable[[], frozenset[str]],
) -> Iterator[Change]:
    """A table kept in place: its parents, its columns, its settings, its comment."""
    # Parents left go first (their columns stay, as local ones, and may be dropped
    # below); parents joined go after the columns (the table must have theirs).
    old_table = old
    removed = tuple(p for p in old.inherits if p not in new.inherits)
    if removed:
        yield SetInherits(table=new, remove=removed)
    # A column only inherited from a parent kept follows that parent's changes.
    new_listed = new.columns
    followers = _followers(old, new)
    if followers:
        old = replace(old, columns=tuple(c for c in old.columns if c.name not in followers))
        new_listed = tuple(c for c in new.columns if c.name not in followers)
    yield from _columns(current, desired, users, old, new, new_listed, domains)
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
    yield from comment(old, new)


def _followers(old: Table, new: Table) -> set[str]:
    """The columns only inherited, before and after, from a parent the table keeps."""
    if not set(old.inherits) & set(new.inherits):
        return set()
    old_cols = {c.name: c for c in old.columns}
    new_cols = {c.name: c for c in new.columns}
    return {
        n for n in old_cols.keys() | new_cols.keys()
        if not getattr(old_cols.get(n), "local", False) and not getattr(new_cols.get(n), "local", False)
    }


def _columns(
    current: Model,
    desired: Model,
    users: Mapping[Key, Rework],
    old: Table,
    new: Table,
    new_listed: tuple[Column, ...],
    domains: Callable[[], frozenset[str]],
) -> Iterator[Change]:
    """The columns of a kept table (``old``'s and ``new_listed``, followers left out)."""
    old_cols = {c.name: c for c in old.columns}
    new_cols = {c.name: c for c in new_listed}
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
        yield from _column(current, desired, new, before, col, domains)


def _column(
    current: Model, desired: Model, new: Table, before: Column | None, col: Column, domains: Callable[[], frozenset[str]]
) -> Iterator[Change]:
    """One column of the desired table: added, or altered from ``before``; its comment."""
    if before is None:
        yield AddColumn(table=new, column=col, serial=serial(col, desired))
        if col.comment is not None:
            yield SetComment(target=new, comment=col.comment, column=col.name)
        return
    if column_shape(before) != column_shape(col):
        yield AlterColumn(
            table=new,
            old=before,
            new=col,
            serial=serial(col, desired) if col.default != before.default else None,
            old_serial=serial(before, current) if col.default != before.default else None,
            via_text=through_text(before.type, col.type, domains()),
        )
    if before.comment != col.comment:
        yield SetComment(target=new, comment=col.comment, column=col.name)


def rebuilt_tables(current: Model, desired: Model) -> dict[Key, tuple[Table, Table]]:
    """Tables whose partitioning changes (regular ↔ partitioned, another key or
    strategy), which are rebuilt, and the partitions that go and come with them (the old
    ones are dropped with the old table, the desired ones created with the new one) →
    (old, new) of the rebuilt table."""
    out: dict[Key, tuple[Table, Table]] = {}
    for old, new in pairs(current, desired, Table):
        if old is None or new is None or old.partition_by == new.partition_by:
            continue
        if old.partition_of is not None or new.partition_of is not None:
            continue  # a partition's own partitioning: refused in diff_tables
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
    yield from comment(None, new)
    for col in new.columns:
        if col.comment is not None:
            yield SetComment(target=new, comment=col.comment, column=col.name)


def _rebuilt_table(old: Table, new: Table, cause: tuple[Table, Table], desired: Model) -> Iterator[Change]:
    """The rebuild of a table whose partitioning changes, or (for one of its desired
    partitions that exists now) nothing but what a new table gets after its creation:
    row level security, replica identity, comments."""
    if new.key == cause[1].key:
        serials = tuple((col.name, seq) for col in new.columns if (seq := serial(col, desired)) is not None)
        yield RebuildTable(old=old, new=new, partitions=tuple(partition_tree(desired, new.identity)), serials=serials)
    yield from _new_table_settings(new)


def _partition_rest(old: Table, new: Table) -> Iterator[Change]:
    """What a partition has of its own: row level security, replica identity, comment."""
    if (old.replica_identity, old.replica_index) != (new.replica_identity, new.replica_index):
        yield SetReplicaIdentity(new)
    if (old.rls_enabled, old.rls_forced) != (new.rls_enabled, new.rls_forced):
        yield SetRowSecurity(table=new, old_enabled=old.rls_enabled, old_forced=old.rls_forced)
    yield from comment(old, new)


# -- helpers of the diff's rework code (schemakit.diff) ----------------------------------


def changed_columns(current: Model, desired: Model) -> dict[Key, Rework]:
    """Column keys of kept tables whose column is dropped or changes type (or collation)
    → (table, before, after)."""
    out: dict[Key, Rework] = {}
    for old_t, new_t in pairs(current, desired, Table):
        if old_t is None or new_t is None:
            continue
        for col in old_t.columns:
            after = new_t.column(col.name)
            if after is None or (after.type, after.collation) != (col.type, col.collation):
                out[column_key(old_t.key, col.name)] = (new_t, col, after)
    return out


def rebuilt_table_users(current: Model, desired: Model) -> dict[Key, Rework]:
    """A rebuilt table (or a partition that goes or comes with it) and its columns →
    the rebuild's cause: everything that uses them is dropped and created again."""
    out: dict[Key, Rework] = {}
    for key, cause in rebuilt_tables(current, desired).items():
        was = current.get(key)
        if isinstance(was, Table):
            out[key] = cause
            for col in was.columns:
                out[column_key(key, col.name)] = cause
    return out


# -- SQL ---------------------------------------------------------------------------------


@render_change.register
def render_create_table(c: CreateTable) -> list[str]:
    t = c.table
    serials = [serial_sequence_sql(t, col, seq) for col, seq in c.serials]
    head = sql.SQL("CREATE UNLOGGED TABLE IF NOT EXISTS" if t.unlogged else "CREATE TABLE IF NOT EXISTS")
    if t.partition_of is not None:
        # Its columns come from the parent; catalog texts (identity, bound, key) as read.
        create = sql.SQL("{} {} PARTITION OF {} {}").format(
            head, ident(t.schema, t.name), sql.SQL(t.partition_of), sql.SQL(t.partition_bound or "DEFAULT")
        )
    else:
        # Columns only inherited come from the parents (INHERITS), not declared here.
        create = sql.SQL("{} {} (\n    {}\n)").format(
            head,
            ident(t.schema, t.name),
            sql.SQL(",\n    ").join(column_definition(col) for col in t.columns if col.local),
        )
        if t.inherits:
            create = sql.SQL("{} INHERITS ({})").format(create, sql.SQL(", ").join(map(sql.SQL, t.inherits)))
    if t.partition_by is not None:
        create = sql.SQL("{} PARTITION BY {}").format(create, sql.SQL(t.partition_by))
    return [seq for seq, _ in serials] + [text(create)] + [owned for _, owned in serials]


@render_change.register
def render_drop_table(c: DropTable) -> list[str]:
    # Guarded by the kind: a view or sequence of that name may have replaced it.
    return [gone_guard(c.table, [text(sql.SQL("DROP TABLE IF EXISTS {}").format(ident(c.table.schema, c.table.name)))])]


@render_change.register
def render_set_row_security(c: SetRowSecurity) -> list[str]:
    t = c.table
    table = ident(t.schema, t.name)
    out = []
    if c.old_enabled != t.rls_enabled:
        verb = "ENABLE" if t.rls_enabled else "DISABLE"
        out.append(text(sql.SQL("ALTER TABLE {} {} ROW LEVEL SECURITY").format(table, sql.SQL(verb))))
    if c.old_forced != t.rls_forced:
        verb = "FORCE" if t.rls_forced else "NO FORCE"
        out.append(text(sql.SQL("ALTER TABLE {} {} ROW LEVEL SECURITY").format(table, sql.SQL(verb))))
    return out


@render_change.register
def render_set_replica_identity(c: SetReplicaIdentity) -> list[str]:
    t = c.table
    table = ident(t.schema, t.name)
    if t.replica_identity == "i" and t.replica_index is not None:
        how: sql.Composable = sql.SQL("USING INDEX {}").format(Name(t.replica_index))
    else:
        how = sql.SQL({"d": "DEFAULT", "f": "FULL", "n": "NOTHING"}.get(t.replica_identity, "DEFAULT"))
    return [text(sql.SQL("ALTER TABLE {} REPLICA IDENTITY {}").format(table, how))]


def partition_probe(t: Table) -> sql.Composable:
    return sql.SQL(
        "SELECT pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(pc.relname) || ' ' || "
        "pg_catalog.pg_get_expr(c.relpartbound, c.oid) FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid "
        "JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent "
        "JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
        "WHERE c.oid = {} AND c.relispartition"
    ).format(regclass(t.schema, t.name))


@render_change.register
def render_set_partition_of(c: SetPartitionOf) -> list[str]:
    t = c.table
    table = ident(t.schema, t.name)
    actions = []
    if c.old_parent is not None:
        actions.append(text(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(sql.SQL(c.old_parent), table)))
    if t.partition_of is not None:
        actions.append(
            text(
                sql.SQL("ALTER TABLE {} ATTACH PARTITION {} {}").format(
                    sql.SQL(t.partition_of), table, sql.SQL(t.partition_bound or "DEFAULT")
                )
            )
        )
    return [
        guard(
            what=f"table {t.identity}",
            probe=partition_probe(t),
            target=f"{t.partition_of} {t.partition_bound}" if t.partition_of else None,
            origin=f"{c.old_parent} {c.old_bound}" if c.old_parent else None,
            actions=actions,
        )
    ]


@comment_target.register
def table_comment_target(obj: Table, column: str | None) -> sql.Composable:
    if column is not None:
        return sql.SQL("COLUMN {}").format(Name(obj.schema, obj.name, column))
    return sql.SQL("TABLE {}").format(ident(obj.schema, obj.name))


# -- hazards -----------------------------------------------------------------------------


def table_hazards(c: Change, current: Model) -> list[Hazard]:
    """Tables and their columns: data lost, rewrites, locks."""
    table, exists = on_table(c, current)
    if isinstance(c, DropTable):
        return [Hazard(hz.DELETES_DATA, f"drops table {table} and its rows")]
    if isinstance(c, DropColumn):
        return [Hazard(hz.DELETES_DATA, f"drops column {c.column.name} of {table}")]
    if isinstance(c, AlterColumn):
        return alter_column_hazards(c, table)
    if isinstance(c, AddColumn):
        return add_column_hazards(c, table, exists)
    if isinstance(c, SetRowSecurity):
        return [Hazard(hz.AUTHZ_UPDATE, f"on {table}")] if exists else []
    if isinstance(c, SetPartitionOf):
        out: list[Hazard] = []
        if c.old_parent is not None:
            out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"detaching {table} from {c.old_parent}", table))
        if c.table.partition_of is not None:
            out.append(Hazard(hz.ACQUIRES_SHARE_LOCK, f"attaching {table} scans it to check its bound", table))
        return out
    if isinstance(c, RebuildTable):
        return rebuild_table_hazards(c, table)
    return table_property_hazards(c, exists)


TABLE = Kind(
    name="table",
    ranks=(("table", 5),),
    classes=(Table,),
    differ=diff_tables,
    hazards=table_hazards,
    statements=frozenset({"create_table", "alter_table"}),
    catalog=CatalogQuery("schemakit.kinds", "table.sql", table_from_row),
)
