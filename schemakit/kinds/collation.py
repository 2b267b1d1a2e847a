"""Collations, in one place: the model class, its catalog query
(``collation.sql``) and row mapping, the changes (create, drop), the differ,
the renderers with their probe, the comment target and the registry's ``Kind``.

A collation is keyed ``("collation", "<schema>.<name>")``. PostgreSQL cannot alter one
in place: a change drops and creates it again, refused while columns of kept tables use
it (``schemakit.kinds.typecommon.recreated_unless_used``).
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
class Collation(DbObject):
    """CREATE COLLATION: ``provider`` is pg_collation.collprovider (c libc, i icu, b builtin)."""

    kind: ClassVar[str] = "collation"
    schema: str
    name: str
    provider: str
    deterministic: bool = True
    lc_collate: str | None = None  # libc
    lc_ctype: str | None = None  # libc
    locale: str | None = None  # icu and builtin
    rules: str | None = None  # icu (PostgreSQL 16+)
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def state(self) -> str:
        """A one-line rendering of everything compared; the SQL guards compute the same."""
        return "|".join(
            [
                self.provider,
                "deterministic" if self.deterministic else "nondeterministic",
                self.lc_collate or "",
                self.lc_ctype or "",
                self.locale or "",
                self.rules or "",
            ]
        )



def collation_from_row(r: tuple[Any, ...]) -> Collation:
    """One row of ``collation.sql``."""
    return Collation(
        schema=r[0],
        name=r[1],
        provider=r[2],
        deterministic=bool(r[3]),
        lc_collate=r[4],
        lc_ctype=r[5],
        locale=r[6],
        rules=r[7],
        comment=r[8],
    )


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateCollation(Change):
    action: ClassVar[Action] = "create"
    collation: Collation

    def describe(self) -> str:
        c = self.collation
        provider = {"c": "libc", "i": "icu", "b": "builtin"}.get(c.provider, c.provider)
        what = c.locale or c.lc_collate or ""
        extra = ", nondeterministic" if not c.deterministic else ""
        return f"collation {self.key[1]} ({provider} {what}{extra})"


@dataclass(frozen=True)
class DropCollation(Change):
    action: ClassVar[Action] = "drop"
    collation: Collation

    def describe(self) -> str:
        return f"collation {self.key[1]}"


# -- differ ------------------------------------------------------------------------------


def collation_columns(current: Model, desired: Model, c: Collation) -> list[str]:
    """Columns of kept tables that use the collation on both sides."""
    out = []
    for old_t, new_t in pairs(current, desired, Table):
        if old_t is None or new_t is None:
            continue
        for col in new_t.columns:
            before = old_t.column(col.name)
            if before is not None and before.collation == c.identity and col.collation == c.identity:
                out.append(f"{new_t.identity}.{quote_ident(col.name)}")
    return out


def diff_collations(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    return recreated_unless_used(current, desired, Collation, "collation", collation_columns, CreateCollation, DropCollation)


# -- SQL: probes, statements -------------------------------------------------------------


def collation_probe(c: Collation) -> sql.Composable:
    """The collation's state, as :attr:`Collation.state` prints it (NULL when absent);
    read through to_jsonb, since the locale's column differs across majors."""
    return sql.SQL(
        """SELECT pg_catalog.concat_ws('|',
      co.collprovider::text,
      CASE WHEN co.collisdeterministic THEN 'deterministic' ELSE 'nondeterministic' END,
      COALESCE(j.doc ->> 'collcollate', ''),
      COALESCE(j.doc ->> 'collctype', ''),
      COALESCE(j.doc ->> 'colllocale', j.doc ->> 'colliculocale', ''),
      COALESCE(j.doc ->> 'collicurules', ''))
    FROM pg_catalog.pg_collation co CROSS JOIN LATERAL (SELECT pg_catalog.to_jsonb(co) AS doc) j
    WHERE co.oid = pg_catalog.to_regcollation({})"""
    ).format(sql.Literal(text(ident(c.schema, c.name))))


_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


def create_collation_sql(c: Collation) -> str:
    provider = _PROVIDERS.get(c.provider)
    if provider is None:
        raise ValueError(f"collation {c.identity}: provider {c.provider!r} cannot be created")
    options: list[sql.Composable] = [sql.SQL("provider = {}").format(sql.SQL(provider))]
    if c.provider == "c":
        options.append(sql.SQL("lc_collate = {}").format(sql.Literal(c.lc_collate or "")))
        options.append(sql.SQL("lc_ctype = {}").format(sql.Literal(c.lc_ctype or "")))
    else:
        options.append(sql.SQL("locale = {}").format(sql.Literal(c.locale or "")))
    if c.rules is not None:
        options.append(sql.SQL("rules = {}").format(sql.Literal(c.rules)))
    if not c.deterministic:
        options.append(sql.SQL("deterministic = false"))
    return text(
        sql.SQL("CREATE COLLATION {} ({})").format(ident(c.schema, c.name), sql.SQL(", ").join(options))
    )


@render_change.register
def render_create_collation(c: CreateCollation) -> list[str]:
    co = c.collation
    return [
        guard(
            what=f"collation {co.identity}",
            probe=collation_probe(co),
            target=co.state,
            origin=None,
            actions=[create_collation_sql(co)],
        )
    ]


@render_change.register
def render_drop_collation(c: DropCollation) -> list[str]:
    return [text(sql.SQL("DROP COLLATION IF EXISTS {}").format(ident(c.collation.schema, c.collation.name)))]


@comment_target.register
def collation_comment_target(obj: Collation, column: str | None) -> sql.Composable:
    return sql.SQL("COLLATION {}").format(ident(obj.schema, obj.name))


# -- the registry ---------------------------------------------------------------------


COLLATION = Kind(
    name="collation",
    ranks=(("collation", 2),),
    classes=(Collation,),
    differ=diff_collations,
    hazards=no_hazards,
    statements=frozenset({"create_collation"}),
    catalog=CatalogQuery("schemakit.kinds", "collation.sql", collation_from_row),
)
