"""What a lint finding is: its rule, level, object, place and fix.

Model rules take splinter's names, levels and meanings (Supabase's database advisors);
plan rules are squawk's class of migration-safety checks, named after them. Every rule
is described once, in ``RULES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum

from schemakit.source import Location


class Level(IntEnum):
    """A finding's level; ``--fail-on`` compares with these."""

    INFO = 0
    WARN = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level:
        return cls[text.upper()]


MODEL = "model"
LIVE = "live"
PLAN = "plan"


@dataclass(frozen=True)
class Rule:
    """One rule: its id, default level, what it finds, and where it runs (``kind``:
    ``model`` on any model, ``live`` only with --db, ``plan`` on a plan)."""

    id: str
    level: Level
    category: str  # SECURITY, PERFORMANCE or MIGRATION
    description: str
    kind: str = MODEL


@dataclass(frozen=True)
class Subject:
    """How to find the statement that declares a finding's object: the names the
    loader records as what a statement provides (``schema.name``, ``schema.table.name``
    for policies, triggers and constraints, ``extension:name``), tried in order; or a
    bucket id."""

    names: tuple[str, ...] = ()
    bucket: str | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    level: Level
    object: str  # "policy \"p\" on public.users", "function public.f()", ...
    message: str
    fix: str  # one line; the corrected SQL where there is one
    subject: Subject = field(default=Subject(), compare=False)
    location: Location | None = None

    def at(self, location: Location | None) -> Finding:
        return replace(self, location=location)


@dataclass(frozen=True)
class LintReport:
    """The findings that count (sorted by place), and those a comment or ``--ignore``
    silenced."""

    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...] = ()
    ignored: tuple[str, ...] = ()

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.level == level)

    def fails(self, threshold: Level) -> bool:
        return any(f.level >= threshold for f in self.findings)


def _rules() -> dict[str, Rule]:
    S, P, M = "SECURITY", "PERFORMANCE", "MIGRATION"
    E, W, I = Level.ERROR, Level.WARN, Level.INFO
    items = [
        Rule("rls_disabled_in_public", E, S, "A table in an API schema that anon or authenticated can read has row level security disabled."),
        Rule("rls_enabled_no_policy", I, S, "Row level security is enabled on a table, but it has no policy: nobody but the owner and BYPASSRLS roles sees a row."),
        Rule("policy_exists_rls_disabled", E, S, "A table has policies, but row level security is not enabled, so they are not applied."),
        Rule("auth_rls_initplan", W, P, "A policy calls auth.<function>() or current_setting() for each row instead of once per statement."),
        Rule("function_search_path_mutable", W, S, "A function has no fixed search_path: what its names resolve to depends on the caller's."),
        Rule("security_definer_view", E, S, "A view that anon or authenticated can read runs with its owner's rights (no security_invoker), bypassing the caller's RLS."),
        Rule("anon_security_definer_function_executable", W, S, "A SECURITY DEFINER function that the anon role may execute (through /rest/v1/rpc)."),
        Rule("authenticated_security_definer_function_executable", W, S, "A SECURITY DEFINER function that the authenticated role may execute (through /rest/v1/rpc)."),
        Rule("multiple_permissive_policies", W, P, "Several permissive policies of a table apply to the same role and action: each one runs for every row."),
        Rule("rls_policy_always_true", W, S, "A permissive policy for anon, authenticated or everyone lets every row through (USING (true) or no WITH CHECK) for a write."),
        Rule("rls_references_user_metadata", E, S, "A policy reads user_metadata from the JWT, which end users can edit."),
        Rule("unindexed_foreign_keys", I, P, "A foreign key has no index that starts with its columns: deletes and joins scan the table."),
        Rule("duplicate_index", W, P, "Two indexes of a table are identical: one is enough."),
        Rule("no_primary_key", I, P, "A table has no primary key."),
        Rule("extension_in_public", W, S, "An extension is installed in the public schema."),
        Rule("auth_users_exposed", E, S, "A view or materialized view in an API schema reads auth.users and anon or authenticated can select it."),
        Rule("materialized_view_in_api", W, S, "A materialized view in an API schema is selectable by anon or authenticated (materialized views have no RLS)."),
        Rule("fkey_to_auth_unique", E, S, "A foreign key references a unique constraint of an auth table other than its primary key."),
        Rule("public_bucket_allows_listing", W, S, "A public bucket has a broad SELECT policy on storage.objects, so clients can list all its files."),
        Rule("unused_index", I, P, "An index has never been used since the statistics were reset (live database only).", LIVE),
        Rule("table_bloat", I, P, "A table holds much more space than its rows need (live database only).", LIVE),
        Rule("require_concurrent_index_creation", W, M, "An index is built without CONCURRENTLY on a table that holds rows: writes wait for the build.", PLAN),
        Rule("constraint_missing_not_valid", W, M, "A constraint is added to a table that holds rows without NOT VALID: the table is scanned under lock.", PLAN),
        Rule("changing_column_type", W, M, "A column's type changes: the table is rewritten under an ACCESS EXCLUSIVE lock.", PLAN),
        Rule("adding_field_with_volatile_default", W, M, "A column is added with a volatile default: every row is rewritten under lock.", PLAN),
        Rule("setting_not_nullable_field", W, M, "SET NOT NULL without a validated CHECK scans the table under an ACCESS EXCLUSIVE lock.", PLAN),
        Rule("ban_drop_column", E, M, "A column is dropped: its data is lost, and code that reads it breaks.", PLAN),
        Rule("ban_drop_table", E, M, "A table is dropped with its rows.", PLAN),
        Rule("renaming", W, M, "Something is renamed: code that still uses the old name breaks.", PLAN),
        Rule("require_timeout_settings", W, M, "The script takes locks on existing tables but sets no lock_timeout: a blocked lock queues every later query.", PLAN),
    ]
    return {r.id: r for r in items}


RULES: dict[str, Rule] = _rules()


def finding(rule: str, obj: str, message: str, fix: str, subject: Subject = Subject()) -> Finding:
    """A finding of ``rule`` at its default level."""
    return Finding(rule=rule, level=RULES[rule].level, object=obj, message=message, fix=fix, subject=subject)
