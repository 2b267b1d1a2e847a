"""Read a database's catalog into a :class:`~schemakit.model.Model`.

The number of queries is fixed, whatever the number of objects: one per kind (the
kinds moved to ``schemakit.kinds`` bring their own query and row mapping),
plus one for server facts and one for dependencies. Every query runs with
``search_path = pg_catalog`` inside one read-only repeatable-read transaction,
so ``pg_get_expr`` and friends qualify names the same way on every database,
and the model is a consistent snapshot.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Callable, Iterable

import psycopg

from schemakit.platform import (
    MANAGED_SCHEMAS,
    OPEN_SCHEMAS,
    PLATFORM_ROLES,
    POLICY_TABLES,
    TRIGGER_TABLES,
    baseline_functions,
    is_platform_extension,
)
from schemakit.kinds import KINDS
from schemakit.rows import DeclaredTables, read_rows
from schemakit.owners import DeclaredOwners, read_owners
from schemakit.model import (
    TableRows,
    Publication,
    Grant,
    DefaultPrivilege,
    column_key,
    Bucket,
    Column,
    Constraint,
    DbObject,
    Extension,
    Function,
    Index,
    Key,
    Model,
    Schema,
    Sequence,
    Table,
    View,
    qualified,
    quote_ident,
)



@cache
def _query(name: str, package: str | None = None) -> str:
    """A query of ``catalog/queries`` by name, or a kind's (``package``/``name``: the
    ``.sql`` file next to its module)."""
    if package is not None:
        return resources.files(package).joinpath(name).read_text()
    return resources.files("schemakit.catalog").joinpath("queries", f"{name}.sql").read_text()


class CatalogReader:
    """Runs the catalog queries on one connection and counts them."""

    def __init__(
        self, conn: psycopg.Connection[Any], rows: DeclaredTables | None = None, owners: DeclaredOwners | None = None
    ) -> None:
        self.conn = conn
        self.rows = rows or {}
        self.owners = owners or DeclaredOwners()
        self.queries_run = 0

    def fetch(self, name: str, package: str | None = None) -> list[tuple[Any, ...]]:
        params = {
            "managed": list(MANAGED_SCHEMAS),
            "policy_tables": list(POLICY_TABLES),
            "trigger_tables": list(TRIGGER_TABLES),
            "open": list(OPEN_SCHEMAS),
            "platform_roles": list(PLATFORM_ROLES),
            "platform_functions": [name for name, _ in baseline_functions()],
            "platform_bodies": [body for _, body in baseline_functions()],
        }
        self.queries_run += 1
        with self.conn.cursor() as cur:
            text = _query(name, package)
            cur.execute(text.encode(), params if "%(" in text else None)
            return cur.fetchall()

    def read(self) -> Model:
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
            return self._read_all()
        finally:
            conn.rollback()
            conn.autocommit = was_autocommit

    def _read_all(self) -> Model:
        ((server_version, has_buckets, _has_platform),) = self.fetch("platform")
        objects: dict[Key, DbObject] = {}

        def add(items: Iterable[DbObject]) -> None:
            for obj in items:
                objects[obj.key] = obj

        add(Schema(name=r[0], comment=r[1]) for r in self.fetch("schemas"))
        add(
            Extension(name=r[0], schema=r[1], version=r[2])
            for r in self.fetch("extensions")
            if not is_platform_extension(r[0], r[1])
        )
        add(
            Table(
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
                columns=tuple(_column(c) for c in r[10]),
                unlogged=r[11],
                inherits=tuple(r[12]),
            )
            for r in self.fetch("tables")
        )
        add(
            Publication(name=r[0], all_tables=r[1], publish=tuple(r[2]), tables=tuple(r[3]), comment=r[4])
            for r in self.fetch("publications")
        )
        add(
            Sequence(
                schema=r[0],
                name=r[1],
                type=r[2],
                start=int(r[3]),
                increment=int(r[4]),
                minvalue=int(r[5]),
                maxvalue=int(r[6]),
                cache=int(r[7]),
                cycle=bool(r[8]),
                owned_by=r[9],
                comment=r[10],
            )
            for r in self.fetch("sequences")
        )
        add(
            View(
                schema=r[0],
                name=r[1],
                definition=r[2],
                columns=tuple(r[3]),
                options=tuple(r[4]),
                materialized=bool(r[5]),
                comment=r[6],
            )
            for r in self.fetch("views")
        )
        add(
            Constraint(schema=r[0], table=r[1], name=r[2], type=r[3], definition=r[4], comment=r[5])
            for r in self.fetch("constraints")
        )
        add(
            Index(schema=r[0], table=r[1], name=r[2], definition=r[3], comment=r[4])
            for r in self.fetch("indexes")
        )
        add(
            Function(
                schema=r[0],
                name=r[1],
                arguments=r[2],
                result=r[3],
                definition=r[4],
                is_procedure=r[5],
                comment=r[6],
            )
            for r in self.fetch("functions")
        )
        for kind in KINDS:  # the kinds whose reading has moved to their module, in registry order
            if kind.catalog is not None:
                add(map(kind.catalog.row, self.fetch(kind.catalog.file, kind.catalog.package)))
        if has_buckets:
            add(
                Bucket(
                    id=r[0],
                    name=r[1],
                    public=bool(r[2]),
                    file_size_limit=r[3],
                    allowed_mime_types=tuple(r[4]) if r[4] is not None else None,
                )
                for r in self.fetch("buckets")
            )
        add(read_rows(self.conn, objects, self.rows))
        grant_rows = self.fetch("grants")
        grants = [_grant(r[:8]) for r in grant_rows]
        add(g for g in grants if g.object_key in objects)
        # Grants on the identity or serial sequence of a table's column: kept with the table.
        folded = {
            g.key: ("table", edge_key("table", r[8], r[9], None)[1])
            for g, r in zip(grants, grant_rows)
            if g.object_key not in objects and r[8] is not None
        }
        folded = {k: t for k, t in folded.items() if t in objects}
        add(g for g in grants if g.key in folded)
        depends = _depends(self.fetch("depends"), objects)
        for key, table in folded.items():
            depends[key] = frozenset({table})
        for g in grants:
            if g.object_key in objects:
                # A column grant follows the table-level one (a table REVOKE takes
                # the column privileges with it).
                whole = Grant(on_kind=g.object_key[0], on=g.on, grantee=g.grantee, privileges=())
                depends[g.key] = frozenset({g.object_key} | ({whole.key} if g.column is not None else set()))
        if self.owners:  # only where the files declare owners: one query more
            self.queries_run += 1
            for owner in read_owners(self.conn, objects, self.owners):
                objects[owner.key] = owner
                depends[owner.key] = frozenset({owner.object_key})
        for obj in objects.values():
            if isinstance(obj, TableRows):
                # After the table, and after the declared rows of the tables its FKs reference.
                referenced = {
                    ("rows", dep[1])
                    for key, deps in depends.items()
                    if key[0] == "table constraint" and key[1].endswith(f" on {obj.identity}")
                    for dep in deps
                    if dep[0] == "table" and dep[1] != obj.identity
                }
                depends[obj.key] = frozenset({("table", obj.identity)} | (referenced & objects.keys()))
            if isinstance(obj, Publication):
                members = {("table", t) for t in obj.tables} & objects.keys()
                if members:
                    depends[obj.key] = frozenset(members)
        for r in self.fetch("default_privileges"):
            d = DefaultPrivilege(
                schema=r[0], objtype=r[1], grantee=r[2], privileges=tuple(sorted(r[3])), grantable=tuple(sorted(r[4]))
            )
            objects[d.key] = d
            if d.schema is not None and ("schema", quote_ident(d.schema)) in objects:
                depends[d.key] = frozenset({("schema", quote_ident(d.schema))})
        return Model(objects=objects, depends=depends, server_version=int(server_version))


def _column(raw: list[Any]) -> Column:
    name, type_, not_null, default, identity, generated, collation, comment, local, volatile = raw
    return Column(
        name=name,
        type=type_,
        not_null=not_null,
        default=default,
        identity=identity,
        generated=generated,
        collation=collation,
        comment=comment,
        local=local,
        volatile_default=volatile,
    )


_IDENTITY: dict[str, Callable[[str | None, str, str | None], str]] = {
    "schema": lambda schema, name, parent: quote_ident(name),
    "extension": lambda schema, name, parent: quote_ident(name),
    "function": lambda schema, name, parent: f"{qualified(schema or '', name)}({parent or ''})",
    "procedure": lambda schema, name, parent: f"{qualified(schema or '', name)}({parent or ''})",
    "table constraint": lambda schema, name, parent: f"{quote_ident(name)} on {qualified(schema or '', parent or '')}",
    "trigger": lambda schema, name, parent: f"{quote_ident(name)} on {qualified(schema or '', parent or '')}",
    "policy": lambda schema, name, parent: f"{quote_ident(name)} on {qualified(schema or '', parent or '')}",
}


def _grant(r: tuple[Any, ...]) -> Grant:
    on_kind, schema, name, args, column, grantee, privileges, grantable = r
    on = edge_key("table" if on_kind == "column" else on_kind, schema, name, args)[1]
    return Grant(
        on_kind=on_kind,
        on=on,
        grantee=grantee,
        privileges=tuple(sorted(privileges)),
        grantable=tuple(sorted(grantable)),
        column=column,
    )


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
    out: dict[Key, set[Key]] = {}
    # Edges reuse the model's key objects (and one per column), not a copy per row.
    canonical: dict[Key, Key] = {k: k for k in objects}
    columns: dict[tuple[Key, str], Key] = {}

    def column(relation: Key, name: str) -> Key:
        key = columns.get((relation, name))
        if key is None:
            key = columns[(relation, name)] = column_key(relation, name)
        return key

    for a_kind, a_ident, b_kind, b_ident, dep_column, ref_column in rows:
        a, b = canonical.get((a_kind, a_ident)), canonical.get((b_kind, b_ident))
        if a is None or b is None:
            continue
        if dep_column is None and ref_column is None:
            if a != b:
                out.setdefault(a, set()).add(b)
            continue
        sources = [a] if dep_column is None else [a, column(a, dep_column)]
        targets = [b] if ref_column is None else [b, column(b, ref_column)]
        for source in sources:
            for target in targets:
                if source != target and (target[0] == "column" or source[0] == "column" or a != b):
                    out.setdefault(source, set()).add(target)
    return {k: frozenset(v) for k, v in out.items()}


def reads_platform_objects(conn: psycopg.Connection[Any]) -> bool:
    """Whether the catalog would read anything in the database's open platform schemas
    (one cheap query: a fresh shadow usually holds nothing there, schemakit.desired)."""
    ((found,),) = CatalogReader(conn).fetch("pristine")
    return bool(found)


def read_model(
    conn: psycopg.Connection[Any], rows: DeclaredTables | None = None, owners: DeclaredOwners | None = None
) -> Model:
    """The model of the connected database; with ``rows``, also those declared rows, and
    with ``owners``, the owners of those objects."""
    return CatalogReader(conn, rows, owners).read()
