"""Extract the names a statement references from its pglast tree.

Names are collected as written (schema-qualified or not); resolving unqualified names
against the search_path happens once every statement is known (see ``order``).
Function bodies given as strings (plpgsql, ``AS $$ ... $$``) are not parsed; SQL-standard
bodies (``BEGIN ATOMIC`` / ``RETURN``) are part of the tree and are walked, because
PostgreSQL resolves them when the function is created.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pglast import ast

BUILTIN_SCHEMAS = frozenset({"pg_catalog"})
_SEQUENCE_FUNCTIONS = frozenset({"nextval", "currval", "setval"})
_REGCLASS_TYPES = frozenset({"regclass"})


@dataclass(frozen=True, order=True)
class Ref:
    """A referenced name: ``schema`` is None when the name was written unqualified.

    ``name`` may be table-scoped ("users.policy name") for policies, triggers and
    constraints; the schema then qualifies the table.
    """

    schema: str | None
    name: str

    def qualified(self, schema: str) -> str:
        return f"{self.schema or schema}.{self.name}"


def strings(items: Any) -> list[str]:
    """The ``sval`` of a tuple of String nodes (other items are skipped)."""
    if not isinstance(items, tuple):
        return []
    return [i.sval for i in items if isinstance(i, ast.String) and i.sval is not None]


Key = tuple[str | None, str]  # (schema, name) of a Ref


def ref_from_parts(parts: Iterable[str]) -> Ref | None:
    """A Ref from ``[catalog.][schema.]name``; None for built-in schemas or bad input."""
    key = _parts_key(parts)
    return None if key is None else Ref(*key)


def _parts_key(parts: Iterable[str]) -> Key | None:
    names = list(parts)
    if not names:
        return None
    if len(names) >= 3:
        names = names[-2:]
    if len(names) == 2:
        if names[0] in BUILTIN_SCHEMAS:
            return None
        return (names[0], names[1])
    return (None, names[0])


def ref_from_rangevar(rv: ast.RangeVar | None) -> Ref | None:
    key = _rangevar_key(rv)
    return None if key is None else Ref(*key)


def _rangevar_key(rv: ast.RangeVar | None) -> Key | None:
    if rv is None or not rv.relname:
        return None
    if rv.schemaname in BUILTIN_SCHEMAS:
        return None
    return (rv.schemaname or None, rv.relname)


def scoped_ref(table: Ref, name: str) -> Ref:
    """A table-scoped object (policy, trigger, constraint) on ``table``."""
    return Ref(table.schema, f"{table.name}.{name}")


_CHILDREN: dict[type, tuple[str, ...]] = {}


def _children(cls: type[ast.Node]) -> tuple[str, ...]:
    """The attributes of ``cls`` that may hold nodes or tuples of nodes (per pglast)."""
    names = _CHILDREN.get(cls)
    if names is None:
        names = _CHILDREN[cls] = tuple(
            name
            for name, info in cls.__slots__.items()  # type: ignore[attr-defined]
            if any(
                t is tuple or (isinstance(t, type) and issubclass(t, ast.Node))
                for t in (info.py_type if isinstance(info.py_type, tuple) else (info.py_type,))
            )
        )
    return names


def walk(root: Any) -> Iterator[ast.Node]:
    """Every node below ``root`` (included), depth first, without recursion."""
    stack: list[Any] = [root]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        if isinstance(item, tuple):
            stack.extend(reversed(item))
        elif isinstance(item, ast.Node):
            yield item
            for name in _children(type(item)):
                value = getattr(item, name, None)
                if value is not None:
                    push(value)


def parse_regclass(literal: str) -> Ref | None:
    """The relation named by a regclass literal such as ``'public."My Seq"'``."""
    parts: list[str] = []
    i, n = 0, len(literal)
    while i < n:
        if literal[i] == '"':
            j = i + 1
            buf: list[str] = []
            while j < n:
                if literal[j] == '"':
                    if j + 1 < n and literal[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(literal[j])
                j += 1
            parts.append("".join(buf))
            i = j + 1
        else:
            j = literal.find(".", i)
            j = n if j < 0 else j
            parts.append(literal[i:j].strip().lower())
            i = j
        if i < n and literal[i] == ".":
            i += 1
    if not parts or any(not p for p in parts):
        return None
    return ref_from_parts(parts)


def _string_const(node: Any) -> str | None:
    if isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


# The node types refs_among looks at (none of them has subclasses).
_REFERRING = frozenset(
    {
        ast.RangeVar,
        ast.FuncCall,
        ast.ObjectWithArgs,
        ast.TypeName,
        ast.TypeCast,
        ast.CreateTrigStmt,
        ast.CollateClause,
    }
)
NODE_TYPES: frozenset[type[ast.Node]] = _REFERRING | {ast.CommonTableExpr}


def collect_refs(root: Any) -> set[Ref]:
    """Relations, functions and types referenced anywhere below ``root``."""
    return refs_among(walk(root))


def refs_among(tree: Iterable[ast.Node]) -> set[Ref]:
    """The references of a tree, given its nodes: all of them, or at least those of
    ``NODE_TYPES``, in any order."""
    nodes: list[ast.Node] = []
    ctes: set[str] = set()
    for node in tree:
        if type(node) in _REFERRING:
            nodes.append(node)
        elif isinstance(node, ast.CommonTableExpr) and node.ctename:
            ctes.add(node.ctename)
    # Collected as (schema, name) keys, cheaper to hash than Refs.
    keys: set[Key | None] = set()
    add = keys.add
    for node in nodes:
        if isinstance(node, ast.RangeVar):
            if node.schemaname is None and node.relname in ctes:
                continue
            add(_rangevar_key(node))
        elif isinstance(node, ast.FuncCall):
            parts = strings(node.funcname)
            add(_parts_key(parts))
            if parts and parts[-1] in _SEQUENCE_FUNCTIONS and node.args:
                literal = _string_const(node.args[0])
                if literal is not None:
                    add(_ref_key(parse_regclass(literal)))
        elif isinstance(node, ast.ObjectWithArgs):
            add(_parts_key(strings(node.objname)))
        elif isinstance(node, ast.TypeName):
            parts = strings(node.names)
            if node.pct_type:  # table.column%TYPE
                add(_parts_key(parts[:-1]))
            else:
                add(_parts_key(parts))
        elif isinstance(node, ast.TypeCast):
            type_parts = strings(node.typeName.names) if node.typeName else []
            literal = _string_const(node.arg)
            if type_parts and type_parts[-1] in _REGCLASS_TYPES and literal is not None:
                add(_ref_key(parse_regclass(literal)))
        elif isinstance(node, ast.CreateTrigStmt):
            add(_parts_key(strings(node.funcname)))
        elif isinstance(node, ast.CollateClause):
            add(_parts_key(strings(node.collname)))
    keys.discard(None)
    return {Ref(*key) for key in keys if key is not None}


def _ref_key(ref: Ref | None) -> Key | None:
    return None if ref is None else (ref.schema, ref.name)
