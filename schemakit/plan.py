"""Changes → Plan: dependency-ordered steps, each with its SQL and hazards.

Order comes from the dependency graph of both models, not from fixed phases:

- a change that creates or alters A comes after every create/alter of what A
  depends on in the desired model;
- a change on A comes before the drop of anything A depends on in the current
  model (and a drop of A before alters of what it depended on, so dropping a
  policy precedes dropping the column it reads);
- changes on one object keep the diff's order, drops first.

Ties are broken by a fixed kind rank, then by identity, so plans are deterministic.
The sort is Kahn's algorithm with a heap: O((V + E) log V).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from schemakit import hazards as hz
from schemakit.tableprops import table_property_hazards
from schemakit.changes import (
    SyncRows,
    SetPartitionOf,
    SetGrant,
    SetOwner,
    SetDefaultPrivilege,
    RebuildComposite,
    RebuildDomain,
    RebuildEnum,
    RebuildTable,
    DropColumnDefault,
    is_gone,
    AddColumn,
    AddConstraint,
    AlterColumn,
    CreateTable,
    AlterExtension,
    AlterPolicy,
    Change,
    CreateFunction,
    CreateIndex,
    CreatePolicy,
    CreateTrigger,
    DeleteBucket,
    DropColumn,
    DropFunction,
    DropIndex,
    DropPolicy,
    DropTable,
    ReplaceConstraint,
    ReplaceIndex,
    SetRowSecurity,
)
from schemakit.errors import SchemakitError
from schemakit.hazards import Hazard
from schemakit.model import CompositeType, Constraint, Domain, EnumType, Function, Key, Model, Table, column_key, qualified
from schemakit.render.sql import render_change

if TYPE_CHECKING:
    from schemakit.renames.suggest import PossibleRename

KIND_RANK = {
    "schema": 0,
    "extension": 1,
    "default privilege": 1,
    "collation": 2,
    "type": 2,
    "sequence": 3,
    "function": 4,
    "procedure": 4,
    "table": 5,
    "table constraint": 6,
    "index": 7,
    "view": 8,
    "materialized view": 9,
    "trigger": 10,
    "policy": 11,
    "bucket": 12,
    "publication": 12,
    "rows": 12,
    "grant": 13,
}
ACTION_RANK = {"drop": 0, "alter": 1, "create": 2}


@dataclass(frozen=True)
class Step:
    change: Change
    sql: tuple[str, ...]
    hazards: tuple[Hazard, ...] = ()
    transactional: bool = True  # False: runs after the main transaction commits (schemakit.online)

    @property
    def summary(self) -> str:
        return self.change.describe()

    @property
    def destructive(self) -> bool:
        return any(h.name == hz.DELETES_DATA for h in self.hazards)


class StepsView:
    """What a live plan and a saved plan share: reading their steps."""

    steps: tuple[Any, ...]

    @property
    def empty(self) -> bool:
        return not self.steps

    @property
    def statements(self) -> list[str]:
        return [s for step in self.steps for s in step.sql]


@dataclass(frozen=True)
class Plan(StepsView):
    steps: tuple[Step, ...]
    current_fingerprint: str
    desired_fingerprint: str
    warnings: tuple[str, ...] = field(default=())
    possible_renames: tuple[PossibleRename, ...] = ()  # schemakit.renames.suggest

    @property
    def hazards(self) -> list[Hazard]:
        return [h for step in self.steps for h in step.hazards]


class PlanError(SchemakitError):
    pass


def make_plan(
    current: Model,
    desired: Model,
    changes: list[Change],
    *,
    tables_with_rows: frozenset[str] | None = None,
    warnings: tuple[str, ...] = (),
) -> Plan:
    """Order ``changes`` and attach SQL and hazards.

    ``tables_with_rows`` names (by identity) the tables that hold rows; None
    means unknown, and then every existing table is assumed to hold rows.
    """
    ordered = order_changes(current, desired, changes)
    steps = tuple(
        Step(
            change=c,
            sql=tuple(render_change(c)),
            hazards=tuple(_decide(h, current, tables_with_rows) for h in hazards_of(c, current)),
        )
        for c in ordered
    )
    return Plan(
        steps=steps,
        current_fingerprint=current.fingerprint(),
        desired_fingerprint=desired.fingerprint(),
        warnings=warnings,
    )


def _decide(h: Hazard, current: Model, tables_with_rows: frozenset[str] | None) -> Hazard:
    if h.name == hz.DELETES_DATA:
        gates = True
    elif h.name in hz.ROW_GATED:
        gates = h.table is None or tables_with_rows is None or h.table in tables_with_rows
    else:
        gates = False
    return Hazard(name=h.name, detail=h.detail, table=h.table, gates=gates)


# -- hazards ---------------------------------------------------------------------

_WIDENINGS = {
    ("smallint", "integer"),
    ("smallint", "bigint"),
    ("integer", "bigint"),
    ("real", "double precision"),
    ("character varying", "text"),
    ("character", "text"),
}


def _widening(old: str, new: str) -> bool:
    if (old, new) in _WIDENINGS:
        return True
    for base in ("character varying", "numeric"):
        if old.startswith(base + "(") and new in (base, "text" if base != "numeric" else base):
            return True
        if old.startswith(base + "(") and new.startswith(base + "("):
            o = [int(x) for x in old[len(base) + 1 : -1].split(",")]
            n = [int(x) for x in new[len(base) + 1 : -1].split(",")]
            return all(b >= a for a, b in zip(o, n)) and (len(o) < 2 or o[1] == n[1])
    return False


def volatile_default_hazards(c: AddColumn, table: str) -> list[Hazard]:
    """A column added with a volatile default (``gen_random_uuid()``) is computed for
    every row: the table is rewritten under an ACCESS EXCLUSIVE lock. A constant or
    stable default is stored once in the catalog instead (PostgreSQL 11+)."""
    col = c.column
    safer = (
        f"{col.name} DEFAULT {col.default} is computed for every row; safer: add {col.name} "
        "nullable without the default, backfill it in batches, then set the default "
        f"{'and NOT NULL' if col.not_null else ''}".rstrip()
    )
    return [
        Hazard(hz.TABLE_REWRITE, safer, table),
        Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"adding {col.name} with a volatile default rewrites {table}", table),
    ]


def hazards_of(c: Change, current: Model) -> list[Hazard]:
    """The hazards of one change, given the state it starts from."""
    existing_table = c.subject.owner_key or c.key
    table_exists = existing_table in current.objects
    table = existing_table[1]
    out: list[Hazard] = []
    if isinstance(c, DropTable):
        out.append(Hazard(hz.DELETES_DATA, f"drops table {table} and its rows"))
    elif isinstance(c, DropColumn):
        out.append(Hazard(hz.DELETES_DATA, f"drops column {c.column.name} of {table}"))
    elif isinstance(c, DeleteBucket):
        out.append(Hazard(hz.DELETES_DATA, f"deletes bucket {c.bucket.id!r}"))
    elif isinstance(c, AlterColumn):
        if c.old.type != c.new.type:
            if not _widening(c.old.type, c.new.type):
                out.append(
                    Hazard(hz.DELETES_DATA, f"{c.new.name}: {c.old.type} → {c.new.type} may not fit every value", table)
                )
            out.append(Hazard(hz.TABLE_REWRITE, f"{c.new.name}: {c.old.type} → {c.new.type}", table))
            out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"altering column type of {table}", table))
        elif c.old.collation != c.new.collation:
            out.append(
                Hazard(
                    hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK,
                    f"{c.new.name}: collation {c.old.collation or 'default'} → {c.new.collation or 'default'} "
                    f"rebuilds the column's indexes under lock",
                    table,
                )
            )
        if c.new.not_null and not c.old.not_null:
            out.append(
                Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"SET NOT NULL scans {table} under lock", table)
            )
    elif isinstance(c, AddColumn):
        if c.column.generated is not None or c.column.identity is not None:
            out.append(Hazard(hz.TABLE_REWRITE, f"adding a generated/identity column to {table}", table))
        elif c.column.volatile_default and table_exists:
            out.extend(volatile_default_hazards(c, table))
        if c.column.not_null and c.column.default is None and c.column.generated is None:
            out.append(
                Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"NOT NULL column without default on {table}", table)
            )
    elif isinstance(c, (AddConstraint, ReplaceConstraint)) and table_exists:
        out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"validates the constraint over {table}", table))
    elif isinstance(c, CreateIndex) and table_exists:
        out.append(Hazard(hz.INDEX_BUILD, f"on {table}", table))
        out.append(Hazard(hz.ACQUIRES_SHARE_LOCK, f"writes to {table} wait for the build", table))
    elif isinstance(c, ReplaceIndex):
        out.append(Hazard(hz.INDEX_DROPPED, f"{c.old.identity} is rebuilt"))
        out.append(Hazard(hz.INDEX_BUILD, f"on {table}", table))
        out.append(Hazard(hz.ACQUIRES_SHARE_LOCK, f"writes to {table} wait for the build", table))
    elif isinstance(c, DropIndex):
        out.append(Hazard(hz.INDEX_DROPPED, c.index.identity))
    elif isinstance(c, (CreatePolicy, AlterPolicy, DropPolicy, SetRowSecurity)) and table_exists:
        out.append(Hazard(hz.AUTHZ_UPDATE, f"on {table}"))
    elif isinstance(c, (CreateFunction, DropFunction)) and (c.key in current.objects):
        out.append(Hazard(hz.HAS_UNTRACKABLE_DEPENDENCIES, c.key[1]))
    elif isinstance(c, SyncRows) and c.deletes:
        out.append(Hazard(hz.DELETES_DATA, f"deletes {len(c.deletes)} row(s) of {c.key[1]} no longer declared"))
    elif isinstance(c, SetPartitionOf):
        if c.old_parent is not None:
            out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"detaching {table} from {c.old_parent}", table))
        if c.table.partition_of is not None:
            out.append(Hazard(hz.ACQUIRES_SHARE_LOCK, f"attaching {table} scans it to check its bound", table))
    elif isinstance(c, SetGrant) and c.grant.object_key in current.objects:
        out.append(Hazard(hz.AUTHZ_UPDATE, c.describe()))
    elif isinstance(c, SetOwner) and c.owner.object_key in current.objects:
        out.append(Hazard(hz.AUTHZ_UPDATE, c.describe()))
    elif isinstance(c, (RebuildEnum, RebuildDomain, RebuildComposite)):
        narrowing = isinstance(c, RebuildDomain) and not _widening(c.old.base_type, c.new.base_type)
        for t, col in c.columns:
            if narrowing:
                assert isinstance(c, RebuildDomain)
                out.append(
                    Hazard(
                        hz.DELETES_DATA,
                        f"{col.name}: {c.old.base_type} → {c.new.base_type} may not fit every value",
                        t.identity,
                    )
                )
            out.append(Hazard(hz.TABLE_REWRITE, f"{col.name} is converted to the rebuilt {c.key[1]}", t.identity))
            out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"altering column type of {t.identity}", t.identity))
    elif isinstance(c, RebuildTable):
        was, now = c.old.partition_by or "not partitioned", c.new.partition_by or "not partitioned"
        out.append(
            Hazard(hz.TABLE_REWRITE, f"{table} is rebuilt ({was} → {now}): its rows are copied into a new table", table)
        )
        out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"{table} is renamed away and dropped", table))
        if c.lost:
            out.append(Hazard(hz.DELETES_DATA, f"the rebuilt {table} has no column {', '.join(c.lost)}", table))
    elif isinstance(c, AlterExtension) and c.old.version != c.new.version:
        out.append(Hazard(hz.EXTENSION_VERSION, f"{c.old.version} → {c.new.version}"))
    elif isinstance(c, CreateTrigger) and c.old is not None:
        out.append(Hazard(hz.HAS_UNTRACKABLE_DEPENDENCIES, f"trigger {c.key[1]} is replaced"))
    else:
        out.extend(table_property_hazards(c, table_exists))
    return out


# -- ordering --------------------------------------------------------------------


RELATION_KINDS = frozenset({"table", "view", "materialized view", "sequence", "index"})
DEFAULTED_KINDS = frozenset(
    {"schema", "type", "sequence", "function", "procedure", "table", "view", "materialized view"}
)
"""Kinds whose new objects get default privileges."""


def _waits_for(c: Change, dep: Change) -> bool:
    """False when ``c`` needs the object of ``dep`` but not that change: a change to a
    kept table needs a rebuilt type only when it gives a column that type (a column
    that leaves the type goes before the rebuild instead)."""
    if not isinstance(dep, (RebuildEnum, RebuildDomain, RebuildComposite)) or c.key[0] != "table":
        return True
    rebuilt = (dep.new.identity, dep.new.identity + "[]")
    if isinstance(c, AddColumn):  # a generated column may read a converted one
        return c.column.type in rebuilt or c.column.generated is not None
    if isinstance(c, AlterColumn):
        return c.new.type in rebuilt
    return isinstance(c, CreateTable)


def _order_reworked(
    changes: list[Change], by_key: dict[Key, list[int]], edge: Callable[[int, int], None]
) -> None:
    """An object dropped because an object it uses is dropped for good (a ``Gone``
    cause: another object of that name or signature replaces it) comes back only after
    that drop, so that it uses the new one; and a type rebuilt inside another type's
    rebuild is needed by what uses it only after that rebuild."""
    for i, c in enumerate(changes):
        cause = getattr(c, "reworked", None)
        if cause is None or not is_gone(cause):
            continue
        gone = [j for j in by_key.get(cause[0].key, ()) if changes[j].action == "drop"]
        for k in by_key[c.key]:
            if changes[k].action != "drop" and (
                not isinstance(c, DropColumnDefault) or _sets_default(changes[k], c.column.name)
            ):
                for j in gone:
                    edge(j, k)
    for j, r in enumerate(changes):
        if isinstance(r, (RebuildEnum, RebuildDomain, RebuildComposite)):
            for _, new, _ in r.nested:
                for i, c in enumerate(changes):
                    if c.action != "drop" and _uses_type(c, new.identity):
                        edge(j, i)


_CALLED = frozenset({"function", "procedure", "sequence"})
"""Kinds a table uses only through its columns' defaults and generation expressions."""


