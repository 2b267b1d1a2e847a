"""Target profiles: plain PostgreSQL (``postgres``) or Supabase (``supabase``).

The shadow is the target's twin: a plain target's shadow database is created from
``template0``, without the Supabase baseline, so that a plan holds nothing the schema
files don't declare (no roles, grants or default privileges of any baseline). A
Supabase target's shadow is cloned from the baseline template.

The profile comes from ``--profile``, else the target (its ``auth`` schema and the
platform roles), else a snapshot's header (old snapshots without one: their content).

``--install-baseline`` on a plain target is a planned step (``InstallBaseline``): the
first step of the plan, whose SQL is the idempotent baseline script; nothing is
written before the apply, and a rolled-back apply leaves nothing (``CREATE ROLE`` is
transactional).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import pglast
import psycopg
from pglast import ast as pg_ast
from pglast import enums as pg_enums
from pglast.parser import scan
from pglast.stream import RawStream

from schemakit import hazards as hz
from schemakit.changes import Action, Change
from schemakit.model import DbObject, Model
from schemakit.plan import Plan, Step
from schemakit.render.guard import render_change
from schemakit.server.baseline import API_ROLES, baseline_sql
from schemakit.source import SourceError, SourceStatement, locate

__all__ = [
    "Profile",
    "detect_profile",
    "model_profile",
    "files_need_supabase",
    "uses_platform",
    "platform_missing",
    "InstallBaseline",
    "with_baseline_step",
    "default_privilege_roles",
    "check_default_privilege_roles",
    "for_shadow",
]


class Profile(str, enum.Enum):
    POSTGRES = "postgres"
    SUPABASE = "supabase"

    @property
    def baseline(self) -> bool:
        """Whether a shadow of this profile holds the Supabase baseline."""
        return self is Profile.SUPABASE


_DETECT = """
SELECT pg_catalog.to_regnamespace('auth') IS NOT NULL
   AND (SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = ANY (%s)) = %s
"""


def detect_profile(conn: psycopg.Connection[Any]) -> Profile:
    """``supabase`` when the database has the ``auth`` schema and the platform roles."""
    row = conn.execute(_DETECT, [list(API_ROLES), len(API_ROLES)]).fetchone()
    return Profile.SUPABASE if row is not None and row[0] else Profile.POSTGRES


def _mentions(value: Any, names: frozenset[str]) -> bool:
    if isinstance(value, str):
        return value in names
    if isinstance(value, dict):
        return any(_mentions(v, names) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_mentions(v, names) for v in value)
    return False


def model_profile(model: Model) -> Profile:
    """The profile a model (an old snapshot without a recorded one) was read from:
    ``supabase`` when it holds buckets, triggers on ``auth.users``, or grants, default
    privileges or policies naming the platform roles."""
    roles = frozenset(API_ROLES)
    for (kind, ident), obj in model.objects.items():
        if kind == "bucket" or (kind == "trigger" and ident.startswith("auth.users.")):
            return Profile.SUPABASE
        if _mentions(obj.to_json(), roles):
            return Profile.SUPABASE
    return Profile.POSTGRES


# -- the schema files' needs ------------------------------------------------------


#: The platform schemas the Supabase baseline creates. Files that use one of them (a
#: reference, or an object created in it) without creating it themselves need the
#: Supabase profile.
BASELINE_SCHEMAS: frozenset[str] = frozenset(
    {"auth", "storage", "extensions", "vault", "supabase_functions", "realtime", "graphql_public"}
)


def _own_schemas(statements: Sequence[SourceStatement]) -> frozenset[str]:
    return frozenset(p for s in statements if s.kind == "create_schema" for p in s.provides)


def _platform_names(stmt: SourceStatement, own: frozenset[str]) -> list[str]:
    """The names ``stmt`` requires, then the names it creates, in a baseline schema the
    files do not create (``extension:...`` keys name no schema)."""
    def platform(name: str) -> bool:
        schema = name.split(".")[0]
        return ":" not in name and schema in BASELINE_SCHEMAS and schema not in own

    return sorted(filter(platform, stmt.requires)) + sorted(filter(platform, stmt.provides))


def uses_platform(statements: Sequence[SourceStatement]) -> list[SourceStatement]:
    """Statements that need Supabase's platform schemas (auth, storage, extensions, ...)."""
    own = _own_schemas(statements)
    return [s for s in statements if s.kind == "bucket" or _platform_names(s, own)]


def files_need_supabase(statements: Sequence[SourceStatement]) -> bool:
    return bool(uses_platform(statements))


def _first_platform_token(stmt: SourceStatement, schemas: frozenset[str]) -> int | None:
    """1-based position in ``stmt.sql`` of the first identifier naming one of ``schemas``."""
    try:
        tokens = scan(stmt.sql)
    except Exception:
        return None
    for token in tokens:
        text = stmt.sql[token.start : token.end + 1]
        name = text[1:-1] if text.startswith('"') and text.endswith('"') else text.lower()
        if name in schemas:
            return token.start + 1
    return None


