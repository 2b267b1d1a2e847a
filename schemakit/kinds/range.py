"""Range types, in one place: the model class, its catalog query
(``range.sql``) and row mapping, the changes (create, drop), the differ,
the renderers with their probe, the comment target and the registry's ``Kind``.

A range type is keyed ``("type", "<schema>.<name>")``. PostgreSQL cannot alter one in
place: a change drops and creates it again, refused while columns of kept tables use it
(``schemakit.kinds.typecommon.recreated_unless_used``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit.changes import Action, Change
from schemakit.kinds.base import CatalogQuery, Context, Kind, no_hazards, pairs
from schemakit.kinds.typecommon import recreated_unless_used
from schemakit.model import DbObject, Model, qualified, quote_ident
from schemakit.kinds.table import Table
from schemakit.render.guard import comment_target, guard, ident, render_change, text


# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RangeType(DbObject):
    """CREATE TYPE ... AS RANGE: catalog texts, each None where PostgreSQL's default applies."""

    kind: ClassVar[str] = "type"
    schema: str
    name: str
    subtype: str  # format_type of the subtype
    multirange: str  # the multirange type, schema-qualified (quoted as needed)
    subtype_opclass: str | None = None  # only when not the subtype's default btree class
    collation: str | None = None  # only when it differs from the subtype's default
    canonical: str | None = None  # regproc text
    subtype_diff: str | None = None  # regproc text
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def state(self) -> str:
        """A one-line rendering of everything compared; the SQL guards compute the same."""
        return "|".join(
            [
                self.subtype,
                self.multirange,
                self.subtype_opclass or "",
                self.collation or "",
                self.canonical or "",
                self.subtype_diff or "",
            ]
        )



def range_from_row(r: tuple[Any, ...]) -> RangeType:
    """One row of ``range.sql``."""
    return RangeType(
        schema=r[0],
        name=r[1],
        subtype=r[2],
        multirange=r[3],
        subtype_opclass=r[4],
        collation=r[5],
        canonical=r[6],
        subtype_diff=r[7],
        comment=r[8],
    )


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateRange(Change):
    action: ClassVar[Action] = "create"
    range: RangeType

    def describe(self) -> str:
        return f"range type {self.key[1]} (subtype {self.range.subtype})"


@dataclass(frozen=True)
class DropRange(Change):
    action: ClassVar[Action] = "drop"
    range: RangeType

    def describe(self) -> str:
        return f"range type {self.key[1]}"


# -- differ ------------------------------------------------------------------------------


def range_columns(current: Model, desired: Model, r: RangeType) -> list[str]:
    """Columns of kept tables that have the range type (its multirange, or an array of
    either) on both sides."""
    names = {r.identity, r.identity + "[]", r.multirange, r.multirange + "[]"}
    out = []
    for old_t, new_t in pairs(current, desired, Table):
        if old_t is None or new_t is None:
            continue
        for col in new_t.columns:
            before = old_t.column(col.name)
            if before is not None and before.type in names and col.type in names:
                out.append(f"{new_t.identity}.{quote_ident(col.name)}")
    return out


def diff_ranges(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    return recreated_unless_used(current, desired, RangeType, "range type", range_columns, CreateRange, DropRange)


# -- SQL: probes, statements -------------------------------------------------------------


def range_probe(r: RangeType) -> sql.Composable:
    """The range type's state, as :attr:`RangeType.state` prints it (NULL when absent)."""
    return sql.SQL(
        """SELECT pg_catalog.concat_ws('|',
      pg_catalog.format_type(r.rngsubtype, NULL),
      pg_catalog.quote_ident(mn.nspname) || '.' || pg_catalog.quote_ident(mt.typname),
      CASE WHEN NOT opc.opcdefault THEN pg_catalog.quote_ident(opn.nspname) || '.' || pg_catalog.quote_ident(opc.opcname)
           ELSE '' END,
      COALESCE((SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                WHERE co.oid = r.rngcollation AND r.rngcollation <> st.typcollation), ''),
      COALESCE(NULLIF(r.rngcanonical::pg_catalog.regproc::text, '-'), ''),
      COALESCE(NULLIF(r.rngsubdiff::pg_catalog.regproc::text, '-'), ''))
    FROM pg_catalog.pg_range r
    JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
    JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid
    JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
    JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
    JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
    WHERE r.rngtypid = pg_catalog.to_regtype({})"""
    ).format(sql.Literal(text(ident(r.schema, r.name))))


def create_range_sql(r: RangeType) -> str:
    # Catalog texts (format_type, regproc, quoted names) as read.
    options: list[sql.Composable] = [sql.SQL("subtype = {}").format(sql.SQL(r.subtype))]
    for option, value in (
        ("subtype_opclass", r.subtype_opclass),
        ("collation", r.collation),
        ("canonical", r.canonical),
        ("subtype_diff", r.subtype_diff),
        ("multirange_type_name", r.multirange),
    ):
        if value is not None:
            options.append(sql.SQL("{} = {}").format(sql.SQL(option), sql.SQL(value)))
    return text(
        sql.SQL("CREATE TYPE {} AS RANGE ({})").format(ident(r.schema, r.name), sql.SQL(", ").join(options))
    )


@render_change.register
def render_create_range(c: CreateRange) -> list[str]:
    r = c.range
    return [
        guard(what=f"type {r.identity}", probe=range_probe(r), target=r.state, origin=None, actions=[create_range_sql(r)])
    ]


@render_change.register
def render_drop_range(c: DropRange) -> list[str]:
    # The multirange type goes with it.
    return [text(sql.SQL("DROP TYPE IF EXISTS {}").format(ident(c.range.schema, c.range.name)))]


@comment_target.register
def range_comment_target(obj: RangeType, column: str | None) -> sql.Composable:
    return sql.SQL("TYPE {}").format(ident(obj.schema, obj.name))


# -- the registry ---------------------------------------------------------------------


RANGE = Kind(
    name="range",
    ranks=(("type", 2),),
    classes=(RangeType,),
    differ=diff_ranges,
    hazards=no_hazards,
    statements=frozenset({"create_range_type"}),
    catalog=CatalogQuery("schemakit.kinds", "range.sql", range_from_row),
)
