"""Row-level security policies, in one place: the model class, its catalog query
(``policy.sql``) and row mapping, the changes (create, drop, alter), the differ, the
renderers with their guard probe and twin, the hazard rule and the rank.

A policy is keyed ``("policy", "<name> on <schema>.<table>")`` and belongs to its
table (``owner_key``): it goes with a dropped table, and a table rebuilt or a column it
uses that changes type drops it to create it again (``Rework``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change, Rework, _recreated
from schemakit.hazards import Hazard
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, on_table, owned, pairs
from schemakit.model import DbObject, Key, Model, qualified, quote_ident
from schemakit.render.guard import (
    Name,
    Twin,
    comment_target,
    drop_for_rework,
    guard,
    ident,
    on_table_target,
    prefix_on_twin,
    regclass,
    regclass_text,
    render_change,
    text,
    twin_table,
)

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Policy(DbObject):
    kind: ClassVar[str] = "policy"
    schema: str
    table: str
    name: str
    permissive: bool
    command: str  # ALL, SELECT, INSERT, UPDATE, DELETE
    roles: tuple[str, ...]  # sorted role names; ("public",) when none given
    using: str | None
    check: str | None
    comment: str | None = None

    @property
    def identity(self) -> str:
        return f"{quote_ident(self.name)} on {qualified(self.schema, self.table)}"

    @property
    def owner_key(self) -> Key:
        return ("table", qualified(self.schema, self.table))

    @property
    def source_name(self) -> str:
        return f"{self.schema}.{self.table}.{self.name}"

    @property
    def compared(self) -> object:
        return self.state

    @property
    def state(self) -> str:
        """A one-line rendering of everything compared; the SQL guards compute the same."""
        return policy_state(self.permissive, self.command, self.roles, self.using, self.check)


def policy_state(
    permissive: bool, command: str, roles: tuple[str, ...], using: str | None, check: str | None
) -> str:
    return "|".join(
        [
            "permissive" if permissive else "restrictive",
            command,
            ",".join(roles),
            using or "",
            check or "",
        ]
    )


def policy_from_row(r: tuple[Any, ...]) -> Policy:
    """One row of ``policy.sql``."""
    return Policy(
        schema=r[0],
        table=r[1],
        name=r[2],
        permissive=r[3],
        command=r[4],
        roles=tuple(r[5]),
        using=r[6],
        check=r[7],
        comment=r[8],
    )


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatePolicy(Change):
    action: ClassVar[Action] = "create"
    policy: Policy

    def describe(self) -> str:
        return f"policy {self.key[1]} (for {self.policy.command})"


@dataclass(frozen=True)
class DropPolicy(Change):
    """Drop; with ``reworked`` set, only so that a column it uses can be dropped
    or change type, to be created again after (see DropView)."""

    action: ClassVar[Action] = "drop"
    policy: Policy
    reworked: Rework | None = None

    def describe(self) -> str:
        return _recreated(self)


@dataclass(frozen=True)
class AlterPolicy(Change):
    """ALTER POLICY when it can express the change, else drop and create (``recreate``)."""

    action: ClassVar[Action] = "alter"
    old: Policy
    new: Policy

    @property
    def recreate(self) -> bool:
        o, n = self.old, self.new
        return (
            o.command != n.command
            or o.permissive != n.permissive
            or (o.using is not None and n.using is None)
            or (o.check is not None and n.check is None)
        )

    @property
    def recreates(self) -> bool:
        return self.recreate

    def describe(self) -> str:
        how = "drop and create" if self.recreate else "alter"
        return f"policy {self.key[1]} ({how}, for {self.new.command})"


# -- differ ------------------------------------------------------------------------------


def diff_policies(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, Policy):
        if new is None:
            assert old is not None
            if not owned(old, ctx.dropped):
                yield DropPolicy(old)
            continue
        if old is None:
            yield CreatePolicy(new)
        elif (cause := ctx.users.get(old.key)) is not None:
            yield DropPolicy(old, reworked=cause)
            yield CreatePolicy(new)
        elif old.state != new.state:
            yield AlterPolicy(old=old, new=new)
        yield from comment(old, new)


# -- SQL: probe, twin, statements ------------------------------------------------------


def policy_probe(p: Policy) -> sql.Composable:
    return sql.SQL(
        """SELECT pg_catalog.concat_ws('|',
      CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
      CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                    WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
      CASE WHEN p.polroles = '{{0}}' THEN 'public'
           ELSE (SELECT pg_catalog.string_agg(r.rolname, ',' ORDER BY r.rolname)
                 FROM pg_catalog.pg_roles r WHERE r.oid = ANY (p.polroles)) END,
      COALESCE(pg_catalog.pg_get_expr(p.polqual, p.polrelid), ''),
      COALESCE(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), ''))
    FROM pg_catalog.pg_policy p WHERE p.polrelid = {} AND p.polname = {}"""
    ).format(regclass(p.schema, p.table), sql.Literal(p.name))


def policy_twin(p: Policy, create: str) -> Twin:
    """The policy (``create``: its CREATE POLICY) on a temporary copy of its table."""
    before = f"CREATE POLICY {quote_ident(p.name)} ON "
    return Twin(
        setup=(twin_table(p.schema, p.table), prefix_on_twin(create, before, p.schema, p.table)),
        probe=(regclass_text(p.schema, p.table), regclass_text("pg_temp", p.table)),
    )


def roles_sql(roles: tuple[str, ...]) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("PUBLIC") if r == "public" else Name(r) for r in roles
    )


def create_policy_sql(p: Policy) -> str:
    parts: list[sql.Composable] = [
        sql.SQL("CREATE POLICY {} ON {} AS {} FOR {} TO {}").format(
            Name(p.name),
            ident(p.schema, p.table),
            sql.SQL("PERMISSIVE" if p.permissive else "RESTRICTIVE"),
            sql.SQL(p.command),
            roles_sql(p.roles),
        )
    ]
    if p.using is not None:
        parts.append(sql.SQL("USING ({})").format(sql.SQL(p.using)))
    if p.check is not None:
        parts.append(sql.SQL("WITH CHECK ({})").format(sql.SQL(p.check)))
    return text(sql.SQL(" ").join(parts))


def drop_policy_sql(p: Policy) -> str:
    return text(
        sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(
            Name(p.name), ident(p.schema, p.table)
        )
    )


@render_change.register
def render_create_policy(c: CreatePolicy) -> list[str]:
    p = c.policy
    create = create_policy_sql(p)
    return [
        guard(
            what=f"policy {p.identity}",
            probe=policy_probe(p),
            target=p.state,
            origin=None,
            actions=[create],
            twin=policy_twin(p, create),
        )
    ]


@render_change.register
def render_drop_policy(c: DropPolicy) -> list[str]:
    p = c.policy
    if c.reworked is None:
        return [drop_policy_sql(p)]
    return [drop_for_rework(c.reworked, drop_policy_sql(p))]


@render_change.register
def render_alter_policy(c: AlterPolicy) -> list[str]:
    new = c.new
    if c.recreate:
        actions = [drop_policy_sql(c.old), create_policy_sql(new)]
    else:
        parts: list[sql.Composable] = [
            sql.SQL("ALTER POLICY {} ON {} TO {}").format(
                Name(new.name), ident(new.schema, new.table), roles_sql(new.roles)
            )
        ]
        if new.using is not None:
            parts.append(sql.SQL("USING ({})").format(sql.SQL(new.using)))
        if new.check is not None:
            parts.append(sql.SQL("WITH CHECK ({})").format(sql.SQL(new.check)))
        actions = [text(sql.SQL(" ").join(parts))]
    return [
        guard(
            what=f"policy {new.identity}",
            probe=policy_probe(new),
            target=new.state,
            origin=c.old.state,
            actions=actions,
            twin=policy_twin(new, actions[-1] if c.recreate else create_policy_sql(new)),
        )
    ]


@comment_target.register
def policy_comment_target(obj: Policy, column: str | None) -> sql.Composable:
    return on_table_target("POLICY", obj.name, obj.schema, obj.table)


# -- hazards -----------------------------------------------------------------------------


def policy_hazards(c: Change, current: Model) -> list[Hazard]:
    """Who may read or write which rows changes (on a table that exists)."""
    if not isinstance(c, (CreatePolicy, AlterPolicy, DropPolicy)):
        return []
    table, exists = on_table(c, current)
    return [Hazard(hz.AUTHZ_UPDATE, f"on {table}")] if exists else []


POLICY = Kind(
    name="policy",
    ranks=(("policy", 11),),
    classes=(Policy,),
    differ=diff_policies,
    hazards=policy_hazards,
    statements=frozenset({"create_policy", "alter_policy"}),
    catalog=CatalogQuery("schemakit.kinds", "policy.sql", policy_from_row),
)
