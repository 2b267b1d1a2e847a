"""Changes → their order: Kahn's algorithm over the dependency graph of both models.

Order comes from the dependency graph of both models, not from fixed phases:

- a change that creates or alters A comes after every create/alter of what A
  depends on in the desired model;
- a change on A comes before the drop of anything A depends on in the current
  model (and a drop of A before alters of what it depended on, so dropping a
  policy precedes dropping the column it reads);
- changes on one object keep the diff's order, drops first.

Ties are broken by the kinds' ranks (``schemakit.kinds``: ``Kind.ranks``), then by
identity, so plans are deterministic. The sort uses a heap: O((V + E) log V).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from typing import Callable

from schemakit.changes import (
    Change,
    is_gone,
)
from schemakit.kinds.columns import AddColumn, AlterColumn, DropColumn, DropColumnDefault
from schemakit.kinds.table import CreateTable, SetPartitionOf
from schemakit.kinds.table_rebuild import RebuildTable
from schemakit.kinds.default_privilege import SetDefaultPrivilege
from schemakit.kinds.function import CreateFunction, DropFunction
from schemakit.errors import SchemakitError
from schemakit.kinds import KIND_RANK
from schemakit.model import Key, Model, column_key, qualified
from schemakit.kinds.composite import CompositeType
from schemakit.kinds.domain import Domain
from schemakit.kinds.enum import EnumType
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.function import Function
from schemakit.kinds.table import Table
from schemakit.kinds.composite import RebuildComposite
from schemakit.kinds.domain import RebuildDomain
from schemakit.kinds.enum import RebuildEnum

ACTION_RANK = {"drop": 0, "alter": 1, "create": 2}


class PlanError(SchemakitError):
    pass


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


class _Graph:
    """The changes as nodes, with "a before b" edges and each node's count of edges in."""

    def __init__(self, changes: list[Change]) -> None:
        self.changes = changes
        self.by_key: dict[Key, list[int]] = defaultdict(list)
        for i, c in enumerate(changes):
            self.by_key[c.key].append(i)
        self.edges: dict[int, set[int]] = defaultdict(set)
        self.indegree = [0] * len(changes)

    def edge(self, a: int, b: int) -> None:
        if a != b and b not in self.edges[a]:
            self.edges[a].add(b)
            self.indegree[b] += 1


def order_changes(current: Model, desired: Model, changes: list[Change]) -> list[Change]:
    """The changes in an order that PostgreSQL accepts (see the module's comment)."""
    if len(changes) < 2:
        return list(changes)  # nothing to order (and no pass over the models)
    g = _Graph(changes)
    _order_dependencies(current, desired, g)
    _order_column_types(g)
    _order_type_reworks(g)
    _order_reworked(changes, g.by_key, g.edge)
    _order_converted_tables(g)
    _order_table_rebuilds(current, changes, g.by_key, g.edge)
    _order_default_privileges(g)
    _order_relation_names(g)
    _order_same_object(g)
    _order_function_names(changes, g.edges, g.edge)
    return _sorted(g)


def _recreated(g: _Graph) -> set[Key]:
    """Keys the plan drops and creates again (a default dropped to be set again aside)."""
    changes = g.changes
    return {
        key
        for key, idx in g.by_key.items()
        if any(changes[j].action == "drop" for j in idx) and any(changes[j].action != "drop" for j in idx)
        and not all(isinstance(changes[j], DropColumnDefault) for j in idx if changes[j].action == "drop")
    }


def _owned_dependencies(current: Model, desired: Model, dropped: set[Key]) -> dict[Key, set[Key]]:
    """The current model's dependencies of each dropped key, a table's also carrying those
    of what it owns: dropping a table drops what it owns (triggers, constraints, policies),
    so the table's drop carries their dependencies (a trigger's function, an FK's target)."""

    owners: dict[Key, Key | None] = {}  # a table's key is asked for once per edge to it

    def owner(key: Key) -> Key | None:
        if key in owners:
            return owners[key]
        obj = current.get(key) or desired.get(key)
        found = owners[key] = obj.owner_key if obj is not None else None
        return found

    held: dict[Key, set[Key]] = {k: set(current.depends.get(k, ())) for k in dropped}
    if not any(k[0] == "table" for k in dropped):  # only a table owns (owner_key)
        return held
    for key, deps in current.depends.items():
        owned_by = owner(key)
        if owned_by is not None and owned_by in held:
            held[owned_by].update(d for d in deps if d != owned_by and owner(d) != owned_by)
    return held


