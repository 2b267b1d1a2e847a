"""Publications (``supabase_realtime``), in one place: the model class, the changes
(create, drop, alter what is published and the member tables), the differ, the
renderers with their guard probes, the comment target and the rank. Tables the plan
drops or rebuilds leave a publication with them.

Its catalog query is ``publication.sql`` (``publication_from_row``; its member tables are
what it depends on: ``publication_depends``), read where it always was (after tables).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from psycopg import sql

from schemakit.changes import Action, Change
from schemakit.kinds.base import Context, Kind, comment, no_hazards, pairs
from schemakit.model import DbObject, Key, Model, quote_ident
from schemakit.render.guard import Name, comment_target, guard, render_change, text


@dataclass(frozen=True, slots=True)
class Publication(DbObject):
    """A publication (``supabase_realtime``): what it publishes, and its member tables."""

    kind: ClassVar[str] = "publication"
    name: str
    all_tables: bool = False
    publish: tuple[str, ...] = ("insert", "update", "delete", "truncate")
    tables: tuple[str, ...] = ()  # table identities, sorted
    comment: str | None = None

    @property
    def identity(self) -> str:
        return quote_ident(self.name)


def publication_depends(p: Publication, objects: Mapping[Key, DbObject]) -> frozenset[Key]:
    """What a publication read from the catalog depends on: its member tables, when modelled."""
    return frozenset({("table", t) for t in p.tables} & objects.keys())


def publication_from_row(r: tuple[Any, ...]) -> Publication:
    """One row of ``publication.sql``."""
    return Publication(name=r[0], all_tables=r[1], publish=tuple(r[2]), tables=tuple(r[3]), comment=r[4])


@dataclass(frozen=True)
class CreatePublication(Change):
    action: ClassVar[Action] = "create"
    publication: Publication


@dataclass(frozen=True)
class DropPublication(Change):
    action: ClassVar[Action] = "drop"
    publication: Publication


@dataclass(frozen=True)
class AlterPublication(Change):
    """What it publishes, and tables added and removed (each guarded: re-runs skip them)."""

    action: ClassVar[Action] = "alter"
    old: Publication
    new: Publication

    @property
    def added(self) -> list[str]:
        return [t for t in self.new.tables if t not in self.old.tables]

    @property
    def removed(self) -> list[str]:
        return [t for t in self.old.tables if t not in self.new.tables]

    def describe(self) -> str:
        what = [f"add {t}" for t in self.added] + [f"drop {t}" for t in self.removed]
        if self.old.publish != self.new.publish:
            what.append(f"publish {', '.join(self.new.publish)}")
        return f"publication {self.key[1]}: {'; '.join(what)}"


def diff_publications(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, Publication):
        if new is None:
            assert old is not None
            yield DropPublication(old)
            continue
        if old is None or old.all_tables != new.all_tables:
            if old is not None:
                yield DropPublication(old)
            yield CreatePublication(new)
        elif (old.publish, old.tables) != (new.publish, new.tables) or any(("table", t) in ctx.tables for t in new.tables):
            # Tables the plan drops leave the publication with them.
            kept = tuple(t for t in old.tables if ("table", t) not in ctx.dropped and ("table", t) not in ctx.tables)
            if (old.publish, kept) != (new.publish, new.tables):
                yield AlterPublication(old=replace(old, tables=kept), new=new)
        yield from comment(old, new)


def _publication_tables(names: list[str] | tuple[str, ...]) -> sql.Composable:
    # Table identities are catalog text, quoted by quote_ident when read.
    return sql.SQL(", ").join(sql.SQL(t) for t in names)


def _member_probe(p: Publication, table: str) -> sql.Composable:
    return sql.SQL(
        "SELECT 'member' FROM pg_catalog.pg_publication_rel r JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid "
        "WHERE p.pubname = {} AND r.prrelid = pg_catalog.to_regclass({})"
    ).format(sql.Literal(p.name), sql.Literal(table))


@render_change.register
def render_create_publication(c: CreatePublication) -> list[str]:
    p = c.publication
    parts: list[sql.Composable] = [sql.SQL("CREATE PUBLICATION {}").format(Name(p.name))]
    if p.all_tables:
        parts.append(sql.SQL("FOR ALL TABLES"))
    elif p.tables:
        parts.append(sql.SQL("FOR TABLE {}").format(_publication_tables(p.tables)))
    parts.append(sql.SQL("WITH (publish = {})").format(sql.Literal(", ".join(p.publish))))
    return [
        guard(
            what=f"publication {p.identity}",
            probe=sql.SQL("SELECT 'exists' FROM pg_catalog.pg_publication WHERE pubname = {}").format(sql.Literal(p.name)),
            target="exists",
            origin=None,
            actions=[text(sql.SQL(" ").join(parts))],
        )
    ]


@render_change.register
def render_drop_publication(c: DropPublication) -> list[str]:
    return [text(sql.SQL("DROP PUBLICATION IF EXISTS {}").format(Name(c.publication.name)))]


@render_change.register
def render_alter_publication(c: AlterPublication) -> list[str]:
    p = c.new
    name = Name(p.name)
    out: list[str] = []
    if c.old.publish != p.publish:
        out.append(text(sql.SQL("ALTER PUBLICATION {} SET (publish = {})").format(name, sql.Literal(", ".join(p.publish)))))
    for table in c.removed:
        drop = text(sql.SQL("ALTER PUBLICATION {} DROP TABLE {}").format(name, sql.SQL(table)))
        out.append(guard(what=f"publication {p.identity}", probe=_member_probe(p, table), target=None, origin="member", actions=[drop]))
    for table in c.added:
        add = text(sql.SQL("ALTER PUBLICATION {} ADD TABLE {}").format(name, sql.SQL(table)))
        out.append(guard(what=f"publication {p.identity}", probe=_member_probe(p, table), target="member", origin=None, actions=[add]))
    return out


@comment_target.register
def publication_comment_target(obj: Publication, column: str | None) -> sql.Composable:
    return sql.SQL("PUBLICATION {}").format(Name(obj.name))


PUBLICATION = Kind(
    name="publication",
    ranks=(("publication", 12),),
    classes=(Publication,),
    differ=diff_publications,
    hazards=no_hazards,
    statements=frozenset({"create_publication", "alter_publication"}),
)
