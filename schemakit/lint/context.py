"""One pass over a model, grouped the way the rules read it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from schemakit.kinds.policy import Policy
from schemakit.model import Key, Model
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.index import Index
from schemakit.kinds.view import View
from schemakit.kinds.bucket import Bucket
from schemakit.kinds.extension import Extension
from schemakit.kinds.function import Function
from schemakit.kinds.grant import Grant
from schemakit.kinds.table import Table
from schemakit.lint.sources import StatementIndex
from schemakit.platform import is_managed_schema

API_SCHEMAS = frozenset({"public", "graphql_public"})
"""Schemas PostgREST exposes on a Supabase project by default (``pgrst.db_schemas``)."""
API_ROLES = ("anon", "authenticated")


@dataclass
class Context:
    model: Model
    index: StatementIndex | None = None  # the schema files' statements, when there are files
    tables: dict[Key, Table] = field(default_factory=dict)
    views: list[View] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    policies: dict[Key, list[Policy]] = field(default_factory=lambda: defaultdict(list))
    constraints: dict[Key, list[Constraint]] = field(default_factory=lambda: defaultdict(list))
    indexes: dict[Key, list[Index]] = field(default_factory=lambda: defaultdict(list))
    grants: dict[Key, list[Grant]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, model: Model, index: StatementIndex | None = None) -> Context:
        ctx = cls(model, index)
        for key, obj in model.objects.items():
            if isinstance(obj, Table):
                ctx.tables[key] = obj
            elif isinstance(obj, Policy):
                ctx.policies[obj.owner_key].append(obj)
            elif isinstance(obj, Constraint):
                ctx.constraints[obj.owner_key].append(obj)
            elif isinstance(obj, Index):
                ctx.indexes[obj.owner_key].append(obj)
            elif isinstance(obj, Grant):
                ctx.grants[obj.object_key].append(obj)
            elif isinstance(obj, View):
                ctx.views.append(obj)
            elif isinstance(obj, Function):
                ctx.functions.append(obj)
            elif isinstance(obj, Extension):
                ctx.extensions.append(obj)
            elif isinstance(obj, Bucket):
                ctx.buckets.append(obj)
        for policies in ctx.policies.values():
            policies.sort(key=lambda p: p.name)
        return ctx

    def user_tables(self) -> list[Table]:
        """Tables outside the platform's schemas, by identity."""
        return sorted((t for t in self.tables.values() if not is_managed_schema(t.schema)), key=lambda t: t.identity)

    def holders(self, key: Key, privilege: str) -> set[str]:
        """The grantees holding ``privilege`` on the object (PUBLIC for everyone)."""
        return {g.grantee for g in self.grants.get(key, ()) if g.column is None and privilege in g.privileges}

    def api_grantees(self, key: Key, privilege: str) -> list[str]:
        """Which of anon, authenticated and PUBLIC hold ``privilege``: those through
        whom the API roles have it."""
        held = self.holders(key, privilege)
        return [r for r in (*API_ROLES, "PUBLIC") if r in held]
