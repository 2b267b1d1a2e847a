"""A catalog read of a database read before, of which only some named objects changed.

The kept shadow (schemakit.keptshadow) reloads only the statements of the changed files
and what depends on them; its catalog is the one read last time but for those objects.
Reading it all again took most of a one-file-changed plan (0.9 s at 1,000 tables). With
:class:`Since` (the model read last time and the names of what was reloaded since), the
reader reads the table-bound kinds (tables, their indexes, constraints, policies and
triggers: the bulk of a catalog) only where one of a row's names is dirty, and keeps the
others from the last model. Every other kind and the dependencies are read whole.

Why the kept rows are still right: the kept shadow reloads a dirty object by dropping it
(CASCADE) and creating it again, and refuses the incremental load when a drop would take
anything whose name, or whose table's, is not dirty (``keptshadow.drops``). So an object
none of whose names is dirty was neither dropped nor created; and whatever in its row
could change through another object (a column's type, a default's function, an FK's
target) is a dependency that the drop of that object would have taken with it.

The names are the kept shadow's (``schema.name``; ``schema.table.name`` for what lives on a
table), compared unquoted, as the catalog stores them. A row passes when any of its names
is dirty: the same rule here on the objects as in the query on the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from psycopg import sql

from schemakit.kinds.constraint import Constraint
from schemakit.kinds.index import Index
from schemakit.kinds.policy import Policy
from schemakit.kinds.table import Table
from schemakit.kinds.trigger import Trigger
from schemakit.model import DbObject, Model

__all__ = ["SCOPED", "Since", "bound", "kept", "scoped_query"]

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


@dataclass(frozen=True)
class Since:
    """The table-bound objects of the database as read last time (``bound``), and the
    names of what changed since."""

    objects: Mapping[str, Sequence[DbObject]]
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
    return [obj for obj in since.objects.get(file, ()) if not any(n in dirty for n in _names(obj, columns))]
