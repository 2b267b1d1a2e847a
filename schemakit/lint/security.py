"""Security rules on functions, views, extensions and keys (splinter's)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import pglast
from pglast import ast

from schemakit.lint.context import API_SCHEMAS, Context
from schemakit.lint.exprs import name, paren_columns
from schemakit.lint.findings import Finding, Subject, finding
from schemakit.lint.sources import scoped_subject
from schemakit.kinds.view import View
from schemakit.kinds.function import Function
from schemakit.platform import is_managed_schema
from schemakit.source.refs import walk

_INVOKER_ON = frozenset({"1", "true", "yes", "on"})


@lru_cache(maxsize=4096)
def _function_options(definition: str) -> tuple[bool, bool]:
    """(SECURITY DEFINER, a search_path of its own) from ``pg_get_functiondef``'s text."""
    try:
        stmt = pglast.parse_sql(definition)[0].stmt
    except pglast.parser.ParseError:
        return False, False
    definer = path = False
    for option in getattr(stmt, "options", None) or ():
        if not isinstance(option, ast.DefElem):
            continue
        if option.defname == "security" and isinstance(option.arg, ast.Boolean):
            definer = bool(option.arg.boolval)
        elif option.defname == "set" and isinstance(option.arg, ast.VariableSetStmt):
            path = path or option.arg.name == "search_path"
    return definer, path


def _user_functions(ctx: Context) -> list[Function]:
    return sorted((f for f in ctx.functions if not is_managed_schema(f.schema)), key=lambda f: f.identity)


def _function_subject(f: Function) -> Subject:
    return Subject(names=(f"{f.schema}.{f.name}",))


def _signature(f: Function) -> str:
    return f"{name(f.schema, f.name)}({f.arguments})"


def function_search_path_mutable(ctx: Context) -> Iterator[Finding]:
    for f in _user_functions(ctx):
        if _function_options(f.definition)[1]:
            continue
        kind = "PROCEDURE" if f.is_procedure else "FUNCTION"
        yield finding(
            "function_search_path_mutable",
            f"{kind.lower()} {f.identity}",
            f"{f.identity} has no search_path of its own: its names resolve through the caller's search_path",
            f"add SET search_path = '' to its definition and schema-qualify what its body uses, "
            f"or: ALTER {kind} {_signature(f)} SET search_path = '';",
            _function_subject(f),
        )


def _definer_executable(ctx: Context, role: str) -> Iterator[Finding]:
    for f in _user_functions(ctx):
        if f.is_procedure or not _function_options(f.definition)[0]:
            continue
        through = [g for g in ctx.api_grantees(f.key, "EXECUTE") if g in (role, "PUBLIC")]
        if not through:
            continue
        yield finding(
            f"{role}_security_definer_function_executable",
            f"function {f.identity}",
            f"SECURITY DEFINER function {f.identity} runs with its owner's rights and bypasses RLS; "
            f"{role} may execute it (through {', '.join(through)}) via /rest/v1/rpc/{f.name}",
            f"REVOKE EXECUTE ON FUNCTION {_signature(f)} FROM {', '.join(through)}; "
            "or make it SECURITY INVOKER, or move it to a schema the API does not expose",
            _function_subject(f),
        )


def anon_security_definer_function_executable(ctx: Context) -> Iterator[Finding]:
    yield from _definer_executable(ctx, "anon")


def authenticated_security_definer_function_executable(ctx: Context) -> Iterator[Finding]:
    yield from _definer_executable(ctx, "authenticated")


def _invoker(v: View) -> bool:
    for option in v.options:
        key, _, value = option.partition("=")
        if key.strip().lower() == "security_invoker" and value.strip().lower() in _INVOKER_ON:
            return True
    return False


def _api_views(ctx: Context) -> list[tuple[View, list[str]]]:
    """Views and materialized views of the API schemas that the API roles may select."""
    out = []
    for v in sorted(ctx.views, key=lambda v: v.identity):
        if v.schema in API_SCHEMAS:
            readers = ctx.api_grantees(v.key, "SELECT")
            if readers:
                out.append((v, readers))
    return out


