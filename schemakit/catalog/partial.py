"""A catalog read of a database read before, of which only some named objects changed.

The kept shadow (schemakit.keptshadow) reloads only the statements of the changed files
and what depends on them; its catalog is the one read last time but for those objects.
Reading it all again took most of a one-file-changed plan (0.9 s at 1,000 tables). With
:class:`Since` (what the last read left, :class:`Kept`, and the names of what was
reloaded since), the reader reads the table-bound kinds (tables, their indexes, constraints, policies and
triggers: the bulk of a catalog) only where one of a row's names is dirty, and keeps the
others from the last model. The dependencies are read from what changed, and from
whatever depends on it by ``pg_depend`` (what a DROP ... CASCADE of it would take), and
kept from the last read for every other object. Every other kind is read whole.

Why the kept rows are still right: the kept shadow reloads a dirty object by dropping it
(CASCADE) and creating it again, and refuses the incremental load when a drop would take
anything whose name, or whose table's, is not dirty (``keptshadow.drops``). So an object
none of whose names is dirty was neither dropped nor created; and whatever in its row
could change through another object (a column's type, a default's function, an FK's
target) is a dependency that the drop of that object would have taken with it. The same
holds for a dependency edge: one between two objects neither of which was dropped or
created is the same as last time (the objects the loader names are the roots; what
depends on them by ``pg_depend`` is added as CASCADE would take it, so an object the
loader does not name, made with one it does, is read again too).

The names are the kept shadow's (``schema.name``; ``schema.table.name`` for what lives on a
table), compared unquoted, as the catalog stores them. A row passes when any of its names
is dirty: the same rule here on the objects as in the query on the rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from schemakit.kinds.constraint import Constraint
from schemakit.kinds.index import Index
from schemakit.kinds.policy import Policy
from schemakit.kinds.table import Table
from schemakit.kinds.trigger import Trigger
from schemakit.model import DbObject, Model

__all__ = ["SCOPED", "Kept", "Since", "bound", "kept", "kept_depends", "scoped_depends", "scoped_query"]

_ON_TABLE = (("schema", "table"), ("schema", "table", "name"))

SCOPED: dict[str, tuple[type[DbObject], tuple[tuple[str, ...], ...]]] = {
    "table.sql": (Table, (("schema", "name"),)),
    "index.sql": (Index, (("schema", "name"), ("schema", "table"))),
    "constraint.sql": (Constraint, _ON_TABLE),
    "policy.sql": (Policy, _ON_TABLE),
    "trigger.sql": (Trigger, _ON_TABLE),
}
"""The kind queries (``schemakit/kinds/<file>``) read only where dirty: the class of their
objects, and the columns (= fields) whose values, joined by dots, are a row's names."""


Row = tuple[Any, ...]


@dataclass(frozen=True)
class Kept:
    """What a read leaves for the next one: the table-bound objects (``bound``), and the
    dependency query's rows (as ``catalog/queries/depends.sql`` gives them)."""

    objects: Mapping[str, Sequence[DbObject]]
    depends: Sequence[Row]


@dataclass(frozen=True)
class Since:
    """What the last read of the database left, and the names of what changed since."""

    last: Kept
    dirty: frozenset[str]


def bound(model: Model) -> dict[str, tuple[DbObject, ...]]:
    """The objects of ``model`` that a read ``Since`` it may keep, by the ``SCOPED`` query
    that reads them."""
    files = {cls: file for file, (cls, _) in SCOPED.items()}
    out: dict[str, list[DbObject]] = {file: [] for file in SCOPED}
    for obj in model.objects.values():
        file = files.get(type(obj))
        if file is not None:
            out[file].append(obj)
    return {file: tuple(objects) for file, objects in out.items()}