def _order_dependencies(current: Model, desired: Model, g: _Graph) -> None:
    """Creates and alters after what they need in the desired model; every change
    before the drop of what it held in the current model."""
    changes, by_key, edge = g.changes, g.by_key, g.edge

    owners: dict[Key, Key | None] = {}  # a table's key is asked for once per edge to it

    def owner(key: Key) -> Key | None:
        if key in owners:
            return owners[key]
        obj = current.get(key) or desired.get(key)
        found = owners[key] = obj.owner_key if obj is not None else None
        return found

    recreated = _recreated(g)
    # Defaults dropped to be set again: what they called is no longer held.
    unset: dict[Key, set[str]] = defaultdict(set)
    for c in changes:
        if isinstance(c, DropColumnDefault):
            unset[c.key].add(c.column.name)
    current_deps = _owned_dependencies(current, desired, {c.key for c in changes if c.action == "drop"})
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


def _order_column_types(g: _Graph) -> None:
    """A column that goes (or leaves its type) holds that type until it does: an enum
    rebuilt or a type dropped in the same plan comes after."""
    for i, c in enumerate(g.changes):
        old_type = (
            c.column.type if isinstance(c, DropColumn)
            else c.old.type if isinstance(c, AlterColumn) and c.old.type != c.new.type
            else None
        )
        if old_type is not None:
            for j in g.by_key.get(("type", old_type.removesuffix("[]")), ()):
                g.edge(i, j)


def _order_type_reworks(g: _Graph) -> None:
    """An object dropped because a type it uses (through a column) is rebuilt goes
    before the rebuild and comes back after it."""
    changes = g.changes
    for i, c in enumerate(changes):
        cause = getattr(c, "reworked", None)
        if cause is None or not isinstance(cause[0], (EnumType, Domain, CompositeType)):
            continue
        for j in g.by_key.get(("type", cause[1].identity), ()):
            if isinstance(changes[j], (RebuildEnum, RebuildDomain, RebuildComposite)):
                g.edge(i, j)
                for k in g.by_key[c.key]:
                    if changes[k].action != "drop":
                        g.edge(j, k)


def _order_converted_tables(g: _Graph) -> None:
    """A column that goes from a table whose columns a type rebuild converts goes first
    (a generated column over a converted one is dropped to be added again after)."""
    changes = g.changes
    for j, r in enumerate(changes):
        if isinstance(r, (RebuildEnum, RebuildDomain, RebuildComposite)):
            for t, _ in r.columns:
                for i in g.by_key.get(t.key, ()):
                    if isinstance(changes[i], DropColumn):
                        g.edge(i, j)


def _order_default_privileges(g: _Graph) -> None:
    """Default privileges apply to what is created after them: the diff plans the
    grants of new objects from the desired defaults, so they change first."""
    changes = g.changes
    defaults = [i for i, c in enumerate(changes) if isinstance(c, SetDefaultPrivilege)]
    if not defaults:
        return
    for j, c in enumerate(changes):
        if (c.action != "create" or c.kind not in DEFAULTED_KINDS) and not isinstance(c, RebuildTable):
            continue
        for i in defaults:
            d = changes[i]
            assert isinstance(d, SetDefaultPrivilege)
            if c.kind != "schema" or d.privilege.schema is None:
                g.edge(i, j)


def _order_relation_names(g: _Graph) -> None:
    """Relations share one namespace: a view replaced by a materialized view (or a
    table) of the same name goes before the new one comes."""
    changes = g.changes
    by_relation: dict[str, list[int]] = defaultdict(list)
    for key, idx in g.by_key.items():
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
                    g.edge(i, j)


def _order_same_object(g: _Graph) -> None:
    """Changes on one object keep the diff's order, drops first."""
    for indexes in g.by_key.values():
        seq = sorted(indexes, key=lambda i: (g.changes[i].action != "drop", i))
        for a, b in zip(seq, seq[1:]):
            g.edge(a, b)


def _sorted(g: _Graph) -> list[Change]:
    """Kahn's algorithm; ready changes by rank (kind, action, identity, diff order)."""
    changes, edges, indegree = g.changes, g.edges, g.indegree

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
    from schemakit.kinds.table import partition_tree

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
