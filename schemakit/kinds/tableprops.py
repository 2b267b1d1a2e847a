"""Table properties beyond columns (issue 12): UNLOGGED and INHERITS.

Each property is one change, its idempotent SQL and its hazards, kept together:

- ``SetPersistence``: ``ALTER TABLE ... SET LOGGED / SET UNLOGGED``, guarded by
  ``pg_class.relpersistence``. Either way the table is rewritten under an ACCESS
  EXCLUSIVE lock.
- ``SetInherits``: ``ALTER TABLE ... INHERIT / NO INHERIT parent``, each guarded by
  ``pg_inherits``. A table that starts inheriting keeps its own copies of the
  parent's columns (``attislocal`` stays true: PostgreSQL has no way to make them
  inherited-only short of creating the table again), and one that stops keeps the
  columns it inherited, as local columns.

Part of the table kind (``schemakit.kinds.table``, whose differ and hazard rule use
it); the renderers register on ``render_change`` when the kinds are imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change
from schemakit.hazards import Hazard
from schemakit.render.guard import guard, ident, regclass, render_change, text

if TYPE_CHECKING:
    from schemakit.kinds.table import Table


@dataclass(frozen=True)
class SetPersistence(Change):
    """The table becomes UNLOGGED (``table.unlogged``) or logged."""

    action: ClassVar[Action] = "alter"
    table: Table

    def describe(self) -> str:
        return f"table {self.key[1]}: set {'unlogged' if self.table.unlogged else 'logged'}"


@dataclass(frozen=True)
class SetInherits(Change):
    """The table starts inheriting from ``add`` and stops inheriting from ``remove``
    (parents' identities)."""

    action: ClassVar[Action] = "alter"
    table: Table
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def describe(self) -> str:
        what = [f"inherit {p}" for p in self.add] + [f"no inherit {p}" for p in self.remove]
        return f"table {self.key[1]}: {'; '.join(what)}"


def _persistence_probe(t: Table) -> sql.Composable:
    return sql.SQL("SELECT c.relpersistence::text FROM pg_catalog.pg_class c WHERE c.oid = {}").format(
        regclass(t.schema, t.name)
    )


@render_change.register
def render_set_persistence(c: SetPersistence) -> list[str]:
    t = c.table
    verb = "SET UNLOGGED" if t.unlogged else "SET LOGGED"
    return [
        guard(
            what=f"table {t.identity}",
            probe=_persistence_probe(t),
            target="u" if t.unlogged else "p",
            origin="p" if t.unlogged else "u",
            actions=[text(sql.SQL("ALTER TABLE {} {}").format(ident(t.schema, t.name), sql.SQL(verb)))],
        )
    ]


def _inherits_probe(t: Table, parent: str) -> sql.Composable:
    """'inherits' when the table inherits from ``parent`` (catalog text, quoted), else NULL."""
    return sql.SQL(
        "SELECT 'inherits' FROM pg_catalog.pg_inherits i WHERE i.inhrelid = {} "
        "AND i.inhparent = pg_catalog.to_regclass({})"
    ).format(regclass(t.schema, t.name), sql.Literal(parent))


@render_change.register
def render_set_inherits(c: SetInherits) -> list[str]:
    t = c.table
    table = ident(t.schema, t.name)
    out = []
    for parent in c.remove:
        out.append(
            guard(
                what=f"table {t.identity}",
                probe=_inherits_probe(t, parent),
                target=None,
                origin="inherits",
                actions=[text(sql.SQL("ALTER TABLE {} NO INHERIT {}").format(table, sql.SQL(parent)))],
            )
        )
    for parent in c.add:
        out.append(
            guard(
                what=f"table {t.identity}",
                probe=_inherits_probe(t, parent),
                target="inherits",
                origin=None,
                actions=[text(sql.SQL("ALTER TABLE {} INHERIT {}").format(table, sql.SQL(parent)))],
            )
        )
    return out


def table_property_hazards(c: Change, table_exists: bool) -> list[Hazard]:
    """The hazards of changing UNLOGGED or INHERITS on a table that exists."""
    if not table_exists:
        return []
    table = c.key[1]
    if isinstance(c, SetPersistence):
        how = "unlogged (its rows are lost on a crash, and not replicated)" if c.table.unlogged else "logged"
        return [
            Hazard(hz.TABLE_REWRITE, f"{table} is rewritten to become {how}", table),
            Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"SET {'UNLOGGED' if c.table.unlogged else 'LOGGED'} on {table}", table),
        ]
    if isinstance(c, SetInherits):
        what = [f"queries on {p} now include the rows of {table}" for p in c.add]
        what += [f"queries on {p} no longer include the rows of {table}" for p in c.remove]
        return [Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, "; ".join(what), table)]
    return []
