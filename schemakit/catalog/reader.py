"""Read a database's catalog into a :class:`~schemakit.model.Model`.

The number of queries is fixed, whatever the number of objects: one per kind (the
kinds moved to ``schemakit.kinds`` bring their own query and row mapping),
plus one for server facts and one for dependencies. Every query runs with
``search_path = pg_catalog`` inside one read-only repeatable-read transaction,
so ``pg_get_expr`` and friends qualify names the same way on every database,
and the model is a consistent snapshot.

On a large catalog the slowest queries run on more connections in that snapshot
(``AHEAD``); the first connection's queries run in turn in a thread of their own while the rows
of those before become objects (``_in_turn``). A read ``since`` an earlier one of the
same database reads the table-bound kinds only where they changed
(schemakit.catalog.partial).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from importlib import resources
from typing import Any, Callable, Iterable, Iterator

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from schemakit.catalog.partial import SCOPED, Since, kept, kept_depends, scoped_depends, scoped_query
from schemakit.platform import catalog_params, is_platform_extension
from schemakit.kinds import KINDS
from schemakit.rows import DeclaredTables, read_rows
from schemakit.owners import DeclaredOwners, read_owners
from schemakit.model import (
    column_key,
    DbObject,
    Key,
    Model,
    qualified,
    quote_ident,
)
from schemakit.kinds.bucket import bucket_from_row
from schemakit.kinds.default_privilege import default_privilege_depends, default_privilege_from_row
from schemakit.kinds.extension import extension_from_row
from schemakit.kinds.grant import folded_grants, grant_depends, grant_from_row
from schemakit.kinds.publication import Publication, publication_depends, publication_from_row
from schemakit.kinds.rows import TableRows, rows_depends
from schemakit.kinds.schema import schema_from_row

KIND_QUERIES = "schemakit.kinds"
"""The package of the queries that moved next to their kind's module (``<kind>.sql``)."""



@cache
def query_text(name: str, package: str | None = None) -> str:
    """A query of ``catalog/queries`` by name, or a kind's (``package``/``name``: the
    ``.sql`` file next to its module)."""
    if package is not None:
        return resources.files(package).joinpath(name).read_text()
    return resources.files("schemakit.catalog").joinpath("queries", f"{name}.sql").read_text()


PARALLEL_FROM = 20_000
"""Above this many ``pg_depend`` rows, the slowest queries run on more connections that
share the read's snapshot (``SET TRANSACTION SNAPSHOT``, as ``pg_dump -j`` does), while the
first runs the others: for a large catalog the read waits on the server, not on Python."""
Query = tuple[str, str | None]
"""A query's file name and the package it is in (None: ``catalog/queries``)."""
Rows = list[tuple[Any, ...]]
DEPENDS: Query = ("depends", None)

AHEAD: tuple[tuple[Query, ...], ...] = (
    (DEPENDS,),
    (("table.sql", KIND_QUERIES),),
)
"""The queries read ahead, one group per extra connection (the two slowest at 1,000 tables,
each about as long as a third of the read)."""

