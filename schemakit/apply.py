"""Plan → live database, all or nothing.

1. Take a session-level advisory lock, so two applies never interleave.
2. Re-read the target: if it already equals the desired state, do nothing;
   if it is neither the planned-from nor the desired state, refuse (stale plan).
3. Run every statement in one transaction with ``lock_timeout`` set, and
   record a row in ``schemakit.history`` in that same transaction.
4. On any error roll back and report the failing statement.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

import psycopg
from psycopg import sql

from schemakit.catalog import read_model
from schemakit.errors import SchemakitError
from schemakit.plan import Plan
from schemakit.render.sql import SCRIPT_PREAMBLE
from schemakit.render.formats import script

LOCK_KEY = 0x5C4E_3A4B  # pg_advisory_lock key shared by every schemakit apply

HISTORY_DDL = (
    "CREATE SCHEMA IF NOT EXISTS schemakit",
    """CREATE TABLE IF NOT EXISTS schemakit.history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    applied_by text NOT NULL DEFAULT CURRENT_USER,
    from_fingerprint text NOT NULL,
    desired_fingerprint text NOT NULL,
    summary jsonb NOT NULL,
    plan_sql text NOT NULL
)""",
)


class StepLike(Protocol):
    """What apply needs of a step: a live plan's Step, or a saved plan's."""

    @property
    def sql(self) -> tuple[str, ...]: ...

    @property
    def summary(self) -> str: ...


class PlanLike(Protocol):
    """What apply needs of a plan: a Plan, or a SavedPlan loaded from JSON."""

    @property
    def steps(self) -> Sequence[StepLike]: ...

    @property
    def current_fingerprint(self) -> str: ...

    @property
    def desired_fingerprint(self) -> str: ...

    @property
    def empty(self) -> bool: ...

    def sql_script(self) -> str: ...


class Outcome(enum.Enum):
    APPLIED = "applied"
    ALREADY_CURRENT = "already current"
    NOTHING_TO_DO = "nothing to do"


class ApplyError(SchemakitError):
    """A statement failed; everything was rolled back."""

    def __init__(self, message: str, *, step: StepLike | None, statement: str | None, hint: str | None) -> None:
        super().__init__(message, hint=hint)
        self.step = step
        self.statement = statement


class StalePlanError(SchemakitError):
    """The target changed since the plan was made."""


@dataclass(frozen=True)
class ApplyResult:
    outcome: Outcome
    seconds: float
    statements: int = 0


def apply_plan(
    conn: psycopg.Connection[Any],
    plan: Plan | PlanLike,
    *,
    lock_timeout: str = "5s",
    statement_timeout: str = "0",
    progress: Callable[[int, int, Any], None] | None = None,
) -> ApplyResult:
    started = time.monotonic()
    conn.autocommit = True
    conn.execute("SELECT pg_catalog.pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        now = read_model(conn).fingerprint()
        if now == plan.desired_fingerprint and plan.current_fingerprint != plan.desired_fingerprint:
            return ApplyResult(Outcome.ALREADY_CURRENT, time.monotonic() - started)
        if now != plan.current_fingerprint:
            raise StalePlanError(
                "the plan is stale, re-plan: the database changed since the plan was made "
                f"(planned from state {plan.current_fingerprint}, found {now})",
                hint="plan again",
            )
        if plan.empty:
            return ApplyResult(Outcome.NOTHING_TO_DO, time.monotonic() - started)
        count = _run(conn, plan, lock_timeout, statement_timeout, progress)
        return ApplyResult(Outcome.APPLIED, time.monotonic() - started, count)
    finally:
        if not conn.closed:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.autocommit = True
            conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s)", (LOCK_KEY,))


def _run(
    conn: psycopg.Connection[Any],
    plan: Plan | PlanLike,
    lock_timeout: str,
    statement_timeout: str,
    progress: Callable[[int, int, Any], None] | None,
) -> int:
    conn.autocommit = False
    count = 0
    step: StepLike | None = None
    statement: str | None = None
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(lock_timeout)))
            cur.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(statement_timeout)))
            cur.execute(SCRIPT_PREAMBLE.replace("SET ", "SET LOCAL ", 1))
            for i, step in enumerate(plan.steps):
                if progress is not None:
                    progress(i, len(plan.steps), step)
                for statement in step.sql:
                    cur.execute(statement.encode())
                    count += 1
            step = statement = None
            for ddl in HISTORY_DDL:
                cur.execute(ddl.encode())
            cur.execute(
                "INSERT INTO schemakit.history (from_fingerprint, desired_fingerprint, summary, plan_sql) "
                "VALUES (%s, %s, %s::jsonb, %s)",
                (
                    plan.current_fingerprint,
                    plan.desired_fingerprint,
                    json.dumps([s.summary for s in plan.steps]),
                    script(plan) if isinstance(plan, Plan) else plan.sql_script(),
                ),
            )
        conn.commit()
    except psycopg.Error as exc:
        conn.rollback()
        diag = exc.diag
        message = diag.message_primary or str(exc).strip()
        if diag.sqlstate == "55P03":
            message = f"lock timeout ({lock_timeout}): another session holds a lock the plan needs: {message}"
        where = f" while applying: {step.summary}" if step is not None else ""
        raise ApplyError(
            f"{message}{where}",
            step=step,
            statement=statement,
            hint=(diag.message_hint or "nothing was changed: the whole apply was rolled back"),
        ) from None
    return count