def _released_by(c: Change, current: Model, unset: set[str]) -> set[Key]:
    """What a change to a kept table may stop the table from using, so that it goes
    before that is dropped: a column's type, default or generation expression (not
    those of its other columns, nor a default already dropped to be set again), or a
    partition's parent. Other changes (an added column, a comment) release nothing."""
    held = set(current.depends.get(c.key, ()))
    table = current.get(c.key)
    columns = [col.name for col in table.columns] if isinstance(table, Table) else []
    by_column = {name: current.depends.get(column_key(c.key, name), frozenset()) for name in columns}
    # what only defaults call (a type may also be a column's type, a parent the table's)
    shared = held - {k for deps in by_column.values() for k in deps if k[0] in _CALLED}
    if isinstance(c, (AlterColumn, DropColumn)):
        name = c.new.name if isinstance(c, AlterColumn) else c.column.name
        own = by_column.get(name, frozenset()) if name not in unset else frozenset()
        return (shared | set(own)) - {c.key}  # a column's own edges name its table
    if isinstance(c, SetPartitionOf):
        return shared
    return set()


def _needed_by(c: Change, desired: Model) -> frozenset[Key]:
    """What a change needs created first: the desired object's dependencies, and for
    a column added or altered, not what the table's other columns' defaults call."""
    needs = desired.depends.get(c.key, frozenset())
    if not isinstance(c, (AlterColumn, AddColumn)):
        return needs
    table = desired.get(c.key)
    if not isinstance(table, Table):
        return needs
    name = c.new.name if isinstance(c, AlterColumn) else c.column.name
    others: set[Key] = set()
    for col in table.columns:
        if col.name != name:
            others |= desired.depends.get(column_key(c.key, col.name), frozenset())
    own = desired.depends.get(column_key(c.key, name), frozenset())
    return frozenset(k for k in needs if k[0] not in _CALLED or k not in others or k in own)


