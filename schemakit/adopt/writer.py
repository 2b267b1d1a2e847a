"""Write an imported model as schema files: plain statements, one per object, planned
from what a fresh database of the same platform holds (so the platform's objects, and
the grants default privileges already give, are left out), in one of three layouts:

- ``by-table``: one file per table (``<schema>.<table>.sql``) with its columns,
  constraints, indexes, triggers, policies, grants, comments and declared rows; the
  rest in a file per kind (``functions.sql``, ``types.sql``, ``views.sql``, ...);
- ``by-kind``: one file per kind (tables, constraints, indexes, policies, ...);
- ``single``: ``schema.sql``.

The files load with schemakit's loader (which orders the statements itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from schemakit import changes as ch
from schemakit.adopt.importer import Imported
from schemakit.adopt.plain import INLINE_TYPES, NotDeclarative, create_table, insert_rows, plain, pretty
from schemakit.model import Model
from schemakit.kinds.collation import Collation
from schemakit.kinds.composite import CompositeType
from schemakit.kinds.domain import Domain
from schemakit.kinds.enum import EnumType
from schemakit.kinds.range import RangeType
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.index import Index
from schemakit.kinds.view import View
from schemakit.kinds.function import Function
from schemakit.kinds.schema import Schema
from schemakit.kinds.sequence import Sequence
from schemakit.kinds.table import Table
from schemakit.kinds.policy import CreatePolicy, Policy
from schemakit.kinds.trigger import CreateTrigger, Trigger
from schemakit.plan import Plan
from schemakit.workflow import plan_models
from schemakit.kinds.sequence import CreateSequence
from schemakit.kinds.table import CreateTable, SetPartitionOf, SetReplicaIdentity, SetRowSecurity
from schemakit.kinds.bucket import UpsertBucket
from schemakit.kinds.comment import SetComment
from schemakit.kinds.default_privilege import SetDefaultPrivilege
from schemakit.kinds.extension import CreateExtension
from schemakit.kinds.function import CreateFunction
from schemakit.kinds.grant import SetGrant
from schemakit.kinds.publication import AlterPublication, CreatePublication
from schemakit.kinds.rows import SyncRows
from schemakit.kinds.schema import CreateSchema
from schemakit.kinds.constraint import AddConstraint
from schemakit.kinds.index import CreateIndex
from schemakit.kinds.view import CreateView
from schemakit.kinds.collation import CreateCollation
from schemakit.kinds.composite import CreateComposite
from schemakit.kinds.domain import CreateDomain
from schemakit.kinds.enum import CreateEnum
from schemakit.kinds.range import CreateRange
from schemakit.adopt.layout import Layout


# The file (by kind) of each change class; by table, a table's own changes go to its file.
_KIND: dict[type, str] = {
    CreateSchema: "schemas",
    CreateExtension: "extensions",
    CreateEnum: "types",
    CreateDomain: "types",
    CreateComposite: "types",
    CreateRange: "types",
    CreateCollation: "types",
    CreateSequence: "sequences",
    CreateTable: "tables",
    SetRowSecurity: "tables",
    SetReplicaIdentity: "tables",
    SetPartitionOf: "tables",
    AddConstraint: "constraints",
    CreateIndex: "indexes",
    CreateFunction: "functions",
    CreateTrigger: "triggers",
    CreatePolicy: "policies",
    CreateView: "views",
    SetGrant: "grants",
    SetDefaultPrivilege: "default_privileges",
    SetComment: "comments",
    CreatePublication: "publications",
    AlterPublication: "publications",
    UpsertBucket: "storage_buckets",
    SyncRows: "rows",
}
# by-table: the kinds that belong with a table, and the order of the kind files.
_ORDER = (
    "extensions",
    "schemas",
    "default_privileges",
    "types",
    "sequences",
    "functions",
    "tables",
    "constraints",
    "indexes",
    "views",
    "triggers",
    "policies",
    "grants",
    "comments",
    "publications",
    "storage_buckets",
    "rows",
    "other",
)


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    statements: int


@dataclass(frozen=True)
class Written:
    files: tuple[WrittenFile, ...]
    skipped: tuple[str, ...]  # changes with no declarative form, not written

    @property
    def statements(self) -> int:
        return sum(f.statements for f in self.files)


def creation_plan(imported: Imported) -> Plan:
    """The plan from a fresh database of the imported profile to the imported model."""
    return plan_models(imported.pristine, imported.model)


def _table_of(change: ch.Change) -> str | None:
    """The table (identity) a change belongs with, by table; None for the kind files."""
    subject = change.subject
    if isinstance(change, SetGrant):
        subject = change.on
    elif isinstance(change, SetComment):
        subject = change.target
    if isinstance(subject, Table):
        return subject.identity
    if isinstance(subject, (Constraint, Index, Trigger, Policy)) or isinstance(change, SyncRows):
        owner = subject.owner_key
        if owner is not None and owner[0] == "table":
            return owner[1]
    return None


def _file_name(table: str) -> str:
    """A file name for a table identity (quotes, slashes and spaces made safe)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", table.replace('"', "")).strip("_.") or "table"
    return f"{name}.sql"


