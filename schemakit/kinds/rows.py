"""Declared rows (``TableRows``: the rows the schema files insert into a table, read by
``schemakit.rows``), in one place: the model class, the change (``SyncRows``: upserts
and deletes by primary key), the differ, the renderer, the hazard rule and the rank.
Rows no longer declared at all are left alone: they are the table's data now.

What declared rows depend on in the model is ``rows_depends`` (the catalog reader).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change
from schemakit.hazards import Hazard
from schemakit.kinds.base import Context, Kind, pairs
from schemakit.model import DbObject, Key, Model, qualified
from schemakit.render.guard import Name, ident, render_change, text
from schemakit.options import plural


@dataclass(frozen=True, slots=True)
class TableRows(DbObject):
    """The rows the schema files declare for one table (schemakit.rows): ``columns``
    (the primary key first) as text, one tuple per row, sorted by key."""

    kind: ClassVar[str] = "rows"
    schema: str
    name: str
    primary_key: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def owner_key(self) -> Key:
        return ("table", self.identity)

    def by_key(self) -> dict[tuple[str | None, ...], tuple[str | None, ...]]:
        n = len(self.primary_key)
        return {row[:n]: row for row in self.rows}


def rows_depends(
    r: TableRows, depends: Mapping[Key, frozenset[Key]], objects: Mapping[Key, DbObject]
) -> frozenset[Key]:
    """What declared rows depend on: their table, and the declared rows of the tables
    its foreign keys reference (``depends``: the edges read so far)."""
    referenced = {
        ("rows", dep[1])
        for key, deps in depends.items()
        if key[0] == "table constraint" and key[1].endswith(f" on {r.identity}")
        for dep in deps
        if dep[0] == "table" and dep[1] != r.identity
    }
    return frozenset({("table", r.identity)} | (referenced & objects.keys()))


@dataclass(frozen=True)
class SyncRows(Change):
    """Upsert the declared rows that are new or changed, delete those no longer declared."""

    action: ClassVar[Action] = "alter"
    rows: TableRows
    upserts: tuple[tuple[str | None, ...], ...]
    deletes: tuple[tuple[str | None, ...], ...]  # keys

    def describe(self) -> str:
        what = []
        if self.upserts:
            what.append(f"{len(self.upserts)} upserted")
        if self.deletes:
            what.append(f"{len(self.deletes)} deleted")
        return f"rows of {self.key[1]}: {', '.join(what)}"


def diff_rows(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, TableRows):
        if new is None:
            continue  # no longer declared: the rows are the table's data now
        before = old.by_key() if old is not None and old.columns == new.columns else {}
        wanted = new.by_key()
        upserts = tuple(row for key, row in wanted.items() if before.get(key) != row)
        deletes = tuple(key for key in before if key not in wanted) if old is not None else ()
        if old is not None and old.columns != new.columns:
            # Other columns declared now: what the target holds is read with the old ones.
            deletes = tuple(k for k in old.by_key() if k not in wanted)
        if upserts or deletes:
            yield SyncRows(rows=new, upserts=upserts, deletes=deletes)


@render_change.register
def render_sync_rows(c: SyncRows) -> list[str]:
    """One statement per row: INSERT ... ON CONFLICT (key) DO UPDATE only where a value
    differs, and DELETE by key. Values are text literals PostgreSQL casts to the
    columns' types, as it does for the files' own INSERT."""
    r = c.rows
    table = ident(r.schema, r.name)
    cols = sql.SQL(", ").join(Name(col) for col in r.columns)
    key = sql.SQL(", ").join(Name(col) for col in r.primary_key)
    rest = [col for col in r.columns if col not in r.primary_key]
    out: list[str] = []
    for values in c.deletes:
        where = sql.SQL(" AND ").join(
            sql.SQL("{} IS NULL").format(Name(col)) if v is None else sql.SQL("{} = {}").format(Name(col), sql.Literal(v))
            for col, v in zip(r.primary_key, values)
        )
        out.append(text(sql.SQL("DELETE FROM {} WHERE {}").format(table, where)))
    for row in c.upserts:
        insert = sql.SQL("INSERT INTO {} AS t ({}) VALUES ({}) ON CONFLICT ({})").format(
            table, cols, sql.SQL(", ").join(sql.Literal(v) for v in row), key
        )
        if not rest:
            out.append(text(sql.SQL("{} DO NOTHING").format(insert)))
            continue
        targets = sql.SQL(", ").join(Name(col) for col in rest)
        excluded = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(Name(col)) for col in rest)
        current = sql.SQL(", ").join(sql.SQL("t.{}").format(Name(col)) for col in rest)
        out.append(
            text(
                sql.SQL("{} DO UPDATE SET ({}) = ROW({}) WHERE ROW({}) IS DISTINCT FROM ROW({})").format(
                    insert, targets, excluded, current, excluded
                )
            )
        )
    return out


def rows_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, SyncRows) and c.deletes:
        return [Hazard(hz.DELETES_DATA, f"deletes {plural(len(c.deletes), 'row')} of {c.key[1]} no longer declared")]
    return []


ROWS = Kind(
    name="rows",
    ranks=(("rows", 12),),
    classes=(TableRows,),
    differ=diff_rows,
    hazards=rows_hazards,
    statements=frozenset({"declared_rows"}),
)