def _sets_default(c: Change, column: str) -> bool:
    return isinstance(c, (AlterColumn, AddColumn)) and (c.new if isinstance(c, AlterColumn) else c.column).name == column


def _uses_type(c: Change, identity: str) -> bool:
    """True when the change gives a column the type (or an array of it)."""
    types = (identity, identity + "[]")
    if isinstance(c, AddColumn):
        return c.column.type in types
    if isinstance(c, AlterColumn):
        return c.new.type in types and c.old.type != c.new.type
    if isinstance(c, CreateTable):
        return any(col.type in types for col in c.table.columns)
    return False


def _function_name(c: Change) -> tuple[str, str] | None:
    f = c.subject
    return (f.schema, f.name) if isinstance(f, Function) else None


def _order_function_names(
    changes: list[Change], edges: dict[int, set[int]], edge: Callable[[int, int], None]
) -> None:
    """A function that goes is dropped before a function of the same name is created,
    unless something the new one needs must happen first (an argument type that
    changes: both exist for a while). The new one may be the same function to
    PostgreSQL, its arguments only renamed, which CREATE OR REPLACE refuses."""
    drops: dict[tuple[str, str], list[int]] = defaultdict(list)
    creates: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(changes):
        name = _function_name(c)
        if name is not None and isinstance(c, DropFunction):
            drops[name].append(i)
        elif name is not None and isinstance(c, CreateFunction) and c.old is None:
            creates[name].append(i)
    for name, idx in sorted(drops.items()):
        for j in creates.get(name, ()):
            for i in idx:
                if changes[i].key != changes[j].key and not _reaches(edges, j, i):
                    edge(i, j)