def _inlined(plan: Plan) -> dict[str, list[Constraint]]:
    """The constraints written inside their table's CREATE TABLE: primary keys, unique,
    check and exclusion constraints of the tables the plan creates (not partitions)."""
    created = {
        s.change.table.identity
        for s in plan.steps
        if isinstance(s.change, CreateTable) and s.change.table.partition_of is None
    }
    out: dict[str, list[Constraint]] = {}
    for s in plan.steps:
        if (
            isinstance(s.change, AddConstraint)
            and s.change.constraint.type in INLINE_TYPES
            # NOT VALID means nothing in CREATE TABLE (the constraint is made valid).
            and not s.change.constraint.definition.endswith("NOT VALID")
        ):
            k = s.change.constraint
            owner = k.owner_key
            if owner is not None and owner[1] in created:
                out.setdefault(owner[1], []).append(k)
    return out


def group(plan: Plan, layout: Layout, plan_model: Model) -> tuple[dict[str, list[str]], list[str]]:
    """File name → prettified statements, in plan order; and the changes left out."""
    files: dict[str, list[tuple[int, str]]] = {}
    skipped: list[str] = []
    inline = _inlined(plan)
    folded = {id(k) for ks in inline.values() for k in ks}
    for step in plan.steps:
        change = step.change
        if isinstance(change, AddConstraint) and id(change.constraint) in folded:
            continue
        try:
            if isinstance(change, CreateTable):
                statements = [pretty(s) for s in create_table(change, inline.get(change.table.identity, ()))]
            elif isinstance(change, SyncRows):
                of = plan_model.get(("table", change.rows.identity))
                statements = [pretty(s) for s in insert_rows(change, of if isinstance(of, Table) else None)]
            else:
                statements = [pretty(s) for s in plain(change)]
        except NotDeclarative as exc:
            skipped.append(str(exc))
            continue
        if not statements:
            continue
        kind = _KIND.get(type(change), "other")
        table = _table_of(change) if layout is Layout.by_table else None
        if layout is Layout.single:
            name = "schema.sql"
        elif table is not None:
            name = _file_name(table)
        elif layout is Layout.by_table:
            name = f"{_home_kind(change) or kind}.sql"
        else:
            name = f"{kind}.sql"
        files.setdefault(name, []).extend((_RANK.get(kind, len(_ORDER)), s) for s in statements)
    # Within a file, by kind (a table, then its constraints, indexes, ... comments), else in plan order.
    return {name: [s for _, s in sorted(items, key=lambda item: item[0])] for name, items in files.items()}, skipped


_RANK = {k: i for i, k in enumerate(_ORDER)}
# by-table: a grant or comment on something other than a table goes with its object's kind.
_HOME: tuple[tuple[type, str], ...] = (
    (Function, "functions"),
    (View, "views"),
    (Sequence, "sequences"),
    (Schema, "schemas"),
    (EnumType, "types"),
    (Domain, "types"),
    (CompositeType, "types"),
    (RangeType, "types"),
    (Collation, "types"),
)


def _home_kind(change: ch.Change) -> str | None:
    if isinstance(change, SetGrant):
        target = change.on
    elif isinstance(change, SetComment):
        target = change.target
    else:
        return None
    return next((kind for klass, kind in _HOME if isinstance(target, klass)), None)


def _sort_key(kinds: Callable[[str], int]) -> Callable[[str], tuple[int, str]]:
    return lambda name: (kinds(name), name)


def write_files(imported: Imported, out: Path, layout: Layout = Layout.by_table) -> Written:
    """Write the files into ``out`` (created; ``*.sql`` files already there are an error)."""
    plan = creation_plan(imported)
    files, skipped = group(plan, layout, imported.model)
    out.mkdir(parents=True, exist_ok=True)
    header = f"-- Imported by `schemakit import` from {imported.source}.\n"
    written = []
    kind_files = {f"{k}.sql": i for i, k in enumerate(_ORDER)}
    for name in sorted(files, key=_sort_key(lambda n: kind_files.get(n, len(_ORDER)))):
        path = out / name
        body = "\n\n".join(files[name])
        path.write_text(header + "\n" + body + "\n", encoding="utf-8")
        written.append(WrittenFile(path, len(files[name])))
    return Written(tuple(written), tuple(skipped))
