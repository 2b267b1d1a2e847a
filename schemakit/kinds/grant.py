"""Grants (the privileges one grantee holds on one object), in one place: the model
class, the change (``SetGrant``), the differ with its helpers (what a new object gets
from default privileges; grants on a column's identity or serial sequence, folded onto
its table by the catalog reader), the renderer, the hazard rule and the rank.

Its catalog query is ``grant.sql`` (``grant_from_row``, ``folded_grants``,
``grant_depends``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change
from schemakit.hazards import Hazard
from schemakit.kinds.base import Context, Kind
from schemakit.kinds.default_privilege import DefaultPrivilege, implied_privileges
from schemakit.kinds.function import Function, function_target
from schemakit.kinds.privileges import PrivilegeDelta, grantee_sql, privilege_statements
from schemakit.kinds.schema import Schema
from schemakit.model import DbObject, Key, Model, qualified, quote_ident
from schemakit.kinds.composite import CompositeType
from schemakit.kinds.domain import Domain
from schemakit.kinds.enum import EnumType
from schemakit.kinds.range import RangeType
from schemakit.kinds.view import View
from schemakit.kinds.sequence import Sequence
from schemakit.kinds.table import Table
from schemakit.render.guard import Name, ident, render_change


@dataclass(frozen=True, slots=True)
class Grant(DbObject):
    """The privileges one grantee holds on one object (the owner's own are not modelled)."""

    kind: ClassVar[str] = "grant"
    on_kind: str  # table, view, materialized view, sequence, column, function, procedure, type, schema
    on: str  # the object's identity (the table's, for a column)
    grantee: str  # a role name, or PUBLIC
    privileges: tuple[str, ...]  # sorted: SELECT, INSERT, ...
    grantable: tuple[str, ...] = ()  # those held WITH GRANT OPTION
    column: str | None = None

    @property
    def identity(self) -> str:
        where = f"{self.on}.{quote_ident(self.column)}" if self.column is not None else self.on
        return f"{self.on_kind} {where} to {quote_ident(self.grantee) if self.grantee != 'PUBLIC' else 'PUBLIC'}"

    @property
    def object_key(self) -> Key:
        return ("table" if self.on_kind == "column" else self.on_kind, self.on)


def grant_from_row(r: tuple[Any, ...], on: str) -> Grant:
    """The first eight columns of one row of ``grant.sql``; ``on`` is the identity of
    the object (the table, for a column) its columns 2 to 4 name (the reader's
    ``edge_key``)."""
    on_kind, _schema, _name, _args, column, grantee, privileges, grantable = r[:8]
    return Grant(
        on_kind=on_kind,
        on=on,
        grantee=grantee,
        privileges=tuple(sorted(privileges)),
        grantable=tuple(sorted(grantable)),
        column=column,
    )


def folded_grants(
    grants: list[Grant], rows: list[tuple[Any, ...]], objects: Mapping[Key, DbObject]
) -> dict[Key, Key]:
    """Grants on the identity or serial sequence of a table's column (the last two
    columns of their ``grant.sql`` row name the table), which are not modelled: each
    grant's key → the table's key, kept with the table."""
    folded = {
        g.key: ("table", qualified(r[8] or "", r[9]))
        for g, r in zip(grants, rows)
        if g.object_key not in objects and r[8] is not None
    }
    return {k: t for k, t in folded.items() if t in objects}


def grant_depends(grants: list[Grant], objects: Mapping[Key, DbObject], folded: Mapping[Key, Key]) -> dict[Key, frozenset[Key]]:
    """What the grants read depend on: a folded one on its table, any other on its
    object; a column grant on the table-level one too (a table REVOKE takes the column
    privileges with it)."""
    depends = {key: frozenset({table}) for key, table in folded.items()}
    for g in grants:
        if g.object_key in objects:
            whole = Grant(on_kind=g.object_key[0], on=g.on, grantee=g.grantee, privileges=())
            depends[g.key] = frozenset({g.object_key} | ({whole.key} if g.column is not None else set()))
    return depends


@dataclass(frozen=True)
class SetGrant(PrivilegeDelta, Change):
    """Bring one grantee's privileges on one object from ``before`` to ``grant``:
    GRANT what is missing, REVOKE what is extra (both idempotent). ``before`` is what
    the target holds now, or, for an object this plan creates, what its default
    privileges will give it."""

    action: ClassVar[Action] = "alter"
    grant: Grant
    on: DbObject  # the object (the table, for a column), as desired
    before: tuple[str, ...] = ()
    before_grantable: tuple[str, ...] = ()

    @property
    def wanted(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.grant.privileges, self.grant.grantable

    def describe(self) -> str:
        g = self.grant
        where = f"{g.on}.{g.column}" if g.column else g.on
        return f"privileges on {g.on_kind} {where} for {g.grantee}: {self.what()}"


_DEFAULT_TYPE = {
    "table": "r",
    "view": "r",
    "materialized view": "r",
    "sequence": "S",
    "function": "f",
    "procedure": "f",
    "schema": "n",
    "type": "T",
}


def _implied(desired: Model, g: Grant) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What an object the plan creates gets for ``g.grantee`` without any GRANT:
    the desired default privileges for its schema and type (the plan sets them before
    it creates anything), built-in ones (PUBLIC EXECUTE on functions) included."""
    objtype = _DEFAULT_TYPE.get(g.on_kind)
    if objtype is None or g.column is not None:
        return (), ()
    obj = desired.get(g.object_key)
    schema = getattr(obj, "schema", None) if objtype != "n" else None
    return implied_privileges(desired, objtype, schema, g.grantee)


def diff_grants(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    """Privileges per (object, grantee). For an object the plan creates (or drops and
    creates again) the starting point is what default privileges give it, so a grant
    they already imply is never planned."""
    fresh = set(ctx.rebuilt) | {f.key for f, _ in ctx.functions} | set(ctx.tables) | ctx.types
    fresh |= {k for k in ctx.users if k[0] in ("function", "procedure")}
    old_grants, new_grants = current.of_class(Grant), desired.of_class(Grant)
    grantees = sorted({d.grantee for d in desired.of_class(DefaultPrivilege).values()})
    # Grantees a new object gets by default but the desired state does not list.
    for obj_key, obj in desired.objects.items():
        if obj_key in current.objects and obj_key not in fresh:
            continue
        on_kind = obj_key[0]
        if on_kind not in _DEFAULT_TYPE:
            continue
        for grantee in grantees:
            probe = Grant(on_kind=on_kind, on=obj_key[1], grantee=grantee, privileges=())
            if probe.key not in new_grants and _implied(desired, probe)[0]:
                new_grants[probe.key] = probe
    # The same for the sequences of identity and serial columns (folded into them).
    from schemakit.kinds.columns import serial
    from schemakit.kinds.owned_sequences import owned_sequence_grants  # which imports this module

    owned = owned_sequence_grants(current, desired, fresh, grantees, new_grants, serial)
    new_grants.update((k, g) for k, (g, _) in owned.items() if k not in old_grants)
    for key in sorted(old_grants.keys() | new_grants.keys()):
        old, new = old_grants.get(key), new_grants.get(key)
        target = new if new is not None else old
        assert target is not None
        folded = _folded_sequence_table(desired, target) or (owned[key][1] if key in owned else None)
        if folded is not None:
            yield from _folded_sequence_grant(current, desired, fresh, folded, old, new, target)
            continue
        if target.object_key not in desired.objects:
            continue  # the object goes, its privileges with it
        before: tuple[str, ...]
        before_grantable: tuple[str, ...]
        if target.object_key not in current.objects or target.object_key in fresh:
            before, before_grantable = _implied(desired, target)
        elif old is not None:
            before, before_grantable = old.privileges, old.grantable
        else:
            before, before_grantable = (), ()
        state = new if new is not None else Grant(
            on_kind=target.on_kind, on=target.on, grantee=target.grantee, privileges=(), column=target.column
        )
        if (before, before_grantable) != (state.privileges, state.grantable):
            on = desired.objects[target.object_key]
            yield SetGrant(grant=state, on=on, before=before, before_grantable=before_grantable)


def _folded_sequence_table(desired: Model, g: Grant) -> Key | None:
    """The table whose identity or serial sequence ``g`` is on (the catalog reader makes
    such a grant depend on that table only), when the desired state has that table."""
    if g.on_kind != "sequence" or g.object_key in desired.objects:
        return None
    deps = desired.depends.get(g.key, frozenset())
    tables = [d for d in deps if d[0] == "table" and d in desired.objects]
    return tables[0] if len(deps) == 1 and tables else None


def _folded_sequence_grant(
    current: Model, desired: Model, fresh: set[Key], table: Key, old: Grant | None, new: Grant | None, target: Grant
) -> Iterator[Change]:
    """A grant on a column's identity or serial sequence: from what the target's sequence
    has (or, when the plan creates the table, what default privileges give it)."""
    if table not in current.objects or table in fresh:
        owner = desired.objects[table]
        schema = getattr(owner, "schema", None)
        before, before_grantable = implied_privileges(desired, "S", schema, target.grantee)
    elif old is not None:
        before, before_grantable = old.privileges, old.grantable
    else:
        before, before_grantable = (), ()
    state = new if new is not None else Grant(on_kind="sequence", on=target.on, grantee=target.grantee, privileges=())
    if (before, before_grantable) != (state.privileges, state.grantable):
        schema, _, name = _split_qualified(target.on)
        on = Sequence(schema=schema, name=name, type="bigint", start=1, increment=1, minvalue=1, maxvalue=1, cache=1, cycle=False)
        yield SetGrant(grant=state, on=on, before=before, before_grantable=before_grantable)


def _split_qualified(identity: str) -> tuple[str, str, str]:
    """(schema, '.', name) of a qualified name as ``model.qualified`` writes it (parts
    double-quoted where needed, ``""`` for a quote)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(identity):
        ch = identity[i]
        if quoted:
            if ch == '"' and identity[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return (parts[0], ".", parts[-1]) if len(parts) > 1 else ("public", ".", parts[0])


def grant_target(obj: DbObject) -> sql.Composable:
    if isinstance(obj, Domain):
        return sql.SQL("DOMAIN {}").format(ident(obj.schema, obj.name))
    if isinstance(obj, (EnumType, CompositeType, RangeType)):
        return sql.SQL("TYPE {}").format(ident(obj.schema, obj.name))
    if isinstance(obj, Function):
        return function_target(obj)
    if isinstance(obj, Schema):
        return sql.SQL("SCHEMA {}").format(Name(obj.name))
    if isinstance(obj, Sequence):
        return sql.SQL("SEQUENCE {}").format(ident(obj.schema, obj.name))
    if isinstance(obj, (Table, View)):
        return sql.SQL("TABLE {}").format(ident(obj.schema, obj.name))
    raise TypeError(f"no GRANT for {obj.kind}")


@render_change.register
def render_set_grant(c: SetGrant) -> list[str]:
    g = c.grant

    def privileges(names: list[str]) -> sql.Composable:
        joined = sql.SQL(", ").join(sql.SQL(p) for p in names if p.isalpha())
        if g.column is None:
            return joined
        return sql.SQL("{} ({})").format(joined, Name(g.column))

    return privilege_statements(
        c, sql.SQL(""), grant_target(c.on), grantee_sql(g.grantee), privileges, revoke_all=g.column is None
    )


def grant_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, SetGrant) and c.grant.object_key in current.objects:
        return [Hazard(hz.AUTHZ_UPDATE, c.describe())]
    return []


GRANT = Kind(
    name="grant",
    ranks=(("grant", 13),),
    classes=(Grant,),
    differ=diff_grants,
    hazards=grant_hazards,
    statements=frozenset({"grant", "revoke"}),
)
