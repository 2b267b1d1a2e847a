"""Which phase of an apply a step runs in (DESIGN.md section 7).

1. ``ENUM_VALUES``: ``ALTER TYPE ... ADD VALUE`` steps, committed first in a
   transaction of their own: PostgreSQL refuses to *use* a new enum value (in a
   default, a check, a function body) in the transaction that added it.
2. ``MAIN``: everything else, in one transaction.
3. ``ONLINE``: steps with ``transactional = False`` (from ``--online``), each
   statement on its own after the main transaction committed.

Works on a live plan's steps and on a saved plan's alike: it reads only the
steps' SQL and their ``transactional`` flag.
"""

from __future__ import annotations

from typing import Any

import pglast

ENUM_VALUES = "enum values"
MAIN = "main"
ONLINE = "online"
ORDER = (ENUM_VALUES, MAIN, ONLINE)


def single_statement(statement: str) -> Any:
    """The parse tree of a text holding exactly one statement, else None."""
    try:
        stmts = pglast.parse_sql(statement)
    except pglast.parser.ParseError:
        return None
    return stmts[0].stmt if len(stmts) == 1 else None


def adds_enum_value(statement: str) -> bool:
    """``ALTER TYPE name ADD VALUE ...`` (not a rename of a value)."""
    if not statement.lstrip().upper().startswith("ALTER TYPE"):
        return False
    stmt = single_statement(statement)
    return isinstance(stmt, pglast.ast.AlterEnumStmt) and stmt.newVal is not None and stmt.oldVal is None


WITH_ENUM_VALUES = "-- schemakit: runs with the new enum values\n"
"""Starts a statement that must run in the enum values' phase: the rename of a type
that gains values (schemakit.renames), before they are added under its new name."""


def phase_of(step: Any) -> str:
    if not getattr(step, "transactional", True):
        return ONLINE
    if step.sql and all(adds_enum_value(s) or s.startswith(WITH_ENUM_VALUES) for s in step.sql):
        return ENUM_VALUES
    return MAIN


def by_phase(steps: Any) -> dict[str, list[Any]]:
    """The steps of each phase, in plan order within a phase."""
    out: dict[str, list[Any]] = {p: [] for p in ORDER}
    for step in steps:
        out[phase_of(step)].append(step)
    return out
