"""Resolve references, drop the DROP ... IF EXISTS idiom, and compute the load order.

The order is a stable topological sort: strongly connected components (reference
cycles, e.g. two tables with foreign keys to each other) keep their original order,
and among statements that are ready the one that comes first in the files goes first.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

from schemakit.source.classify import Classified, drop_idiom_hint, DROP_MESSAGE
from schemakit.source.model import SourceStatement, error_at
from schemakit.source.parse import RawStatement

_GLOBAL_PREFIXES = ("extension:", "publication:", "event trigger:")
# Statements that must not wait for extensions (they may be needed by an extension).
_BEFORE_EXTENSIONS = frozenset({"create_schema", "create_extension", "alter_default_privileges"})


@dataclass(frozen=True)
class Item:
    """A statement with its classification, in original (file, offset) order."""

    raw: RawStatement
    info: Classified

    @property
    def position(self) -> tuple[int, int]:
        return (self.raw.source.index, self.raw.start)


def elide_drops(items: Sequence[Item]) -> list[Item]:
    """Remove each ``DROP ... IF EXISTS`` that a later CREATE of the same object follows.

    Any other DROP raises a SourceError at the DROP.
    """
    last_create: dict[tuple[str, str], tuple[int, int]] = {}
    for item in items:
        for identity in item.info.creates:
            last_create[identity] = max(last_create.get(identity, item.position), item.position)
    kept: list[Item] = []
    for item in items:
        if item.info.kind != "drop":
            kept.append(item)
            continue
        for identity in item.info.drops:
            created = last_create.get(identity)
            if created is None or created <= item.position:
                raise error_at(
                    item.raw.source,
                    item.raw.start,
                    DROP_MESSAGE,
                    f"no CREATE of {identity[0]} {identity[1]} follows this DROP ... IF EXISTS; "
                    + drop_idiom_hint(),
                )
    return kept


def _schema_of(name: str) -> str | None:
    if name.startswith(_GLOBAL_PREFIXES) or "." not in name:
        return None
    return name.split(".", 1)[0]


def resolve(items: Sequence[Item], search_path: Sequence[str]) -> list[frozenset[str]]:
    """The resolved ``requires`` of each item."""
    provided: set[str] = set()
    schemas: set[str] = set()
    for item in items:
        provided |= item.info.provides
        if item.info.kind == "create_schema":
            schemas |= item.info.provides
    result: list[frozenset[str]] = []
    for item in items:
        requires: set[str] = set(item.info.global_refs)
        for ref in item.info.refs:
            if ref.schema is not None:
                requires.add(f"{ref.schema}.{ref.name}")
                continue
            for schema in search_path:
                candidate = f"{schema}.{ref.name}"
                if candidate in provided:
                    requires.add(candidate)
                    break
        if schemas:  # the schema files create schemas
            for name in list(requires) + list(item.info.provides):
                owner = _schema_of(name)
                if owner is not None and owner in schemas:
                    requires.add(owner)
        result.append(frozenset(requires - item.info.provides))
    return result


def _edges(items: Sequence[Item], requires: Sequence[frozenset[str]]) -> list[set[int]]:
    """successors[i]: the items that must come after item i."""
    n = len(items)
    successors: list[set[int]] = [set() for _ in range(n)]
    providers: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        for name in item.info.provides:
            providers.setdefault(name, []).append(i)
    for i, names in enumerate(requires):
        for name in names:
            for j in providers.get(name, ()):
                if j != i:
                    successors[j].add(i)

    extensions = [i for i, it in enumerate(items) if it.info.kind == "create_extension"]
    default_privileges = [i for i, it in enumerate(items) if it.info.default_privileges is not None]
    grants_on_all = [i for i, it in enumerate(items) if it.info.after_all_in]
    last_on_target: dict[str, int] = {}
    for i, item in enumerate(items):
        info = item.info
        if extensions and info.kind not in _BEFORE_EXTENSIONS:
            for e in extensions:
                successors[e].add(i)
        if info.create_schemas:
            for d in default_privileges:
                affected = items[d].info.default_privileges
                if d != i and (not affected or affected & info.create_schemas):
                    successors[d].add(i)
            for g in grants_on_all:
                if g != i and items[g].info.after_all_in & info.create_schemas:
                    successors[i].add(g)
        # Statements on the same table (ALTER TABLE, indexes, triggers, policies) keep
        # their written order: an index may need a column an earlier ALTER adds.
        if info.target is not None:
            previous = last_on_target.get(info.target)
            if previous is not None:
                successors[previous].add(i)
            last_on_target[info.target] = i
    return successors


def _components(successors: Sequence[set[int]]) -> list[int]:
    """Tarjan's strongly connected components (iterative): component id of each node."""
    n = len(successors)
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    component = [-1] * n
    stack: list[int] = []
    counter = 0
    count = 0
    adjacency = [sorted(s) for s in successors]
    for root in range(n):
        if index[root] != -1:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            node, edge = work.pop()
            if edge == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            advanced = False
            targets = adjacency[node]
            while edge < len(targets):
                nxt = targets[edge]
                edge += 1
                if index[nxt] == -1:
                    work.append((node, edge))
                    work.append((nxt, 0))
                    advanced = True
                    break
                if on_stack[nxt]:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component[member] = count
                    if member == node:
                        break
                count += 1
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return component