def scoped_query(text: str, file: str) -> str:
    """``text`` (the kind query ``file``) reading only the rows one of whose names is in
    the ``%(dirty)s`` parameter (the filter reaches the catalog scans: the costly
    columns are computed for those rows only)."""
    _, columns = SCOPED[file]
    names = [
        sql.SQL(" || '.' || ").join(sql.Identifier("scoped", c) for c in name) for name in columns
    ]
    where = sql.SQL(" OR ").join(sql.SQL("({}) = ANY (%(dirty)s::pg_catalog.text[])").format(n) for n in names)
    inner = sql.SQL(text.strip().rstrip(";"))  # on lines of its own: it may end in a comment
    return sql.SQL("SELECT * FROM (\n{}\n) AS scoped WHERE {}").format(inner, where).as_string()


def _names(obj: DbObject, columns: tuple[tuple[str, ...], ...]) -> list[str]:
    return [".".join(str(getattr(obj, c)) for c in name) for name in columns]


def kept(since: Since, file: str) -> list[DbObject]:
    """The objects of the last model that the scoped query ``file`` did not read again
    (none of their names is dirty), in the last model's order."""
    _, columns = SCOPED[file]
    dirty = since.dirty
    return [obj for obj in since.last.objects.get(file, ()) if not any(n in dirty for n in _names(obj, columns))]


# The dependency query's edges (its ``edges`` CTE: every pg_depend row of a kind that
# matters) are replaced by the edges from the objects that changed or depend on what
# did: ``hot``, closed under pg_depend as a DROP ... CASCADE is (an edge to a hot object
# comes from one). The query's rows are then followed by one row per hot object, its
# key and nulls: the last read's rows from or to those are the ones not kept.
_EDGES = re.compile(r"\), edges AS \(\n.*?\n\)\n(?=SELECT )", re.DOTALL)
_WITH = re.compile(r"^WITH ", re.MULTILINE)
_HOT_EDGES = """), roots AS (
  SELECT classid, objid FROM named
  WHERE schema || '.' || name = ANY (%(dirty)s::pg_catalog.text[])
     OR schema || '.' || parent = ANY (%(dirty)s::pg_catalog.text[])
     OR schema || '.' || parent || '.' || name = ANY (%(dirty)s::pg_catalog.text[])
), hot (classid, objid) AS (
  SELECT classid, objid FROM roots
  UNION
  SELECT d.classid, d.objid
  FROM pg_catalog.pg_depend d JOIN hot h ON d.refclassid = h.classid AND d.refobjid = h.objid
  WHERE d.deptype IN ('n', 'a', 'i')
), edges AS (
  SELECT d.classid, d.objid, d.refclassid, d.refobjid, d.refobjsubid
  FROM hot h JOIN pg_catalog.pg_depend d ON d.classid = h.classid AND d.objid = h.objid
  WHERE d.deptype IN ('n', 'a', 'i')
)
"""
_HOT_KEYS = """
UNION ALL
SELECT o.kind, o.ident, NULL, NULL, NULL, NULL
FROM hot h JOIN objs o ON o.classid = h.classid AND o.objid = h.objid"""


def scoped_depends(text: str) -> str:
    """The dependency query ``text`` reading the edges of what changed (``%(dirty)s``,
    and what depends on it), followed by a row ``(kind, ident, NULL, ...)`` per such object."""
    scoped, edges = _EDGES.subn(lambda _: _HOT_EDGES, text.strip().rstrip(";"))
    scoped, with_ = _WITH.subn("WITH RECURSIVE ", scoped, count=1)
    if edges != 1 or with_ != 1:
        raise ValueError("the dependency query has no edges CTE to scope")
    return scoped + "\n" + _HOT_KEYS


def kept_depends(since: Since, rows: Sequence[Row]) -> list[Row]:
    """The dependency rows of a read ``since``: the scoped query's ``rows`` (without the
    hot objects' rows), and the last read's rows between objects none of which is hot."""
    hot = {(r[0], r[1]) for r in rows if r[2] is None}
    fresh = [r for r in rows if r[2] is not None]
    return [r for r in since.last.depends if (r[0], r[1]) not in hot and (r[2], r[3]) not in hot] + fresh
