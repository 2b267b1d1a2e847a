"""Migration-safety rules on a plan (squawk's class), read from the plan's steps and the
hazards ``schemakit.plan`` already attaches to them: a finding here is a hazard with a
rule id, a level, the statement in the files and a fix. A hazard ``gates`` when its
table holds rows (or their number is unknown)."""

from __future__ import annotations

from collections.abc import Iterator

from schemakit import hazards as hz
from schemakit.kinds.enum import RenameEnumValue
from schemakit.kinds.columns import AddColumn, AlterColumn, DropColumn
from schemakit.kinds.table import DropTable
from schemakit.kinds.constraint import AddConstraint, ReplaceConstraint
from schemakit.kinds.index import CreateIndex, ReplaceIndex
from schemakit.lint.exprs import name
from schemakit.lint.findings import Finding, Subject, finding
from schemakit.lint.sources import scoped_subject, table_subject
from schemakit.plan import Plan, Step

_LOCKS = frozenset({hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, hz.ACQUIRES_SHARE_LOCK, hz.TABLE_REWRITE})


def _gates(step: Step, *names: str) -> bool:
    return any(h.name in names and h.gates for h in step.hazards)


def _has(step: Step, *names: str) -> bool:
    return any(h.name in names for h in step.hazards)


def _index_finding(step: Step) -> Iterator[Finding]:
    c = step.change
    index = c.index if isinstance(c, CreateIndex) else c.new if isinstance(c, ReplaceIndex) else None
    if index is None or not step.transactional or not _gates(step, hz.INDEX_BUILD):
        return
    concurrent = index.definition.replace(" INDEX ", " INDEX CONCURRENTLY ", 1)
    yield finding(
        "require_concurrent_index_creation",
        f"index {index.identity}",
        f"builds {index.name} on {index.table}, which holds rows, without CONCURRENTLY: writes wait for the build",
        f"plan or apply with --online, which runs {concurrent}; outside the transaction",
        Subject(names=(f"{index.schema}.{index.name}",)),
    )


def _constraint_finding(step: Step) -> Iterator[Finding]:
    c = step.change
    con = c.constraint if isinstance(c, AddConstraint) else c.new if isinstance(c, ReplaceConstraint) else None
    if con is None or not step.transactional or "NOT VALID" in con.definition:
        return
    if con.type not in ("f", "c") or not _gates(step, hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK):
        return
    yield finding(
        "constraint_missing_not_valid",
        f"constraint {con.identity}",
        f"adds {con.name} to {con.table}, which holds rows, and validates it at once under lock",
        f"plan or apply with --online: ALTER TABLE {name(con.schema, con.table)} ADD CONSTRAINT {name(con.name)} "
        f"{con.definition} NOT VALID; then VALIDATE CONSTRAINT {name(con.name)} outside the transaction",
        scoped_subject(con.schema, con.table, con.name),
    )


def _column_findings(step: Step) -> Iterator[Finding]:
    c = step.change
    if isinstance(c, AlterColumn):
        t = c.table
        where = f"column {t.identity}.{name(c.new.name)}"
        if c.old.type != c.new.type:
            yield finding(
                "changing_column_type",
                where,
                f"{c.new.name}: {c.old.type} → {c.new.type} rewrites {t.identity} under an ACCESS EXCLUSIVE lock",
                f"add a new {c.new.type} column, backfill it in batches, switch the code, then drop {c.new.name}",
                table_subject(t.schema, t.name),
            )
        if c.new.not_null and not c.old.not_null and step.transactional:
            yield finding(
                "setting_not_nullable_field",
                where,
                f"SET NOT NULL scans {t.identity} under an ACCESS EXCLUSIVE lock",
                f"plan or apply with --online: ALTER TABLE {name(t.schema, t.name)} ADD CONSTRAINT "
                f"{name(t.name + '_' + c.new.name + '_not_null')} CHECK ({name(c.new.name)} IS NOT NULL) NOT VALID; "
                "VALIDATE it, then SET NOT NULL (which uses the validated CHECK)",
                table_subject(t.schema, t.name),
            )
    elif isinstance(c, AddColumn) and c.column.volatile_default and _has(step, hz.TABLE_REWRITE):
        t = c.table
        yield finding(
            "adding_field_with_volatile_default",
            f"column {t.identity}.{name(c.column.name)}",
            f"{c.column.name} DEFAULT {c.column.default} is computed for every existing row: {t.identity} is rewritten under lock",
            f"add {c.column.name} without the default, backfill it in batches, then ALTER COLUMN {name(c.column.name)} "
            f"SET DEFAULT {c.column.default};",
            table_subject(t.schema, t.name),
        )


def _drop_and_rename_findings(step: Step) -> Iterator[Finding]:
    c = step.change
    if isinstance(c, DropTable):
        yield finding(
            "ban_drop_table",
            f"table {c.table.identity}",
            f"drops {c.table.identity} and all its rows",
            "back the data up first, and drop it only once no code reads it; apply needs --allow-destructive",
            table_subject(c.table.schema, c.table.name),
        )
    elif isinstance(c, DropColumn):
        yield finding(
            "ban_drop_column",
            f"column {c.table.identity}.{name(c.column.name)}",
            f"drops {c.column.name} of {c.table.identity} with its data",
            "stop reading and writing the column in the code first, deploy, then drop it; apply needs --allow-destructive",
            table_subject(c.table.schema, c.table.name),
        )
    elif isinstance(c, RenameEnumValue):
        yield finding(
            "renaming",
            f"type {c.enum.identity}",
            f"renames the value {c.old_value!r} of {c.enum.identity} to {c.new_value!r}: code that still writes "
            f"{c.old_value!r} fails",
            f"add {c.new_value!r}, move the code and the rows to it, then remove {c.old_value!r}",
            Subject(names=(f"{c.enum.schema}.{c.enum.name}",)),
        )


def _timeout_finding(plan: Plan) -> Iterator[Finding]:
    locked = sorted({h.table for s in plan.steps for h in s.hazards if h.name in _LOCKS and h.table})
    if not locked:
        return
    shown = ", ".join(locked[:3]) + (f" and {len(locked) - 3} more" if len(locked) > 3 else "")
    yield finding(
        "require_timeout_settings",
        "plan",
        f"the script locks existing tables ({shown}) and sets no lock_timeout: run by another tool, a lock it "
        "waits for queues every later query of the table",
        "apply it with `schemakit apply` (lock_timeout 5s, retried), or begin the script with SET lock_timeout = '5s';",
    )


def plan_findings(plan: Plan) -> list[Finding]:
    """The migration-safety findings of a plan, in step order."""
    out: list[Finding] = []
    for step in plan.steps:
        out.extend(_index_finding(step))
        out.extend(_constraint_finding(step))
        out.extend(_column_findings(step))
        out.extend(_drop_and_rename_findings(step))
    out.extend(_timeout_finding(plan))
    return out