def _reaches(edges: dict[int, set[int]], start: int, goal: int) -> bool:
    seen = {start}
    todo = [start]
    while todo:
        for n in edges.get(todo.pop(), ()):
            if n == goal:
                return True
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return False


def order_changes(current: Model, desired: Model, changes: list[Change]) -> list[Change]:
    by_key: dict[Key, list[int]] = defaultdict(list)
    for i, c in enumerate(changes):
        by_key[c.key].append(i)

    edges: dict[int, set[int]] = defaultdict(set)
    indegree = [0] * len(changes)

    def edge(a: int, b: int) -> None:
        if a != b and b not in edges[a]:
            edges[a].add(b)
            indegree[b] += 1

    def owner(key: Key) -> Key | None:
        obj = current.get(key) or desired.get(key)
        return obj.owner_key if obj is not None else None

    recreated = {
        key
        for key, idx in by_key.items()
        if any(changes[j].action == "drop" for j in idx) and any(changes[j].action != "drop" for j in idx)
        and not all(isinstance(changes[j], DropColumnDefault) for j in idx if changes[j].action == "drop")
    }
    # Defaults dropped to be set again: what they called is no longer held.
    unset: dict[Key, set[str]] = defaultdict(set)
    for c in changes:
        if isinstance(c, DropColumnDefault):
            unset[c.key].add(c.column.name)
    # Dropping a table drops what it owns (triggers, constraints, policies): the
    # table's drop carries their dependencies (a trigger's function, an FK's target).
    current_deps: dict[Key, set[Key]] = {k: set(v) for k, v in current.depends.items()}
    for key, deps in current.depends.items():
        owned_by = owner(key)
        if owned_by is not None:
            current_deps.setdefault(owned_by, set()).update(d for d in deps if d != owned_by and owner(d) != owned_by)
    for i, c in enumerate(changes):
        if c.action != "drop" and not isinstance(c, DropColumn):  # a drop needs nothing new
            for dep in _needed_by(c, desired):
                for j in by_key.get(dep, ()):
                    if changes[j].action != "drop" and _waits_for(c, changes[j]):
                        edge(j, i)
        if c.action != "drop" and c.key in recreated:
            continue  # recreated: what it depended on before its drop no longer matters
        if c.action == "drop":
            held = current_deps.get(c.key, set())
        elif c.kind == "table":
            held = _released_by(c, current, unset.get(c.key, set()))
        else:
            held = set(current.depends.get(c.key, ()))
        for dep in sorted(held):
            targets = [dep]
            dep_owner = owner(dep)
            if dep_owner is not None:
                targets.append(dep_owner)
            for target in targets:
                if c.action != "drop" and target in recreated:
                    continue  # c follows the new object through the desired model's edges
                for j in by_key.get(target, ()):
                    if changes[j].action == "drop" or (c.action == "drop" and target == dep):
                        edge(i, j)
    # A column that goes (or leaves its type) holds that type until it does: an enum
    # rebuilt or a type dropped in the same plan comes after.
    for i, c in enumerate(changes):
        old_type = (
            c.column.type if isinstance(c, DropColumn)
            else c.old.type if isinstance(c, AlterColumn) and c.old.type != c.new.type
            else None
        )
        if old_type is not None:
            for j in by_key.get(("type", old_type.removesuffix("[]")), ()):
                edge(i, j)
    # An object dropped because a type it uses (through a column) is rebuilt goes
    # before the rebuild and comes back after it.
    for i, c in enumerate(changes):
        cause = getattr(c, "reworked", None)
        if cause is None or not isinstance(cause[0], (EnumType, Domain, CompositeType)):
            continue
        for j in by_key.get(("type", cause[1].identity), ()):
            if isinstance(changes[j], (RebuildEnum, RebuildDomain, RebuildComposite)):
                edge(i, j)
                for k in by_key[c.key]:
                    if changes[k].action != "drop":
                        edge(j, k)
    _order_reworked(changes, by_key, edge)
    # A column that goes from a table whose columns a type rebuild converts goes first
    # (a generated column over a converted one is dropped to be added again after).
    for j, r in enumerate(changes):
        if isinstance(r, (RebuildEnum, RebuildDomain, RebuildComposite)):
            for t, _ in r.columns:
                for i in by_key.get(t.key, ()):
                    if isinstance(changes[i], DropColumn):
                        edge(i, j)
    _order_table_rebuilds(current, changes, by_key, edge)
    # Default privileges apply to what is created after them: the diff plans the
    # grants of new objects from the desired defaults, so they change first.
    defaults = [i for i, c in enumerate(changes) if isinstance(c, SetDefaultPrivilege)]
    if defaults:
        for j, c in enumerate(changes):
            if (c.action != "create" or c.kind not in DEFAULTED_KINDS) and not isinstance(c, RebuildTable):
                continue
            for i in defaults:
                d = changes[i]
                assert isinstance(d, SetDefaultPrivilege)
                if c.kind != "schema" or d.privilege.schema is None:
                    edge(i, j)
    # Relations share one namespace: a view replaced by a materialized view (or a
    # table) of the same name goes before the new one comes.
    by_relation: dict[str, list[int]] = defaultdict(list)
    for key, idx in by_key.items():
        if key[0] in RELATION_KINDS:
            by_relation[key[1]].extend(idx)
        elif key[0] == "table constraint":
            # A key, unique or exclusion constraint owns an index of its own name.
            con = changes[idx[0]].subject
            if isinstance(con, Constraint) and con.type in ("p", "u", "x"):
                by_relation[qualified(con.schema, con.name)].extend(idx)
    for idx in by_relation.values():
        for i in idx:
            for j in idx:
                if changes[i].action == "drop" and changes[j].action == "create" and changes[i].kind != changes[j].kind:
                    edge(i, j)
    for indexes in by_key.values():
        seq = sorted(indexes, key=lambda i: (changes[i].action != "drop", i))
        for a, b in zip(seq, seq[1:]):
            edge(a, b)
    _order_function_names(changes, edges, edge)

    def rank(i: int) -> tuple[int, int, str, int]:
        c = changes[i]
        return (KIND_RANK.get(c.kind, 50), ACTION_RANK[c.action], c.key[1], i)

    heap = [rank(i) for i in range(len(changes)) if indegree[i] == 0]
    heapq.heapify(heap)
    out: list[Change] = []
    while heap:
        i = heapq.heappop(heap)[-1]
        out.append(changes[i])
        for j in sorted(edges[i]):
            indegree[j] -= 1
            if indegree[j] == 0:
                heapq.heappush(heap, rank(j))
    if len(out) != len(changes):
        stuck = [changes[i].describe() for i in range(len(changes)) if indegree[i] > 0]
        raise PlanError(
            "schemakit could not order these changes (a dependency cycle): " + "; ".join(stuck[:5]),
        )
    return out