def _view_subject(v: View) -> Subject:
    return Subject(names=(f"{v.schema}.{v.name}",))


def security_definer_view(ctx: Context) -> Iterator[Finding]:
    if 0 < ctx.model.server_version < 150000:
        return  # security_invoker came with PostgreSQL 15
    for v, readers in _api_views(ctx):
        if v.materialized or _invoker(v):
            continue
        yield finding(
            "security_definer_view",
            f"view {v.identity}",
            f"{', '.join(readers)} can read view {v.identity}, which runs with its owner's rights: "
            "the caller's row level security does not apply",
            f"ALTER VIEW {name(v.schema, v.name)} SET (security_invoker = on);",
            _view_subject(v),
        )


@lru_cache(maxsize=4096)
def _reads_auth_users(definition: str) -> bool:
    try:
        tree = pglast.parse_sql(definition)
    except pglast.parser.ParseError:
        return "auth.users" in definition
    return any(
        isinstance(n, ast.RangeVar) and n.schemaname == "auth" and n.relname == "users" for n in walk(tree)
    )


def auth_users_exposed(ctx: Context) -> Iterator[Finding]:
    for v, readers in _api_views(ctx):
        if (not v.materialized and _invoker(v)) or not _reads_auth_users(v.definition):
            continue
        kind = "materialized view" if v.materialized else "view"
        fix = f"REVOKE SELECT ON {name(v.schema, v.name)} FROM {', '.join(readers)};"
        if not v.materialized:
            fix += f" or ALTER VIEW {name(v.schema, v.name)} SET (security_invoker = on);"
        yield finding(
            "auth_users_exposed",
            f"{kind} {v.identity}",
            f"{kind} {v.identity} reads auth.users and {', '.join(readers)} can select it through the API",
            fix,
            _view_subject(v),
        )


def materialized_view_in_api(ctx: Context) -> Iterator[Finding]:
    for v, readers in _api_views(ctx):
        if v.materialized:
            yield finding(
                "materialized_view_in_api",
                f"materialized view {v.identity}",
                f"{', '.join(readers)} can select materialized view {v.identity} through the API, "
                "and materialized views have no row level security",
                f"REVOKE SELECT ON {name(v.schema, v.name)} FROM {', '.join(readers)}; "
                "or move it to a schema the API does not expose",
                _view_subject(v),
            )


def extension_in_public(ctx: Context) -> Iterator[Finding]:
    for e in sorted(ctx.extensions, key=lambda e: e.name):
        if e.schema == "public" and e.name != "plpgsql":
            yield finding(
                "extension_in_public",
                f"extension {e.name}",
                f"extension {e.name} is installed in the public schema, which the API exposes",
                f"CREATE EXTENSION {name(e.name)} WITH SCHEMA extensions; "
                f"(or ALTER EXTENSION {name(e.name)} SET SCHEMA extensions;)",
                Subject(names=(f"extension:{e.name}",)),
            )


def fkey_to_auth_unique(ctx: Context) -> Iterator[Finding]:
    """Every auth table's primary key is ``id``: a key to other columns references one
    of its unique constraints, which Supabase may change or drop."""
    for key in sorted(ctx.constraints):
        for c in ctx.constraints[key]:
            if c.type != "f" or is_managed_schema(c.schema):
                continue
            _, _, rest = c.definition.partition(" REFERENCES ")
            target = rest.partition("(")[0].strip()
            if not target.startswith("auth."):
                continue
            referenced = paren_columns(rest)
            if referenced == ("id",):
                continue
            columns = ", ".join(str(x) for x in referenced)
            yield finding(
                "fkey_to_auth_unique",
                f"constraint {c.identity}",
                f"foreign key {c.name} references {target}({columns}), a unique constraint of an auth table "
                "rather than its primary key",
                f"reference the primary key instead: ... REFERENCES {target}(id)",
                scoped_subject(c.schema, c.table, c.name),
            )


RULES = (
    function_search_path_mutable,
    security_definer_view,
    anon_security_definer_function_executable,
    authenticated_security_definer_function_executable,
    extension_in_public,
    auth_users_exposed,
    materialized_view_in_api,
    fkey_to_auth_unique,
)
