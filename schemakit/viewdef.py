"""View definitions in one form across PostgreSQL majors.

PostgreSQL 16 stopped qualifying column names in a top-level SELECT that reads a
single relation: 15 prints ``SELECT a.id FROM a WHERE (a.x > 0)``, 16 and later
print ``SELECT id FROM a WHERE (x > 0)``; sub-selects, CTE bodies and the branches of
a UNION stay qualified on both. ``normalize`` removes exactly those qualifiers,
located by pglast, and leaves every other character as the server printed it, so
the two majors' texts of one view become equal. It is used where definitions are
compared (the diff, fingerprints); SQL is still rendered from the server's text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pglast
from pglast import ast


@lru_cache(maxsize=4096)
def normalize(definition: str) -> str:
    try:
        stmts = pglast.parse_sql(definition)
    except pglast.parser.ParseError:
        return definition
    data = definition.encode()
    cuts: list[tuple[int, int]] = []
    for raw in stmts:
        top = raw.stmt
        if isinstance(top, ast.SelectStmt) and top.larg is None:
            qualifier = _single_relation(top)
            for child in _children(top):
                _visit(child, qualifier, data, cuts)
    if not cuts:
        return definition
    out = bytearray()
    last = 0
    for start, end in sorted(cuts):
        out += data[last:start]
        last = end
    out += data[last:]
    return out.decode()


def _single_relation(select: ast.SelectStmt) -> str | None:
    """The name a level's columns are qualified with, when it reads one relation."""
    from_clause = select.fromClause or ()
    if len(from_clause) != 1 or not isinstance(from_clause[0], ast.RangeVar):
        return None
    rv = from_clause[0]
    return rv.alias.aliasname if rv.alias is not None else rv.relname


def _visit(node: Any, qualifier: str | None, data: bytes, cuts: list[tuple[int, int]]) -> None:
    if isinstance(node, (list, tuple)):
        for item in node:
            _visit(item, qualifier, data, cuts)
        return
    if not isinstance(node, ast.Node):
        return
    if isinstance(node, ast.SelectStmt):
        return  # sub-selects, CTEs and set operations stay qualified on every major
    if isinstance(node, ast.ColumnRef) and qualifier is not None:
        fields = node.fields or ()
        if len(fields) == 2 and isinstance(fields[0], ast.String) and isinstance(fields[1], ast.String):
            _cut_qualifier(fields[0].sval or "", node.location, data, cuts, qualifier)
        return
    for child in _children(node):
        _visit(child, qualifier, data, cuts)


def _children(node: ast.Node) -> list[Any]:
    slots: Any = getattr(type(node), "__slots__", ())
    return [getattr(node, name, None) for name in slots]


def _cut_qualifier(name: str, location: int | None, data: bytes, cuts: list[tuple[int, int]], qualifier: str) -> None:
    if name != qualifier or location is None or location < 0:
        return
    for spelled in (name, '"' + name.replace('"', '""') + '"'):
        prefix = (spelled + ".").encode()
        if data.startswith(prefix, location):
            cuts.append((location, location + len(prefix)))
            return