def platform_missing(statements: Sequence[SourceStatement], label: str) -> SourceError | None:
    """The located error for files that use the platform's schemas against a plain target
    (None when they don't)."""
    users = uses_platform(statements)
    if not users:
        return None
    first = users[0]
    names = _platform_names(first, _own_schemas(statements))
    required = [n for n in names if n in first.requires]
    name = required[0] if required else names[0].split(".")[0] if names else "storage.buckets"
    schema = name.split(".")[0]
    what = name if "." in name else f"schema {name}"
    position = _first_platform_token(first, frozenset({schema})) if names else None
    where = locate(first, position) if position else first.location
    return SourceError(
        f"{what} does not exist on {label}: it is a plain PostgreSQL database (profile postgres, "
        "without Supabase's platform schemas: auth, storage, extensions, ...), but the schema files use them",
        location=where,
        hint="pass --install-baseline to plan the installation of schemakit's minimal Supabase "
        "baseline into this database (for local and test databases), or point --db at a Supabase database",
        source_line=_line(first, where.line),
    )


def _line(stmt: SourceStatement, line: int) -> str | None:
    lines = stmt.sql.splitlines()
    index = line - stmt.location.line
    if not 0 <= index < len(lines):
        return None
    text = lines[index]
    return " " * (stmt.location.col - 1) + text if index == 0 else text


# -- --install-baseline as a planned step -------------------------------------------


@dataclass(frozen=True)
class Baseline(DbObject):
    kind: ClassVar[str] = "baseline"
    name: str = "supabase"

    @property
    def identity(self) -> str:
        return self.name


@dataclass(frozen=True)
class InstallBaseline(Change):
    action: ClassVar[Action] = "create"
    baseline: Baseline = Baseline()

    def describe(self) -> str:
        return (
            "baseline: install the Supabase baseline (roles anon, authenticated, service_role, ...; "
            "schemas auth, storage, extensions; Supabase's grants and default privileges)"
        )


@render_change.register
def render_install_baseline(c: InstallBaseline) -> list[str]:
    return [baseline_sql().strip()]


def with_baseline_step(plan: Plan) -> Plan:
    """``plan`` with the baseline's installation as its first step (in the main transaction)."""
    change = InstallBaseline()
    step = Step(
        change=change,
        sql=tuple(render_change(change)),
        hazards=(hz.Hazard(hz.AUTHZ_UPDATE, "creates cluster-wide roles and grants them privileges"),),
    )
    return replace(plan, steps=(step, *plan.steps))


# -- ALTER DEFAULT PRIVILEGES FOR ROLE <the connecting role> -------------------------


def _adp_nodes(stmt: SourceStatement) -> Iterator[pg_ast.AlterDefaultPrivilegesStmt]:
    if stmt.kind != "alter_default_privileges":
        return
    for raw in pglast.parse_sql(stmt.sql):
        if isinstance(raw.stmt, pg_ast.AlterDefaultPrivilegesStmt):
            yield raw.stmt


def _named_roles(node: pg_ast.AlterDefaultPrivilegesStmt) -> list[pg_ast.RoleSpec]:
    out: list[pg_ast.RoleSpec] = []
    for option in node.options or ():
        if isinstance(option, pg_ast.DefElem) and option.defname == "roles":
            out += [
                r
                for r in option.arg or ()
                if isinstance(r, pg_ast.RoleSpec) and r.roletype == pg_enums.RoleSpecType.ROLESPEC_CSTRING
            ]
    return out


def default_privilege_roles(stmt: SourceStatement) -> list[tuple[str, int]]:
    """The roles an ``ALTER DEFAULT PRIVILEGES`` statement names in ``FOR ROLE`` (by name,
    not CURRENT_USER), with their 0-based offsets in the statement's text."""
    return [(r.rolename or "", int(r.location or 0)) for node in _adp_nodes(stmt) for r in _named_roles(node)]


def check_default_privilege_roles(statements: Sequence[SourceStatement], role: str) -> None:
    """Raise a located SourceError for a ``FOR ROLE`` naming another role than ``role``
    (the role schemakit connects as, whose default privileges it manages)."""
    for stmt in statements:
        for name, offset in default_privilege_roles(stmt):
            if name == role:
                continue
            where = locate(stmt, offset + 1)
            raise SourceError(
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {name} is not allowed in schema files: schemakit "
                f"manages the default privileges of the role it connects as ({role}), the role that "
                "creates the objects",
                location=where,
                hint=f"leave out FOR ROLE, or write FOR ROLE {role} or FOR ROLE CURRENT_USER; another "
                "role's default privileges are set outside the schema files",
                source_line=_line(stmt, where.line),
            )


def for_shadow(stmt: SourceStatement) -> SourceStatement:
    """``stmt`` as the shadow loads it: ``FOR ROLE <name>`` becomes ``FOR ROLE CURRENT_USER``
    (the files' role is the target's connecting role; on the shadow, the loading role)."""
    if stmt.kind != "alter_default_privileges" or not default_privilege_roles(stmt):
        return stmt
    texts = []
    for node in _adp_nodes(stmt):
        for option in node.options or ():
            if isinstance(option, pg_ast.DefElem) and option.defname == "roles":
                option.arg = (pg_ast.RoleSpec(roletype=pg_enums.RoleSpecType.ROLESPEC_CURRENT_USER, location=-1),)
        texts.append(RawStream()(node))
    return replace(stmt, sql=";\n".join(texts))

