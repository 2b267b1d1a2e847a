"""Default privileges (ALTER DEFAULT PRIVILEGES), in one place: the model class and
``DEFAULT_OBJECT_TYPES``, ``implied_privileges`` (what a new object gets from them,
which the grants' differ starts from), the change, the differ, the renderer and the
rank. Default privileges are diffed late (after publications and rows) but ranked 1:
the plan sets them before it creates anything.

Its catalog query is ``default_privilege.sql`` (``default_privilege_from_row``,
``default_privilege_depends``), read last.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from psycopg import sql

from schemakit.changes import Action, Change
from schemakit.kinds.base import Context, Kind, no_hazards, pairs
from schemakit.kinds.privileges import PrivilegeDelta, grantee_sql, privilege_statements
from schemakit.model import DbObject, Key, Model, quote_ident
from schemakit.render.guard import Name, render_change


DEFAULT_OBJECT_TYPES: dict[str, str] = {
    "r": "tables",
    "S": "sequences",
    "f": "functions",
    "T": "types",
    "n": "schemas",
}
"""pg_default_acl.defaclobjtype → the word ALTER DEFAULT PRIVILEGES uses (upper-cased)."""


@dataclass(frozen=True, slots=True)
class DefaultPrivilege(DbObject):
    """What ALTER DEFAULT PRIVILEGES gives one grantee on the objects the connected role
    creates, in one schema (None: in every schema) and of one type (``objtype``, a
    pg_default_acl.defaclobjtype: r, S, f, T, n). In every schema this is the whole
    default, the built-in part included (PUBLIC EXECUTE on functions, PUBLIC USAGE on
    types); in one schema, what is added to it there."""

    kind: ClassVar[str] = "default privilege"
    schema: str | None
    objtype: str
    grantee: str  # a role name, or PUBLIC
    privileges: tuple[str, ...]  # sorted
    grantable: tuple[str, ...] = ()  # those given WITH GRANT OPTION

    @property
    def identity(self) -> str:
        where = quote_ident(self.schema) if self.schema is not None else "*"
        to = quote_ident(self.grantee) if self.grantee != "PUBLIC" else "PUBLIC"
        return f"{where}:{DEFAULT_OBJECT_TYPES.get(self.objtype, self.objtype)}:{to}"

    @property
    def objects(self) -> str:
        """TABLES, SEQUENCES, FUNCTIONS, TYPES or SCHEMAS."""
        return DEFAULT_OBJECT_TYPES[self.objtype].upper()


def default_privilege_from_row(r: tuple[Any, ...]) -> DefaultPrivilege:
    """One row of ``default_privilege.sql``."""
    return DefaultPrivilege(
        schema=r[0], objtype=r[1], grantee=r[2], privileges=tuple(sorted(r[3])), grantable=tuple(sorted(r[4]))
    )


def default_privilege_depends(d: DefaultPrivilege, objects: Mapping[Key, DbObject]) -> frozenset[Key] | None:
    """What a default privilege read from the catalog depends on: its schema, when modelled."""
    if d.schema is not None and ("schema", quote_ident(d.schema)) in objects:
        return frozenset({("schema", quote_ident(d.schema))})
    return None


def implied_privileges(model: Model, objtype: str, schema: str | None, grantee: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(privileges, those WITH GRANT OPTION) that a new object of ``objtype`` in ``schema``
    gets for ``grantee`` from the model's default privileges: the global ones plus the
    schema's."""
    privileges: set[str] = set()
    grantable: set[str] = set()
    for where in {None, schema}:
        d = model.objects.get(DefaultPrivilege(schema=where, objtype=objtype, grantee=grantee, privileges=()).key)
        if isinstance(d, DefaultPrivilege):
            privileges.update(d.privileges)
            grantable.update(d.grantable)
    return tuple(sorted(privileges)), tuple(sorted(grantable))


@dataclass(frozen=True)
class SetDefaultPrivilege(PrivilegeDelta, Change):
    """Bring what ALTER DEFAULT PRIVILEGES gives one grantee (in one schema, on one
    object type) from ``before`` to ``privilege``: GRANT what is missing, REVOKE what
    is extra. Both are idempotent: a second run changes nothing."""

    action: ClassVar[Action] = "alter"
    privilege: DefaultPrivilege
    before: tuple[str, ...] = ()
    before_grantable: tuple[str, ...] = ()

    @property
    def wanted(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.privilege.privileges, self.privilege.grantable

    def describe(self) -> str:
        d = self.privilege
        where = f" in schema {d.schema}" if d.schema is not None else ""
        return f"default privileges on {d.objects.lower()}{where} for {d.grantee}: {self.what()}"


def diff_default_privileges(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    """What ALTER DEFAULT PRIVILEGES gives, per (schema, object type, grantee). The
    defaults in a schema the plan drops go with it."""
    for old, new in pairs(current, desired, DefaultPrivilege):
        target = new if new is not None else old
        assert target is not None
        if target.schema is not None and ("schema", quote_ident(target.schema)) not in desired.objects:
            continue
        state = new if new is not None else replace(target, privileges=(), grantable=())
        before = old.privileges if old is not None else ()
        before_grantable = old.grantable if old is not None else ()
        if (before, before_grantable) != (state.privileges, state.grantable):
            yield SetDefaultPrivilege(privilege=state, before=before, before_grantable=before_grantable)


@render_change.register
def render_set_default_privilege(c: SetDefaultPrivilege) -> list[str]:
    d = c.privilege
    head: sql.Composable = sql.SQL("ALTER DEFAULT PRIVILEGES ")
    if d.schema is not None:
        head = sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} ").format(Name(d.schema))

    def privileges(names: list[str]) -> sql.Composable:
        return sql.SQL(", ").join(sql.SQL(p) for p in names if p.isalpha())

    return privilege_statements(c, head, sql.SQL(d.objects), grantee_sql(d.grantee), privileges, revoke_all=True)


DEFAULT_PRIVILEGE = Kind(
    name="default privilege",
    ranks=(("default privilege", 1),),
    classes=(DefaultPrivilege,),
    differ=diff_default_privileges,
    hazards=no_hazards,
    statements=frozenset({"alter_default_privileges"}),
)
