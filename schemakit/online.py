"""``--online``: rewrite a plan so that no step holds a blocking lock for long.

A post-pass over a finished :class:`~schemakit.plan.Plan` (rendering stays in
``render/sql.py``). On tables that already exist:

- ``CREATE INDEX`` becomes ``CREATE INDEX CONCURRENTLY``, which cannot run in a
  transaction: the step moves to the *online phase*, after the main transaction
  commits (``Step.transactional = False``). ``apply`` drops the invalid index a
  failed concurrent build leaves behind before it reports the error. A UNIQUE index
  stays in the transaction when the plan adds a foreign key (which may need it);
  a rebuilt index (ReplaceIndex) stays too;
- FOREIGN KEY and CHECK constraints are added ``NOT VALID`` in the main
  transaction (a brief lock, no scan) and ``VALIDATE``d in the online phase
  (SHARE UPDATE EXCLUSIVE: reads and writes go on);
- ``SET NOT NULL`` goes through a ``CHECK (col IS NOT NULL) NOT VALID``
  constraint, validated online; PostgreSQL then sets NOT NULL without a scan, and
  the helper constraint is dropped.

The hazards these paths avoid (ACQUIRES_SHARE_LOCK of the index build, the
ACCESS EXCLUSIVE scan of a validation) are removed from the rewritten steps;
INDEX_BUILD stays on a concurrent build, shown but no longer gating: the
build takes time and I/O but blocks no writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pglast
from pglast.stream import RawStream
from psycopg import sql

from schemakit import hazards as hz
from schemakit.kinds.constraint import AddConstraint, ReplaceConstraint
from schemakit.kinds.index import CreateIndex
from schemakit.kinds.columns import AlterColumn
from schemakit.kinds.constraint import Constraint, constraint_probe
from schemakit.model import Model
from schemakit.plan import Plan, Step
from schemakit.render.guard import Name, guard, ident, text

NOT_VALID = " NOT VALID"
VALIDATABLE = frozenset({"c", "f"})  # constraint types PostgreSQL can add NOT VALID


def online_plan(plan: Plan, current: Model) -> Plan:
    """The same plan, with the online paths above; steps moved out of the transaction
    keep their relative order and run after it."""
    new_fks = any(_adds_fk(step.change) for step in plan.steps)
    steps: list[Step] = []
    for step in plan.steps:
        steps.extend(_rewrite(step, current, new_fks))
    main = [s for s in steps if s.transactional]
    return replace(plan, steps=(*main, *(s for s in steps if not s.transactional)))


def _adds_fk(c: object) -> bool:
    new = c.constraint if isinstance(c, AddConstraint) else c.new if isinstance(c, ReplaceConstraint) else None
    return new is not None and new.type == "f"


def _rewrite(step: Step, current: Model, new_fks: bool) -> list[Step]:
    c = step.change
    table_key = c.subject.owner_key or c.key
    if table_key not in current.objects:
        return [step]  # a table created by this plan has no readers to block
    if isinstance(c, CreateIndex) and not c.table_is_new:
        if new_fks and c.index.definition.startswith("CREATE UNIQUE"):
            return [step]  # a foreign key added in the main transaction may need this index
        return [_concurrent_index(step, c)]
    if isinstance(c, (AddConstraint, ReplaceConstraint)):
        new = c.constraint if isinstance(c, AddConstraint) else c.new
        if new.type in VALIDATABLE:
            return _not_valid_then_validate(step, c, new)
    if isinstance(c, AlterColumn) and c.new.not_null and not c.old.not_null:
        return _not_null_through_check(step, c)
    return [step]


def _without(step: Step, name: str, detail_contains: str = "") -> tuple[hz.Hazard, ...]:
    return tuple(h for h in step.hazards if not (h.name == name and detail_contains in h.detail))


# -- indexes ---------------------------------------------------------------------


def concurrently(definition: str) -> str:
    """``CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS ...`` from a catalog definition."""
    for prefix in ("CREATE INDEX ", "CREATE UNIQUE INDEX "):
        if definition.startswith(prefix):  # pg_get_indexdef's fixed prefix: no need to parse
            return f"{prefix}CONCURRENTLY IF NOT EXISTS {definition[len(prefix):]}"
    stmt = pglast.parse_sql(definition)[0].stmt
    assert stmt is not None
    stmt.concurrent = True
    stmt.if_not_exists = True
    return str(RawStream()(stmt))


def _concurrent_index(step: Step, c: CreateIndex) -> Step:
    # The live plan's first statement (when there are two) drops an INVALID
    # leftover of an earlier failed build; a DO block runs fine outside a transaction.
    before = step.sql[:-1]
    return replace(
        step,
        sql=(*before, concurrently(c.index.definition)),
        # The build still takes time and I/O, but blocks no writes: shown, not gating.
        hazards=tuple(
            replace(h, gates=False) if h.name == hz.INDEX_BUILD else h for h in _without(step, hz.ACQUIRES_SHARE_LOCK)
        ),
        transactional=False,
    )


# -- constraints -----------------------------------------------------------------


def _add_not_valid(k: Constraint) -> str:
    return text(
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} NOT VALID").format(
            ident(k.schema, k.table), Name(k.name), sql.SQL(k.definition)
        )
    )


def _validate(schema: str, table: str, name: str) -> str:
    return text(
        sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(ident(schema, table), Name(name))
    )


def _not_valid_then_validate(step: Step, c: AddConstraint | ReplaceConstraint, new: Constraint) -> list[Step]:
    actions = [_add_not_valid(new)]
    origin: str | None = None
    if isinstance(c, ReplaceConstraint):
        actions.insert(
            0,
            text(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(
                    ident(c.old.schema, c.old.table), Name(c.old.name)
                )
            ),
        )
        origin = c.old.definition
    add = guard(
        what=f"constraint {new.identity}",
        probe=constraint_probe(new),
        target=new.definition + NOT_VALID,
        origin=origin,
        actions=actions,
        strict=False,  # already added (valid or not): leave it to VALIDATE
    )
    main = replace(step, sql=(add,), hazards=_without(step, hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK))
    validate = Step(
        change=c,
        sql=(_validate(new.schema, new.table, new.name),),
        hazards=(),
        transactional=False,
    )
    return [main, validate]


# -- NOT NULL --------------------------------------------------------------------


def helper_check_name(column: str) -> str:
    """A name for the temporary ``IS NOT NULL`` check, at most 63 bytes."""
    digest = hashlib.sha256(column.encode()).hexdigest()[:8]
    return f"schemakit_nn_{digest}"


def _not_null_through_check(step: Step, c: AlterColumn) -> list[Step]:
    t, col = c.table, c.new.name
    table = ident(t.schema, t.name)
    set_not_null = text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(table, Name(col)))
    if set_not_null not in step.sql:
        return [step]  # rendered some other way: leave the step alone
    check = helper_check_name(col)
    rest = tuple(s for s in step.sql if s != set_not_null)
    prepare = (
        text(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(table, Name(check))),
        text(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID").format(
                table, Name(check), Name(col)
            )
        ),
    )
    main = replace(
        step,
        sql=(*rest, *prepare),
        hazards=_without(step, hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, "SET NOT NULL"),
    )
    finish = Step(
        change=c,
        sql=(
            _validate(t.schema, t.name, check),
            set_not_null,
            text(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(table, Name(check))),
        ),
        hazards=(),
        transactional=False,
    )
    return [main, finish]
