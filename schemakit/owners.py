"""Declared owners: objects whose owner the schema files name (``ALTER ... OWNER TO``,
``ALTER TABLE ... OWNER TO``, ``CREATE SCHEMA ... AUTHORIZATION``).

Owners are compared only where the files declare them (as declared rows are): a shadow's
objects belong to whoever loaded them, so comparing every owner would never converge.
Which objects are declared comes from the schema files (``declared``); both the shadow
and the target are then read for exactly those objects (``read_owners``, one query), so
their models hold an ``Owner`` for each declared object that exists there.

An owner that is the role the catalog is read as (the role that creates the objects: the
applying role on a target, the loading role on a shadow) is ``creator`` on that side, and
two creators are the same owner whatever their names: ``supabase db dump`` writes
``OWNER TO "postgres"`` for every object, the role that applies on Supabase.
"""

from __future__ import annotations

import re

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import psycopg

from schemakit.model import DbObject, Key, qualified, quote_ident
from schemakit.kinds.owner import Owner

if TYPE_CHECKING:  # the parser is not loaded to read a catalog
    from pglast import ast

    from schemakit.source import SourceStatement

DEFAULT_SCHEMA = "public"
_OWNER_KINDS = frozenset(
    {"alter_owner", "alter_table", "alter_view", "alter_materialized_view", "alter_sequence", "create_schema"}
)


@dataclass(frozen=True)
class DeclaredOwners:
    """The objects whose owner the files declare, by how the catalog looks them up."""

    relations: tuple[str, ...] = ()  # qualified names (to_regclass)
    functions: tuple[tuple[str, tuple[str, ...] | None], ...] = ()  # (qualified name, argument types or None)
    types: tuple[str, ...] = ()  # qualified names (to_regtype): types and domains
    schemas: tuple[str, ...] = ()  # names
    collations: tuple[str, ...] = ()  # qualified names (to_regcollation)
    publications: tuple[str, ...] = ()  # names

    def __bool__(self) -> bool:
        return any((self.relations, self.functions, self.types, self.schemas, self.collations, self.publications))

_OWNER_WORDS = re.compile(r"owner|authorization", re.IGNORECASE)


def declared(statements: Sequence[SourceStatement]) -> DeclaredOwners:
    """The objects whose owner the schema files declare."""
    import pglast

    found: dict[str, dict[Any, None]] = {k: {} for k in ("relations", "functions", "types", "schemas", "collations", "publications")}
    for stmt in statements:
        if stmt.kind not in _OWNER_KINDS or not _OWNER_WORDS.search(stmt.sql):
            continue  # no OWNER TO, no AUTHORIZATION: nothing to parse
        node = pglast.parse_sql(stmt.sql)[0].stmt
        for field, value in _declared_by(node):
            found[field][value] = None
    return DeclaredOwners(
        relations=tuple(found["relations"]),
        functions=tuple(found["functions"]),
        types=tuple(found["types"]),
        schemas=tuple(found["schemas"]),
        collations=tuple(found["collations"]),
        publications=tuple(found["publications"]),
    )


def _declared_by(node: ast.Node | None) -> list[tuple[str, Any]]:
    from pglast import ast
    from pglast.enums import AlterTableType, ObjectType
    from pglast.stream import RawStream

    def name(parts: Sequence[Any]) -> str:
        names = [str(p.sval) for p in parts if isinstance(p, ast.String)]
        return qualified(*names[-2:]) if len(names) >= 2 else qualified(DEFAULT_SCHEMA, names[-1])

    if isinstance(node, ast.CreateSchemaStmt):
        return [("schemas", node.schemaname)] if node.authrole is not None and node.schemaname else []
    if isinstance(node, ast.AlterTableStmt):
        rv = node.relation
        owned = any(isinstance(c, ast.AlterTableCmd) and c.subtype == AlterTableType.AT_ChangeOwner for c in node.cmds or ())
        if not owned or rv is None or not rv.relname or node.objtype == ObjectType.OBJECT_INDEX:
            return []  # ALTER INDEX ... OWNER TO does nothing: an index has its table's owner
        return [("relations", qualified(rv.schemaname or DEFAULT_SCHEMA, rv.relname))]
    if not isinstance(node, ast.AlterOwnerStmt):
        return []
    obj, kind = node.object, node.objectType
    parts: tuple[Any, ...] = obj if isinstance(obj, tuple) else ()
    if kind in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE):
        assert isinstance(obj, ast.ObjectWithArgs)
        args = None if obj.args_unspecified else tuple(str(RawStream()(a)) for a in obj.objargs or ())
        return [("functions", (name(obj.objname or ()), args))]
    if kind in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
        return [("types", name(parts))]
    if kind == ObjectType.OBJECT_COLLATION:
        return [("collations", name(parts))]
    if kind == ObjectType.OBJECT_SCHEMA and isinstance(obj, ast.String):
        return [("schemas", str(obj.sval))]
    if kind == ObjectType.OBJECT_PUBLICATION and isinstance(obj, ast.String):
        return [("publications", str(obj.sval))]
    return []


@cache
def _query() -> str:
    return resources.files("schemakit.catalog").joinpath("queries", "owners.sql").read_text()


def read_owners(conn: psycopg.Connection[Any], objects: Mapping[Key, DbObject], owners: DeclaredOwners) -> list[Owner]:
    """The owners of the declared objects that exist here (one query)."""
    functions = [
        {"name": name, "args": list(args or ()), "unspecified": args is None}
        for name, args in owners.functions
    ]
    params = {
        "relations": list(owners.relations),
        "functions": json.dumps(functions),
        "types": list(owners.types),
        "schemas": list(owners.schemas),
        "collations": list(owners.collations),
        "publications": list(owners.publications),
        "default_schema": quote_ident(DEFAULT_SCHEMA),
    }
    out = []
    with conn.cursor() as cur:
        cur.execute(_query().encode(), params)
        for on_kind, schema, name, args, role, creator in cur.fetchall():
            key = _key(on_kind, schema, name, args)
            if key in objects:
                out.append(Owner(on_kind=key[0], on=key[1], role=role, creator=bool(creator)))
    return out


def _key(on_kind: str, schema: str | None, name: str, args: str | None) -> Key:
    if on_kind in ("schema", "publication"):
        return (on_kind, quote_ident(name))
    ident = qualified(schema or "", name)
    if on_kind in ("function", "procedure"):
        return (on_kind, f"{ident}({args or ''})")
    return (on_kind, ident)
