"""Domains, in one place: the model class, its catalog query
(``domain.sql``) and row mapping, the changes (create, drop, alter, rebuild),
the differ, the renderers with their probes and the twin of a check, the comment
target and the registry's ``Kind``.

A domain is keyed ``("type", "<schema>.<name>")``. Its default, NOT NULL and checks
change in place; a new base type drops and creates it again, or rebuilds it while a
column, a function or another type uses it (``schemakit.kinds.typecommon``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit.changes import Action, Change, NestedRebuild
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, pairs
from schemakit.kinds.typecommon import (
    domain_rebuilt,
    nested_comment,
    nested_keys,
    rebuild_type,
    regtype,
    retired_name,
    type_columns,
    type_probe,
    type_rebuild_hazards,
    unset_defaults,
)
from schemakit.model import DbObject, Model, qualified
from schemakit.kinds.columns import Column
from schemakit.kinds.table import Table
from schemakit.render.guard import TWIN, Name, Twin, comment_target, guard, ident, render_change, text


# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Domain(DbObject):
    kind: ClassVar[str] = "type"
    schema: str
    name: str
    base_type: str  # format_type of the base type
    not_null: bool = False
    default: str | None = None
    checks: tuple[tuple[str, str], ...] = ()  # (constraint name, pg_get_constraintdef), by name
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)



def domain_from_row(r: tuple[Any, ...]) -> Domain:
    """One row of ``domain.sql``."""
    return Domain(
        schema=r[0],
        name=r[1],
        base_type=r[2],
        not_null=r[3],
        default=r[4],
        checks=tuple((c[0], c[1]) for c in r[5]),
        comment=r[6],
    )


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateDomain(Change):
    action: ClassVar[Action] = "create"
    domain: Domain


@dataclass(frozen=True)
class DropDomain(Change):
    action: ClassVar[Action] = "drop"
    domain: Domain


@dataclass(frozen=True)
class AlterDomain(Change):
    """Default, NOT NULL and CHECKs change in place (the base type cannot)."""

    action: ClassVar[Action] = "alter"
    old: Domain
    new: Domain

    def describe(self) -> str:
        o, n = self.old, self.new
        what = []
        if o.default != n.default:
            what.append(f"default {n.default}" if n.default else "drop default")
        if o.not_null != n.not_null:
            what.append("set not null" if n.not_null else "drop not null")
        if o.checks != n.checks:
            what.append("checks")
        return f"domain {self.key[1]}: {', '.join(what)}"


@dataclass(frozen=True)
class RebuildDomain(Change):
    """The base type changes while columns use the domain: a new domain replaces the
    old one, and its columns (``columns``: (table, column) in the desired state) are
    converted by a cast to the new base type. Objects using those columns are dropped
    before and created after."""

    action: ClassVar[Action] = "alter"
    old: Domain
    new: Domain
    columns: tuple[tuple[Table, Column], ...] = ()
    nested: tuple[NestedRebuild, ...] = ()  # types over it, rebuilt with it

    @property
    def recreates(self) -> bool:
        return True  # dropped and created again

    @property
    def cause(self) -> tuple[Domain, Domain]:
        return self.old, self.new

    def describe(self) -> str:
        return f"domain {self.key[1]}: rebuild ({self.old.base_type} → {self.new.base_type})"


# -- differ ------------------------------------------------------------------------------


def diff_domains(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    nested = nested_keys(ctx)
    for old, new in pairs(current, desired, Domain):
        if old is not None and new is not None and new.key in nested:
            yield from nested_comment(old, new)
            continue
        if new is None:
            assert old is not None
            yield DropDomain(old)
            continue
        if old is None:
            yield CreateDomain(new)
        elif domain_rebuilt(current, desired, old, new):
            yield RebuildDomain(
                old=old,
                new=new,
                columns=unset_defaults(type_columns(current, desired, old.identity, partitions=False), ctx.users),
                nested=ctx.nested.get(old.identity, ()),
            )
        elif old.base_type != new.base_type:
            yield DropDomain(old)
            yield CreateDomain(new)
        elif (old.default, old.not_null, old.checks) != (new.default, new.not_null, new.checks):
            yield AlterDomain(old=old, new=new)
        yield from comment(old, new)


# -- SQL: probes, statements -------------------------------------------------------------


def domain_check_twin(d: Domain, name: str, definition: str) -> Twin:
    """The check on a temporary domain of the same base type."""
    domain = ident("pg_temp", TWIN)
    return Twin(
        setup=(
            text(sql.SQL("CREATE DOMAIN {} AS {}").format(domain, sql.SQL(d.base_type))),
            text(sql.SQL("ALTER DOMAIN {} ADD CONSTRAINT {} {}").format(domain, Name(name), sql.SQL(definition))),
        ),
        probe=(text(regtype(d.schema, d.name)), text(regtype("pg_temp", TWIN))),
    )


def domain_check_probe(d: Domain, name: str) -> sql.Composable:
    return sql.SQL(
        "SELECT pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k "
        "WHERE k.contypid = {} AND k.conname = {}"
    ).format(regtype(d.schema, d.name), sql.Literal(name))


def domain_probe(d: Domain) -> sql.Composable:
    return type_probe(d.schema, d.name, "pg_catalog.format_type(t.typbasetype, t.typtypmod)", "d")


def create_domain_sql(d: Domain) -> str:
    parts: list[sql.Composable] = [
        sql.SQL("CREATE DOMAIN {} AS {}").format(ident(d.schema, d.name), sql.SQL(d.base_type))
    ]
    if d.default is not None:
        parts.append(sql.SQL("DEFAULT {}").format(sql.SQL(d.default)))
    if d.not_null:
        parts.append(sql.SQL("NOT NULL"))
    for name, definition in d.checks:
        parts.append(sql.SQL("CONSTRAINT {} {}").format(Name(name), sql.SQL(definition)))
    return text(sql.SQL(" ").join(parts))


@render_change.register
def render_create_domain(c: CreateDomain) -> list[str]:
    d = c.domain
    return [
        guard(
            what=f"domain {d.identity}",
            probe=domain_probe(d),
            target=d.base_type,
            origin=None,
            actions=[create_domain_sql(d)],
        )
    ]


@render_change.register
def render_rebuild_domain(c: RebuildDomain) -> list[str]:
    # PostgreSQL 17+ names a domain's NOT NULL constraint <domain>_not_null, unique in
    # the schema: while the retired domain still holds that name, the new one would get
    # <domain>_not_null1. The retired domain gives its NOT NULL up first.
    _, retired = retired_name(c.new.schema, c.new.name)
    retire = (text(sql.SQL("ALTER DOMAIN {} DROP NOT NULL").format(retired)),) if c.new.not_null else ()
    return rebuild_type(c, "DOMAIN", create_domain_sql(c.new), via=c.new.base_type, retire=retire)


@render_change.register
def render_drop_domain(c: DropDomain) -> list[str]:
    return [text(sql.SQL("DROP DOMAIN IF EXISTS {}").format(ident(c.domain.schema, c.domain.name)))]


@render_change.register
def render_alter_domain(c: AlterDomain) -> list[str]:
    o, n = c.old, c.new
    domain = ident(n.schema, n.name)
    out: list[str] = []
    if o.default != n.default:
        if n.default is None:
            out.append(text(sql.SQL("ALTER DOMAIN {} DROP DEFAULT").format(domain)))
        else:
            out.append(text(sql.SQL("ALTER DOMAIN {} SET DEFAULT {}").format(domain, sql.SQL(n.default))))
    if o.not_null != n.not_null:
        verb = "SET NOT NULL" if n.not_null else "DROP NOT NULL"
        out.append(text(sql.SQL("ALTER DOMAIN {} {}").format(domain, sql.SQL(verb))))
    old_checks, new_checks = dict(o.checks), dict(n.checks)
    for name in sorted(old_checks.keys() - new_checks.keys()):
        out.append(text(sql.SQL("ALTER DOMAIN {} DROP CONSTRAINT IF EXISTS {}").format(domain, Name(name))))
    for name, definition in n.checks:
        if old_checks.get(name) == definition:
            continue
        add = text(sql.SQL("ALTER DOMAIN {} ADD CONSTRAINT {} {}").format(domain, Name(name), sql.SQL(definition)))
        drop = text(sql.SQL("ALTER DOMAIN {} DROP CONSTRAINT IF EXISTS {}").format(domain, Name(name)))
        out.append(
            guard(
                what=f"constraint {name} on domain {n.identity}",
                probe=domain_check_probe(n, name),
                target=definition,
                origin=old_checks.get(name),
                actions=[drop, add] if name in old_checks else [add],
                twin=domain_check_twin(n, name, definition),
            )
        )
    return out


@comment_target.register
def domain_comment_target(obj: Domain, column: str | None) -> sql.Composable:
    return sql.SQL("DOMAIN {}").format(ident(obj.schema, obj.name))


# -- the registry ---------------------------------------------------------------------


DOMAIN = Kind(
    name="domain",
    ranks=(("type", 2),),
    classes=(Domain,),
    differ=diff_domains,
    hazards=type_rebuild_hazards,
    statements=frozenset({"create_domain", "alter_domain"}),
    catalog=CatalogQuery("schemakit.kinds", "domain.sql", domain_from_row),
)
