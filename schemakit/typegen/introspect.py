"""Read what type generation needs from a live catalog: relations, columns with
resolved types, foreign keys, enums, composite types, functions and CHECK lists.

One query per kind (``typegen/queries/*.sql``), all in one read-only snapshot.
Types are resolved here, once: a domain becomes its base type, an array its
element type, so the generators only map resolved types to their language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from itertools import product
from typing import Any, Literal

import psycopg
from psycopg.rows import dict_row

from schemakit.errors import SchemakitError
from schemakit.typegen.checks import literal_list
from schemakit.typegen.lineage import resolve, view_origins

TypeKind = Literal["base", "enum", "composite", "array", "pseudo"]


@dataclass(frozen=True)
class PgType:
    """A resolved type: domains are gone; an array carries its element."""

    kind: TypeKind
    schema: str
    name: str
    element: PgType | None = None
    relkind: str = ""  # for a composite: 'c' stand-alone, 'r'/'v'/... a relation's row type
    labels: tuple[str, ...] = ()  # for an enum


@dataclass(frozen=True)
class Column:
    name: str
    position: int
    type: PgType
    nullable: bool
    has_default: bool
    identity: str  # '' none, 'a' ALWAYS, 'd' BY DEFAULT
    generated: bool
    updatable: bool
    allowed: tuple[str | int, ...] | None = None  # a CHECK literal list, when there is one

    @property
    def never_written(self) -> bool:
        """GENERATED ALWAYS identity and generated columns: no value may be given."""
        return self.identity == "a" or self.generated

    @property
    def optional_on_insert(self) -> bool:
        return self.nullable or self.has_default or self.identity != ""


@dataclass(frozen=True)
class Relationship:
    name: str
    columns: tuple[str, ...]
    one_to_one: bool
    referenced_schema: str
    referenced_relation: str
    referenced_columns: tuple[str, ...]


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str  # 'r' 'p' table, 'v' view, 'm' materialized view, 'f' foreign table
    columns: tuple[Column, ...]  # sorted by name
    relationships: tuple[Relationship, ...]
    insertable: bool
    updatable: bool

    @property
    def is_table(self) -> bool:
        return self.kind in ("r", "p", "f")


@dataclass(frozen=True)
class EnumDef:
    schema: str
    name: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class CompositeDef:
    schema: str
    name: str
    attributes: tuple[Column, ...]  # in declaration order


@dataclass(frozen=True)
class Arg:
    name: str
    type: PgType
    has_default: bool
    type_oid: int = 0


@dataclass(frozen=True)
class FunctionDef:
    schema: str
    name: str
    args: tuple[Arg, ...]  # input arguments, in order
    returns: PgType
    returns_set: bool
    table_columns: tuple[tuple[str, PgType], ...]  # RETURNS TABLE (...) columns, else ()
    all_args: tuple[PgType, ...] = ()  # every argument, outputs too
    row_estimate: float | None = None  # ROWS of a set-returning function

    @property
    def callable(self) -> bool:
        """Whether PostgREST can call it: arguments by name, or one unnamed json, jsonb or text
        argument (the request body), or one unnamed row argument of a function returning rows."""
        unnamed = [a for a in self.args if not a.name]
        one = self.args[0] if len(self.args) == 1 else None
        return (
            not unnamed
            or all(a.has_default and a.type_oid in _UNNAMED_OK for a in unnamed)
            or (one is not None and one.type_oid in _UNNAMED_OK)
            # one unnamed row argument: PostgREST calls it on rows (and returns rows)
            or (one is not None and one.type.kind == "composite" and self.returns.kind == "composite")
        )


_UNNAMED_OK = frozenset({114, 3802, 25})  # json, jsonb, text: PostgREST passes the body as one argument


@dataclass(frozen=True)
class Catalog:
    schemas: tuple[str, ...]
    relations: tuple[Relation, ...]
    enums: tuple[EnumDef, ...]
    composites: tuple[CompositeDef, ...]
    functions: tuple[FunctionDef, ...]

    def only(self, schemas: Sequence[str]) -> Catalog:
        """This catalog restricted to ``schemas`` (in that order)."""
        keep = set(schemas)
        return Catalog(
            schemas=tuple(schemas),
            relations=tuple(r for r in self.relations if r.schema in keep),
            enums=tuple(e for e in self.enums if e.schema in keep),
            composites=tuple(c for c in self.composites if c.schema in keep),
            functions=tuple(f for f in self.functions if f.schema in keep),
        )

    def in_schema(self, schema: str) -> SchemaView:
        return SchemaView(
            tables=tuple(r for r in self.relations if r.schema == schema and r.is_table),
            views=tuple(r for r in self.relations if r.schema == schema and not r.is_table),
            enums=tuple(e for e in self.enums if e.schema == schema),
            composites=tuple(c for c in self.composites if c.schema == schema),
            functions=tuple(f for f in self.functions if f.schema == schema),
        )


@dataclass(frozen=True)
class SchemaView:
    tables: tuple[Relation, ...]
    views: tuple[Relation, ...]
    enums: tuple[EnumDef, ...]
    composites: tuple[CompositeDef, ...]
    functions: tuple[FunctionDef, ...]


@cache
def _query(name: str) -> str:
    return resources.files("schemakit.typegen").joinpath("queries", f"{name}.sql").read_text()


def _rows(conn: psycopg.Connection[Any], name: str, schemas: Sequence[str]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(_query(name).encode(), {"schemas": list(schemas)})
        return cur.fetchall()


class _Types:
    """oid → resolved :class:`PgType`."""

    def __init__(self, rows: list[dict[str, Any]], enums: list[dict[str, Any]]) -> None:
        self._rows = {int(r["oid"]): r for r in rows}
        self._labels = {int(e["oid"]): tuple(e["labels"]) for e in enums}
        self._done: dict[int, PgType] = {}

    def resolve(self, oid: int) -> PgType:
        if oid not in self._done:
            self._done[oid] = self._resolve(oid, 0)
        return self._done[oid]

    def _resolve(self, oid: int, depth: int) -> PgType:
        row = self._rows.get(oid)
        if row is None or depth > 20:
            return PgType("pseudo", "", "unknown")
        if row["typtype"] == "d":
            return self._resolve(int(row["base"]), depth + 1)
        if row["category"] == "A" and int(row["element"]) != 0:
            return PgType("array", row["schema"], row["name"], element=self._resolve(int(row["element"]), depth + 1))
        if row["typtype"] == "e":
            return PgType("enum", row["schema"], row["name"], labels=self._labels.get(oid, ()))
        if row["typtype"] == "c":
            return PgType("composite", row["schema"], row["name"], relkind=row["relkind"])
        if row["typtype"] == "p":
            return PgType("pseudo", row["schema"], row["name"])
        return PgType("base", row["schema"], row["name"])


def introspect(conn: psycopg.Connection[Any], schemas: Sequence[str]) -> Catalog:
    """Read the catalog of ``schemas`` (in one read-only snapshot)."""
    was_autocommit = conn.autocommit
    conn.autocommit = False
    try:
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            conn.execute("SET LOCAL search_path = pg_catalog")
            raw = {
                name: _rows(conn, name, schemas)
                for name in ("schemas", "types", "relations", "columns", "enums", "composites", "foreign_keys", "functions", "checks", "domain_checks", "view_rules")
            }
    finally:
        conn.autocommit = was_autocommit
    missing = sorted(set(schemas) - {r["name"] for r in raw["schemas"]})
    if missing:
        raise SchemakitError(
            f"no schema named {', '.join(missing)} in the database",
            hint="pass --schema with the schemas to generate, comma-separated (default: public)",
        )
    return _build(raw, tuple(schemas))


def _build(raw: dict[str, list[dict[str, Any]]], schemas: tuple[str, ...]) -> Catalog:
    types = _Types(raw["types"], raw["enums"])
    allowed: dict[tuple[int, str], tuple[str | int, ...]] = {}
    for row in raw["checks"]:
        values = literal_list(row["expression"], row["column_name"])
        key = (int(row["relid"]), row["column_name"])
        if values is not None:
            # Several lists on one column: only values in all of them are allowed.
            previous = allowed.get(key)
            allowed[key] = values if previous is None else tuple(v for v in previous if v in values)
    # A domain's CHECK on VALUE applies to every column of that domain.
    domain_allowed: dict[int, tuple[str | int, ...]] = {}
    for row in raw["domain_checks"]:
        values = literal_list(row["expression"], "value")
        oid = int(row["type_oid"])
        if values is not None:
            previous = domain_allowed.get(oid)
            domain_allowed[oid] = values if previous is None else tuple(v for v in previous if v in values)
    columns: dict[int, list[Column]] = {}
    for row in raw["columns"]:
        relid = int(row["relid"])
        columns.setdefault(relid, []).append(
            Column(
                name=row["name"],
                position=int(row["position"]),
                type=types.resolve(int(row["type_oid"])),
                nullable=bool(row["nullable"]),
                has_default=bool(row["has_default"]),
                identity=row["identity"],
                generated=row["generated"] != "",
                updatable=bool(row["updatable"]),
                allowed=allowed.get((relid, row["name"])) or domain_allowed.get(int(row["type_oid"])),
            )
        )
    names = {relid: {c.position: c.name for c in cols} for relid, cols in columns.items()}
    fks = _relationships(raw, names)
    relations = tuple(
        Relation(
            schema=r["schema"],
            name=r["name"],
            kind=r["kind"],
            columns=tuple(sorted(columns.get(int(r["oid"]), []), key=lambda c: c.name)),
            relationships=tuple(
                sorted(fks.get(int(r["oid"]), []), key=lambda f: (f.name, f.referenced_relation, f.referenced_columns))
            ),
            insertable=bool(r["insertable"]),
            updatable=bool(r["updatable"]),
        )
        for r in sorted(raw["relations"], key=lambda r: (r["schema"], r["name"]))
    )
    enums = tuple(EnumDef(r["schema"], r["name"], tuple(r["labels"])) for r in raw["enums"] if r["schema"] in schemas)
    composites = tuple(
        CompositeDef(r["schema"], r["name"], tuple(columns.get(int(r["relid"]), [])))
        for r in raw["composites"]
    )
    return Catalog(
        schemas=schemas,
        relations=relations,
        enums=tuple(sorted(enums, key=lambda e: (e.schema, e.name))),
        composites=tuple(sorted(composites, key=lambda c: (c.schema, c.name))),
        functions=tuple(_function(r, types) for r in raw["functions"]),
    )


def _relationships(raw: dict[str, list[dict[str, Any]]], names: dict[int, dict[int, str]]) -> dict[int, list[Relationship]]:
    """Foreign keys per relation oid, carried over to the views that show their columns.

    As PostgREST does: a view showing a table's foreign key columns gets the
    relationship (view → table), a table gets one to each view showing the columns
    it references (table → view), and views get them among themselves (view → view).
    """
    relation_of = {int(r["oid"]): (r["schema"], r["name"]) for r in raw["relations"]}
    origins = resolve({int(r["relid"]): view_origins(r["action"]) for r in raw["view_rules"]})
    # (table oid, attnum) → [(view oid, view attnum)], in attnum order
    shown: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for view, cols in sorted(origins.items()):
        for attnum, origin in sorted(cols.items()):
            shown.setdefault(origin, []).append((view, attnum))

    def showing(relid: int, attnums: list[int]) -> list[tuple[int, tuple[str, ...]]]:
        """Views (and their column-name tuples) that show all of ``attnums`` of ``relid``."""
        per_view: dict[int, list[list[str]]] = {}
        for i, attnum in enumerate(attnums):
            for view, view_attnum in shown.get((relid, attnum), []):
                lists = per_view.setdefault(view, [[] for _ in attnums])
                lists[i].append(names.get(view, {}).get(view_attnum, ""))
        return [
            (view, combo)
            for view, lists in sorted(per_view.items())
            if all(lists) and view in relation_of
            for combo in product(*lists)
        ]

    out: dict[int, list[Relationship]] = {}
    for row in raw["foreign_keys"]:
        relid, target = int(row["relid"]), int(row["referenced_relid"])
        base = Relationship(
            name=row["name"],
            columns=tuple(row["columns"]),
            one_to_one=bool(row["one_to_one"]),
            referenced_schema=row["referenced_schema"],
            referenced_relation=row["referenced_relation"],
            referenced_columns=tuple(row["referenced_columns"]),
        )
        out.setdefault(relid, []).append(base)
        from_views = showing(relid, list(row["attnums"]))
        to_views = showing(target, list(row["referenced_attnums"]))
        for view, view_cols in from_views:
            out.setdefault(view, []).append(replace(base, columns=view_cols))
        for view, view_cols in to_views:
            schema, name = relation_of[view]
            out[relid].append(replace(base, referenced_schema=schema, referenced_relation=name, referenced_columns=view_cols))
        for view, view_cols in from_views:
            for other, other_cols in to_views:
                schema, name = relation_of[other]
                out[view].append(
                    replace(base, columns=view_cols, referenced_schema=schema, referenced_relation=name, referenced_columns=other_cols)
                )
    return out


def _function(row: dict[str, Any], types: _Types) -> FunctionDef:
    oids = [int(o) for o in row["arg_types"]]
    modes = list(row["arg_modes"]) or ["i"] * len(oids)
    names = list(row["arg_names"]) + [""] * (len(oids) - len(row["arg_names"]))
    inputs = [(n, o) for n, o, m in zip(names, oids, modes) if m in ("i", "b", "v")]
    first_default = len(inputs) - int(row["n_defaults"])
    args = tuple(
        Arg(name=n, type=types.resolve(o), has_default=i >= first_default, type_oid=o) for i, (n, o) in enumerate(inputs)
    )
    table_columns = tuple((n, types.resolve(o)) for n, o, m in zip(names, oids, modes) if m == "t")
    return FunctionDef(
        schema=row["schema"],
        name=row["name"],
        args=args,
        returns=types.resolve(int(row["return_type"])),
        returns_set=bool(row["returns_set"]),
        table_columns=table_columns,
        all_args=tuple(types.resolve(o) for o in oids),
        row_estimate=None if row["row_estimate"] is None else float(row["row_estimate"]),
    )