class CatalogReader:
    """Runs the catalog queries on one connection (and one more per group of ``AHEAD`` for
    a large catalog) and counts them."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        rows: DeclaredTables | None = None,
        owners: DeclaredOwners | None = None,
        parallel_from: int | None = PARALLEL_FROM,
        since: Since | None = None,
    ) -> None:
        self.conn = conn
        #: Read before, with the names changed since: the table-bound kinds are read only
        #: where dirty, the rest of them kept (schemakit.catalog.partial).
        self.since = since
        self.rows = rows or {}
        self.owners = owners or DeclaredOwners()
        self.queries_run = 0
        self.connections = 1
        self.parallel_from = parallel_from
        self._ahead: dict[Query, Future[dict[Query, Rows] | None]] = {}
        self._sent: dict[Query, Future[Rows]] = {}
        self._count = threading.Lock()
        #: Whether the database has Supabase's platform (``auth`` or ``storage``); read
        #: first, by the ``platform`` query: without it, no schema is the platform's.
        self.has_platform = True
        #: The dependency query's rows, as the read took them (schemakit.catalog.partial.Kept).
        self.depends_rows: Rows = []

    def fetch(self, name: str, package: str | None = None) -> Rows:
        self.queries_run += 1
        sent = self._sent.pop((name, package), None)
        if sent is not None:
            return sent.result()  # its error is raised here
        ahead = self._ahead.pop((name, package), None)
        found = ahead.result() if ahead is not None else None  # its error is raised here
        return found[(name, package)] if found is not None else self._run(self.conn, name, package)

    def _scoped(self, query: Query) -> bool:
        """Whether this read takes ``query``'s rows only where dirty (a read ``since``)."""
        return self.since is not None and (query == DEPENDS or query[1] == KIND_QUERIES and query[0] in SCOPED)

    @contextlib.contextmanager
    def _in_turn(self, queries: Iterable[Query]) -> Iterator[None]:
        """Run ``queries`` one after the other on the first connection in a thread of their
        own while the block turns each one's rows into objects as they come: one after the
        other, the server waited on Python and Python on the server (a fifth of the read at
        1,000 tables). The block runs no query of its own on the connection meanwhile but
        ``read_rows``/``read_owners``, which wait their turn (psycopg's connection lock)."""
        todo: list[tuple[Query, Future[Rows]]] = [(q, Future()) for q in queries if q not in self._ahead]
        stop = threading.Event()

        def run() -> None:  # on its own list: ``fetch`` takes the futures out of ``_sent``
            failed: BaseException | None = None
            for query, future in todo:
                if failed is not None:  # every later one is refused, as in a transaction
                    future.set_exception(failed)
                    continue
                if stop.is_set():
                    future.cancel()  # the block is gone: nobody waits for it
                    continue
                future.set_running_or_notify_cancel()
                try:
                    future.set_result(self._run(self.conn, *query))
                except BaseException as exc:
                    future.set_exception(exc)
                    failed = exc

        worker = threading.Thread(target=run, name="schemakit-catalog-in-turn", daemon=True)
        self._sent = dict(todo)
        worker.start()
        try:
            yield
        finally:
            stop.set()  # an error came first: the thread stops after its current query
            worker.join()
            self._sent = {}

    def _run(self, conn: psycopg.Connection[Any], name: str, package: str | None) -> list[tuple[Any, ...]]:
        params: dict[str, Any] = catalog_params(self.has_platform)
        text = query_text(name, package)
        if self.since is not None and self._scoped((name, package)):
            text = scoped_depends(text) if (name, package) == DEPENDS else scoped_query(text, name)
            params = {**params, "dirty": sorted(self.since.dirty)}
        with conn.cursor() as cur:
            cur.execute(text.encode(), params if "%(" in text else None)
            return cur.fetchall()

    def _read_ahead(self, pool: ThreadPoolExecutor) -> None:
        """Start each group of ``AHEAD`` on a connection of its own in this transaction's
        snapshot; a group whose connection cannot be made (a pooler, a connection limit)
        runs in turn with the others on the first connection."""
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT pg_catalog.pg_export_snapshot()")
                row = cur.fetchone()
        except psycopg.Error:
            return
        snapshot = str(row[0]) if row else ""
        for group in AHEAD:
            future = pool.submit(self._run_group, snapshot, group)
            for query in group:
                self._ahead[query] = future

    def _run_group(self, snapshot: str, group: tuple[Query, ...]) -> dict[Query, Rows] | None:
        """The group's rows, by query, from one connection in ``snapshot`` (None when the
        connection cannot be made)."""
        try:
            conn = psycopg.connect(make_conninfo(self.conn.info.dsn, password=self.conn.info.password))
        except psycopg.Error:
            return None
        with conn:
            try:
                with conn.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    cur.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
                    cur.execute("SET LOCAL search_path = pg_catalog")
                    cur.execute("SET LOCAL work_mem = '64MB'")
            except psycopg.Error:
                return None
            with self._count:
                self.connections += 1
            return {(name, package): self._run(conn, name, package) for name, package in group}

    def read(self, known: Callable[[], Model | None] | None = None) -> Model:
        """The model; ``known`` (schemakit.catalog.memo), called first in the read's
        transaction, may give the model of this very catalog, read before: then nothing
        more is read."""
        conn = self.conn
        was_autocommit = conn.autocommit
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        conn.autocommit = False
        try:
            with conn.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cur.execute("SET LOCAL search_path = pg_catalog")
                # The dependency query sorts large joins of pg_depend: keep them in memory.
                cur.execute("SET LOCAL work_mem = '64MB'")
            found = known() if known is not None else None
            if found is not None:
                return found
            with _no_collections(), ThreadPoolExecutor(max_workers=len(AHEAD), thread_name_prefix="schemakit-catalog") as pool:
                try:
                    return self._read_all(pool)
                finally:
                    for left in self._ahead.values():  # an error came first: let them finish
                        with contextlib.suppress(Exception):
                            left.result()
                    self._ahead.clear()
        finally:
            conn.rollback()
            conn.autocommit = was_autocommit

    def _read_all(self, pool: ThreadPoolExecutor) -> Model:
        ((server_version, has_buckets, has_platform, edges),) = self.fetch("platform")
        self.has_platform = bool(has_platform)
        if self.parallel_from is not None and edges > self.parallel_from:
            self._read_ahead(pool)  # after has_platform: the queries ahead take its parameters
        makers = self._makers(bool(has_buckets))
        then: list[Query] = [("grant.sql", KIND_QUERIES), DEPENDS, ("default_privilege.sql", KIND_QUERIES)]
        with self._in_turn([*makers, *then]):
            return self._read_objects(int(server_version), makers)

    def _makers(self, has_buckets: bool) -> dict[Query, Callable[[tuple[Any, ...]], DbObject | None]]:
        """The queries of objects, each with what makes an object of a row (None: not
        one of ours), in the order the objects are put in the model."""
        platform = self.has_platform

        def extension(r: tuple[Any, ...]) -> DbObject | None:
            return None if platform and is_platform_extension(r[0], r[1]) else extension_from_row(r)

        makers: dict[Query, Callable[[tuple[Any, ...]], DbObject | None]] = {
            ("schema.sql", KIND_QUERIES): schema_from_row,
            ("extension.sql", KIND_QUERIES): extension,
            ("publication.sql", KIND_QUERIES): publication_from_row,
        }
        for kind in KINDS:  # the kinds whose reading has moved to their module, in registry order
            if kind.catalog is not None:
                makers[(kind.catalog.file, kind.catalog.package)] = kind.catalog.row
        if has_buckets:
            makers[("bucket.sql", KIND_QUERIES)] = bucket_from_row
        return makers

    def _read_objects(self, server_version: int, makers: dict[Query, Callable[[tuple[Any, ...]], DbObject | None]]) -> Model:
        # Rows become objects as they come: those read ahead on other connections (the
        # slowest queries) last. The model takes them in the makers' order.
        made: dict[Query, list[DbObject]] = {}
        for query in sorted(makers, key=lambda q: q in self._ahead):
            made[query] = [o for o in map(makers[query], self.fetch(*query)) if o is not None]
            if self.since is not None and self._scoped(query):
                made[query] += kept(self.since, query[0])
        objects: dict[Key, DbObject] = {}

        def add(items: Iterable[DbObject]) -> None:
            for obj in items:
                objects[obj.key] = obj

        for query in makers:
            add(made[query])
        add(read_rows(self.conn, objects, self.rows))
        grant_rows = self.fetch("grant.sql", KIND_QUERIES)
        grants = [
            grant_from_row(r, edge_key("table" if r[0] == "column" else r[0], r[1], r[2], r[3])[1]) for r in grant_rows
        ]
        add(g for g in grants if g.object_key in objects)
        # Grants on the identity or serial sequence of a table's column: kept with the table.
        folded = folded_grants(grants, grant_rows, objects)
        add(g for g in grants if g.key in folded)
        rows = self.fetch(*DEPENDS)
        self.depends_rows = rows if self.since is None else kept_depends(self.since, rows)
        depends = _depends(self.depends_rows, objects)
        depends.update(grant_depends(grants, objects, folded))
        if self.owners:  # only where the files declare owners: one query more
            self.queries_run += 1
            for owner in read_owners(self.conn, objects, self.owners):
                objects[owner.key] = owner
                depends[owner.key] = frozenset({owner.object_key})
        for obj in objects.values():
            if isinstance(obj, TableRows):
                depends[obj.key] = rows_depends(obj, depends, objects)
            if isinstance(obj, Publication):
                members = publication_depends(obj, objects)
                if members:
                    depends[obj.key] = members
        for r in self.fetch("default_privilege.sql", KIND_QUERIES):
            d = default_privilege_from_row(r)
            objects[d.key] = d
            on_schema = default_privilege_depends(d, objects)
            if on_schema is not None:
                depends[d.key] = on_schema
        return Model(objects=objects, depends=depends, server_version=server_version)


