"""Row level security rules (splinter's): RLS on or off, policies that run per row,
overlap, let everything through, or trust what users can edit."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schemakit.lint.context import API_SCHEMAS, Context
from schemakit.lint.exprs import name, one_line, per_row_calls, without_comments, wrap_per_row_calls
from schemakit.lint.findings import Finding, Subject, finding
from schemakit.lint.sources import StatementIndex, scoped_subject, table_subject
from schemakit.kinds.policy import Policy
from schemakit.model import qualified
from schemakit.kinds.table import Table
from schemakit.platform import POLICY_TABLES, is_managed_schema

ACTIONS = ("SELECT", "INSERT", "UPDATE", "DELETE")
_ALWAYS_TRUE = frozenset({"true", "(true)", "1=1", "(1=1)"})
_BYPASSING = frozenset({"service_role", "postgres", "supabase_admin"})
"""Roles that bypass RLS on Supabase: their policies never run."""


def _linted_policies(ctx: Context) -> Iterator[tuple[Policy, Table | None]]:
    """The policies of user tables, and those the files declare on the platform's
    tables whose policies are the user's (storage.objects, realtime.messages): unlike
    splinter, which skips the platform's schemas, these are the project's policies."""
    for key in sorted(ctx.policies):
        yield from _linted_policies_of(ctx, key)


def _policy_object(p: Policy) -> str:
    return f"policy {p.identity}"


def _enable_rls(t: Table) -> str:
    return f"ALTER TABLE {name(t.schema, t.name)} ENABLE ROW LEVEL SECURITY;"


def rls_disabled_in_public(ctx: Context) -> Iterator[Finding]:
    for t in ctx.user_tables():
        if t.rls_enabled or t.schema not in API_SCHEMAS or t.partition_of is not None:
            continue
        readers = ctx.api_grantees(t.key, "SELECT")
        if not readers:
            continue
        yield finding(
            "rls_disabled_in_public",
            f"table {t.identity}",
            f"{', '.join(readers)} can read {t.identity} through the API, and row level security is disabled",
            f"{_enable_rls(t)} then add policies for who may see which rows",
            table_subject(t.schema, t.name),
        )


def rls_enabled_no_policy(ctx: Context) -> Iterator[Finding]:
    for t in ctx.user_tables():
        if t.rls_enabled and not ctx.policies.get(t.key):
            yield finding(
                "rls_enabled_no_policy",
                f"table {t.identity}",
                f"row level security is enabled on {t.identity} but it has no policy: no row is visible through the API",
                f"add a policy, e.g. CREATE POLICY \"owner reads\" ON {name(t.schema, t.name)} FOR SELECT "
                "TO authenticated USING ((select auth.uid()) = user_id);",
                table_subject(t.schema, t.name),
            )


def policy_exists_rls_disabled(ctx: Context) -> Iterator[Finding]:
    for t in ctx.user_tables():
        policies = ctx.policies.get(t.key)
        if policies and not t.rls_enabled:
            names = ", ".join(p.name for p in policies)
            yield finding(
                "policy_exists_rls_disabled",
                f"table {t.identity}",
                f"{t.identity} has policies ({names}) but row level security is disabled, so they are not applied",
                _enable_rls(t),
                table_subject(t.schema, t.name),
            )


def _initplan_fix(p: Policy, index: StatementIndex | None) -> str:
    subject = scoped_subject(p.schema, p.table, p.name)
    stmt = index.statement(subject) if index is not None else None
    if stmt is not None and stmt.kind == "create_policy":
        fixed = wrap_per_row_calls(without_comments(stmt.sql))
        if fixed is not None:
            return one_line(fixed) + ";"
    clauses = []
    for word, expr in (("USING", p.using), ("WITH CHECK", p.check)):
        wrapped = wrap_per_row_calls("SELECT " + expr) if expr else None
        if expr:
            clauses.append(f"{word} ({(wrapped or 'SELECT ' + expr)[len('SELECT '):]})")
    return f"ALTER POLICY {name(p.name)} ON {name(p.schema, p.table)} {' '.join(clauses)};"


def auth_rls_initplan(ctx: Context) -> Iterator[Finding]:
    for p, table in _linted_policies(ctx):
        if (table is not None and not table.rls_enabled) or set(p.roles) <= _BYPASSING:
            continue  # a policy only for roles that bypass RLS never runs
        calls = sorted(set(per_row_calls(p.using)) | set(per_row_calls(p.check)))
        if not calls:
            continue
        shown = ", ".join(f"{c}()" for c in calls)
        yield finding(
            "auth_rls_initplan",
            _policy_object(p),
            f"calls {shown} for each row; wrapped in a scalar sub-select, (select ...), it runs once per statement",
            _initplan_fix(p, ctx.index),
            scoped_subject(p.schema, p.table, p.name),
        )


def _applies(p: Policy, role: str) -> bool:
    return "public" in p.roles or role in p.roles


def multiple_permissive_policies(ctx: Context) -> Iterator[Finding]:
    for key in sorted(ctx.policies):
        table_policies = [p for p, _ in _linted_policies_of(ctx, key) if p.permissive]
        roles = sorted({r for p in table_policies for r in p.roles} - _BYPASSING)
        for action in ACTIONS:
            acting = [p for p in table_policies if p.command in (action, "ALL")]
            overlapping = [r for r in roles if sum(1 for p in acting if _applies(p, r)) > 1]
            if not overlapping:
                continue
            names = sorted(p.name for p in acting if any(_applies(p, r) for r in overlapping))
            schema, table = acting[0].schema, acting[0].table
            subject = Subject(names=tuple(f"{schema}.{table}.{n}" for n in names) + (f"{schema}.{table}",))
            yield finding(
                "multiple_permissive_policies",
                f"table {key[1]}",
                f"{len(names)} permissive policies for {action} apply to {', '.join(overlapping)}: "
                f"{', '.join(repr(n) for n in names)}; each runs for every row",
                _merge_fix([p for p in acting if p.name in names]),
                subject,
            )


def _service_role_check(p: Policy) -> bool:
    """A policy whose condition is the JWT's role being service_role: that role bypasses
    RLS, so for every other role the policy only costs its evaluation."""
    return any(e and "'service_role'" in e and ("current_setting" in e or "auth." in e) for e in (p.using, p.check))


def _merge_fix(policies: list[Policy]) -> str:
    service = [p for p in policies if _service_role_check(p)]
    if service:
        p = service[0]
        return (
            f"service_role bypasses RLS, so {p.name!r} only slows every other role down: drop it, or scope it: "
            f"ALTER POLICY {name(p.name)} ON {name(p.schema, p.table)} TO service_role;"
        )
    return "merge them into one policy per role and action (OR their conditions), or scope each with TO <role>"


def _linted_policies_of(ctx: Context, key: tuple[str, str]) -> list[tuple[Policy, Table | None]]:
    table = ctx.tables.get(key)
    if (table is None and key[1] not in POLICY_TABLES) or (table is not None and is_managed_schema(table.schema)):
        return []
    return [(p, table) for p in ctx.policies[key]]


def _normalized(expr: str | None) -> str:
    return re.sub(r"\s+", "", (expr or "").lower())


def _always_true(p: Policy) -> str | None:
    """Which clause lets every row through (splinter's patterns), or None."""
    using_true = _normalized(p.using) in _ALWAYS_TRUE
    lax_using = p.command in ("UPDATE", "DELETE", "ALL") and (using_true or p.using is None)
    lax_check = _normalized(p.check) in _ALWAYS_TRUE or (
        p.check is None and (p.command == "INSERT" or (p.command in ("UPDATE", "ALL") and using_true))
    )
    if lax_using and lax_check:
        return "both USING and WITH CHECK are always true"
    if lax_using:
        return "USING is always true"
    return "WITH CHECK is always true" if lax_check else None


def rls_policy_always_true(ctx: Context) -> Iterator[Finding]:
    for p, table in _linted_policies(ctx):
        if (table is not None and not table.rls_enabled) or not p.permissive:
            continue
        if not ({"public", "anon", "authenticated"} & set(p.roles)):
            continue
        why = _always_true(p)
        if why is None:
            continue
        yield finding(
            "rls_policy_always_true",
            _policy_object(p),
            f"{p.command} for {', '.join(p.roles)}: {why}, so row level security lets every row through",
            "restrict it to the rows the caller owns, e.g. USING ((select auth.uid()) = user_id) "
            "WITH CHECK ((select auth.uid()) = user_id), or grant the action to service_role only",
            scoped_subject(p.schema, p.table, p.name),
        )


_USER_METADATA = re.compile(r"(auth\.jwt\(\)|current_setting\(.*request\.jwt\.claims.*\)).*user_metadata", re.S)


def rls_references_user_metadata(ctx: Context) -> Iterator[Finding]:
    for p, _ in _linted_policies(ctx):
        if any(e and _USER_METADATA.search(e) for e in (p.using, p.check)):
            yield finding(
                "rls_references_user_metadata",
                _policy_object(p),
                "reads user_metadata from the JWT, which end users can set with updateUser()",
                "use app_metadata instead (auth.jwt() -> 'app_metadata'), which only the server can write",
                scoped_subject(p.schema, p.table, p.name),
            )


_BUCKET_ONLY = re.compile(r"^\(*\s*bucket_id\s*=\s*'((?:[^']|'')*)'(?:\s*::\s*[\w.]+)?\s*\)*$", re.I)


def _lists_bucket(p: Policy, bucket: str) -> bool:
    if p.command not in ("SELECT", "ALL") or not p.permissive:
        return False
    if not ({"public", "anon", "authenticated"} & set(p.roles)):
        return False
    if p.using is None or _normalized(p.using) in _ALWAYS_TRUE:
        return True
    match = _BUCKET_ONLY.match(p.using.strip())
    return match is not None and match.group(1).replace("''", "'") == bucket


def public_bucket_allows_listing(ctx: Context) -> Iterator[Finding]:
    objects = ctx.policies.get(("table", qualified("storage", "objects")), [])
    for bucket in sorted(ctx.buckets, key=lambda b: b.id):
        if not bucket.public:
            continue
        broad = [p.name for p in objects if _lists_bucket(p, bucket.id)]
        if broad:
            yield finding(
                "public_bucket_allows_listing",
                f"bucket {bucket.id}",
                f"public bucket {bucket.id!r} has broad SELECT policies on storage.objects ({', '.join(broad)}): "
                "clients can list all its files",
                "drop the broad SELECT policy (public object URLs work without it), or scope it to a folder: "
                "USING (bucket_id = '<id>' AND (select auth.uid())::text = (storage.foldername(name))[1])",
                Subject(bucket=bucket.id),
            )


RULES = (
    rls_disabled_in_public,
    rls_enabled_no_policy,
    policy_exists_rls_disabled,
    auth_rls_initplan,
    multiple_permissive_policies,
    rls_policy_always_true,
    rls_references_user_metadata,
    public_bucket_allows_listing,
)