def _order_table_rebuilds(
    current: Model, changes: list[Change], by_key: dict[Key, list[int]], edge: Callable[[int, int], None]
) -> None:
    """A table rebuilt for its partitioning (RebuildTable) comes after the drops of what
    uses it (or one of its old partitions, which go with it) and before their creation
    again, and before every change on its desired partitions (it creates them)."""
    from schemakit.diff import partition_tree

    rebuilds = {c.key: j for j, c in enumerate(changes) if isinstance(c, RebuildTable)}
    if not rebuilds:
        return
    for key, rebuild in rebuilds.items():
        tree = {key} | {p.key for p in partition_tree(current, key[1])}
        for i, c in enumerate(changes):
            if c.action == "drop" and current.depends.get(c.key, frozenset()) & tree:
                edge(i, rebuild)
    for i, c in enumerate(changes):
        cause = getattr(c, "reworked", None)
        if cause is None or len(cause) != 2 or not isinstance(cause[1], Table):
            continue
        j = rebuilds.get(cause[1].key)
        if j is None:
            continue
        edge(i, j)
        for k in by_key[c.key]:
            if changes[k].action != "drop":
                edge(j, k)
    for j in rebuilds.values():
        r = changes[j]
        assert isinstance(r, RebuildTable)
        for p in r.partitions:
            for k in by_key.get(p.key, ()):
                edge(j, k)