@contextlib.contextmanager
def _no_collections() -> Iterator[None]:
    """No cyclic garbage collection while the objects are made: a read makes some 100,000
    objects and no cycle, and the collector went through them again and again (~10% of
    the read at 1,000 tables). Collections resume after (unless they were off before)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


_IDENTITY: dict[str, Callable[[str | None, str, str | None], str]] = {
    "schema": lambda schema, name, parent: quote_ident(name),
    "extension": lambda schema, name, parent: quote_ident(name),
    "function": lambda schema, name, parent: f"{qualified(schema or '', name)}({parent or ''})",
    "procedure": lambda schema, name, parent: f"{qualified(schema or '', name)}({parent or ''})",
    "table constraint": lambda schema, name, parent: f"{quote_ident(name)} on {qualified(schema or '', parent or '')}",
    "trigger": lambda schema, name, parent: f"{quote_ident(name)} on {qualified(schema or '', parent or '')}",
    "policy": lambda schema, name, parent: f"{quote_ident(name)} on {qualified(schema or '', parent or '')}",
}


def edge_key(kind: str, schema: str | None, name: str, parent: str | None) -> Key:
    make = _IDENTITY.get(kind)
    ident = make(schema, name, parent) if make else qualified(schema or "", name)
    return (kind, ident)


def _depends(rows: list[tuple[Any, ...]], objects: dict[Key, DbObject]) -> dict[Key, frozenset[Key]]:
    """Edges between modelled objects, plus column-level edges.

    A dependency on one column of a table adds an edge to that column's key too
    (``column_key``), and a column default or generation expression is the
    column's own dependency: ``g`` generated from ``c`` gives column g → column c.
    """
    # Edges reuse the model's key objects (and one per column), not a copy per row.
    canonical: dict[Key, Key] = {k: k for k in objects}
    columns: dict[tuple[Key, str], Key] = {}

    def column(relation: Key, name: str) -> Key:
        key = columns.get((relation, name))
        if key is None:
            key = columns[(relation, name)] = column_key(relation, name)
        return key

    get = canonical.get
    edges: defaultdict[Key, set[Key]] = defaultdict(set)  # an entry only for an object that has an edge
    # Neither end of a row is a column (the query names objects): an edge between the two
    # objects when they differ; one from or to a column always, but a column's to itself.
    for a_kind, a_ident, b_kind, b_ident, dep_column, ref_column in rows:
        a = get((a_kind, a_ident))
        if a is None:
            continue
        b = get((b_kind, b_ident))
        if b is None:
            continue
        if a != b:
            edges[a].add(b)
        target = None if ref_column is None else column(b, ref_column)
        if target is not None:
            edges[a].add(target)
        if dep_column is not None:
            source = column(a, dep_column)
            edges[source].add(b)
            if target is not None and target != source:
                edges[source].add(target)
    return {k: frozenset(v) for k, v in edges.items()}


def reads_platform_objects(conn: psycopg.Connection[Any]) -> bool:
    """Whether the catalog would read anything in the database's open platform schemas
    (one cheap query: a fresh shadow usually holds nothing there, schemakit.desired)."""
    ((found,),) = CatalogReader(conn).fetch("pristine")
    return bool(found)


def read_model(
    conn: psycopg.Connection[Any],
    rows: DeclaredTables | None = None,
    owners: DeclaredOwners | None = None,
) -> Model:
    """The model of the connected database; with ``rows``, also those declared rows, with
    ``owners``, the owners of those objects (a read since an earlier one, where the
    catalog changed: ``CatalogReader(..., since=)``, schemakit.catalog.partial)."""
    return CatalogReader(conn, rows, owners).read()