def topological_order(successors: Sequence[set[int]]) -> list[int]:
    """Kahn's algorithm over the condensation, ties broken by original index.

    Nodes are indices in original order; members of a cycle keep their original order.
    """
    n = len(successors)
    component = _components(successors)
    count = max(component, default=-1) + 1
    members: list[list[int]] = [[] for _ in range(count)]
    for node in range(n):  # ascending: members end up in original order
        members[component[node]].append(node)
    indegree = [0] * count
    comp_successors: list[set[int]] = [set() for _ in range(count)]
    for node in range(n):
        for nxt in successors[node]:
            a, b = component[node], component[nxt]
            if a != b and b not in comp_successors[a]:
                comp_successors[a].add(b)
                indegree[b] += 1
    # Key each component by its first member's original index.
    heap = [(members[c][0], c) for c in range(count) if indegree[c] == 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        _, c = heapq.heappop(heap)
        order.extend(members[c])
        for d in comp_successors[c]:
            indegree[d] -= 1
            if indegree[d] == 0:
                heapq.heappush(heap, (members[d][0], d))
    return order


@dataclass(frozen=True)
class Order:
    """How ``load_order`` ordered the items of one shape (``shape``): the items it kept (as
    indices into the items in file order), each one's resolved ``requires``, and the load
    order (indices into the kept ones)."""

    kept: tuple[int, ...]
    requires: tuple[frozenset[str], ...]
    order: tuple[int, ...]

    def fits(self, count: int) -> bool:
        return len(self.requires) == len(self.kept) == len(self.order) and all(0 <= i < count for i in self.kept)


class OrderMemo(Protocol):
    """Orders computed before (schemakit.cache.FileMemo), by the shape of the items."""

    def order(self, shape: str) -> Order | None: ...

    def put_order(self, shape: str, order: Order) -> None: ...


def shape(infos: Iterable[Classified]) -> str:
    """A digest of what the order depends on in a run of items (their classifications in
    file order; not their text or offsets): the same in every process."""
    digest = hashlib.sha256()
    for info in infos:
        digest.update(repr(tuple(_canonical(getattr(info, f.name)) for f in fields(info))).encode() + b"\0")
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, frozenset):  # its iteration order changes with the process's hash seed
        return tuple(sorted(repr(v) for v in value))
    if isinstance(value, tuple):
        return tuple(_canonical(v) for v in value)
    return repr(value)


def load_order(
    items: Sequence[Item], search_path: Sequence[str], memo: OrderMemo | None = None, shape: str | None = None
) -> list[SourceStatement]:
    """Elide idempotency DROPs, resolve names and return the statements in load order.
    ``memo`` gives (and is given) the order of items of the ``shape`` (``shape`` of the
    infos, and the search path): an edit that changes no name reuses the last order."""
    ordered = sorted(items, key=lambda it: it.position)
    found = memo.order(shape) if memo is not None and shape is not None else None
    if found is None or not found.fits(len(ordered)):
        kept = elide_drops(ordered)
        place = {id(item): i for i, item in enumerate(ordered)}
        requires = resolve(kept, search_path)
        found = Order(tuple(place[id(item)] for item in kept), tuple(requires), tuple(topological_order(_edges(kept, requires))))
        if memo is not None and shape is not None:
            memo.put_order(shape, found)
    statements: list[SourceStatement] = []
    for i in found.order:
        item = ordered[found.kept[i]]
        raw = item.raw
        statements.append(
            SourceStatement(
                sql=raw.sql,
                location=raw.source.location(raw.start),
                kind=item.info.kind,
                provides=item.info.provides,
                requires=found.requires[i],
                offset=raw.start,
                file_index=raw.source.index,
                source=raw.source,
            )
        )
    return statements
