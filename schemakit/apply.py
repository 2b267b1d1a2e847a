"""Plan → live database, all or nothing (or, with ``--online``, in phases).

1. Take a session-level advisory lock, so two applies never interleave; it is
   held across every phase.
2. Re-read the target: if it already equals the desired state, do nothing;
   if it is neither the planned-from nor the desired state, refuse (stale plan).
3. *Enum values* (``schemakit.phases``): ``ALTER TYPE ... ADD VALUE`` steps commit
   first, in a transaction of their own, since the main transaction may use them.
   *Main phase*: run every other transactional step in one transaction with
   ``lock_timeout`` and ``statement_timeout`` set. When a lock is not granted in
   time, the transaction is rolled back by PostgreSQL anyway, so the whole
   transaction is retried, a bounded number of times with a doubling pause.
   When it finally fails, the message names the table and the sessions holding it.
4. *Online phase* (steps with ``transactional = False``, from ``--online``): each
   statement runs on its own, after the main transaction committed; a statement
   that hits the lock timeout is retried on its own. A failed
   ``CREATE INDEX CONCURRENTLY`` leaves an INVALID index: it is dropped before the
   error is reported.
5. A row in ``schemakit.history``: in the main transaction when there is no online
   phase, else in a transaction of its own once the online phase finished.

On any error the open transaction rolls back and the failing statement is
reported. A lost connection (a terminated backend, a crashed server) rolls the
uncommitted transaction back too: PostgreSQL never commits half a transaction.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

import pglast
import psycopg
from psycopg import sql

from schemakit.catalog import read_model
from schemakit.errors import EXIT_ERROR, EXIT_REFUSED, Interrupted, SchemakitError
from schemakit.phases import ENUM_VALUES, MAIN, ONLINE, by_phase, single_statement
from schemakit.plan import Plan
from schemakit.render.guard import SCRIPT_PREAMBLE, Name
from schemakit.render.formats import script

LOCK_KEY = 0x5C4E_3A4B  # pg_advisory_lock key shared by every schemakit apply
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"

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

# Who holds locks on the tables a failing step touches (all user tables when unknown).
LOCK_HOLDERS = """
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), l.mode, l.pid, a.state, a.application_name
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_catalog.pg_backend_pid()
  AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%'
  AND (pg_catalog.cardinality(%(tables)s::text[]) = 0
       OR c.oid IN (SELECT pg_catalog.to_regclass(x) FROM pg_catalog.unnest(%(tables)s::text[]) x))
ORDER BY l.mode = 'AccessExclusiveLock' DESC, 1, l.pid
LIMIT 5
"""


class StepLike(Protocol):
    """What apply needs of a step: a live plan's Step, or a saved plan's."""

    @property
    def sql(self) -> tuple[str, ...]: ...

    @property
    def summary(self) -> str: ...

    @property
    def transactional(self) -> bool: ...


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
    """A statement failed. ``committed``: whether earlier changes had already
    committed (a failure in the online phase); otherwise nothing was changed: exit 1."""

    exit_code = EXIT_ERROR

    def __init__(
        self,
        message: str,
        *,
        step: StepLike | None,
        statement: str | None,
        hint: str | None,
        committed: bool = False,
    ) -> None:
        super().__init__(message, hint=hint)
        self.step = step
        self.statement = statement
        self.committed = committed

    def lines(self) -> list[str]:
        out = [f"\nerror: {self.message}"]
        if self.statement:
            out.append("failing statement:\n" + indent(self.statement))
        if self.hint:
            out.append(f"hint: {self.hint}")
        if not self.committed:
            out.append("nothing was changed: the transaction was rolled back.")
        return out


def indent(text: str) -> str:
    """``text`` with each line indented by four spaces (a failing statement in a message)."""
    return "\n".join("    " + line for line in text.splitlines())


class StalePlanError(SchemakitError):
    """The target changed since the plan was made."""

    exit_code = EXIT_REFUSED


@dataclass(frozen=True)
class ApplyResult:
    outcome: Outcome
    seconds: float
    statements: int = 0
    attempts: int = 1  # of the main transaction


@dataclass(frozen=True)
class Settings:
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    lock_retries: int = 2  # retries after the first attempt
    retry_backoff: float = 0.5  # seconds before the first retry; doubles each time


Progress = Callable[[int, int, Any], None]
Notify = Callable[[str], None]


def apply_plan(
    conn: psycopg.Connection[Any],
    plan: Plan | PlanLike,
    *,
    lock_timeout: str = "5s",
    statement_timeout: str = "0",
    lock_retries: int = 2,
    retry_backoff: float = 0.5,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> ApplyResult:
    started = time.monotonic()
    settings = Settings(lock_timeout, statement_timeout, max(0, lock_retries), retry_backoff)
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
        count, attempts = execute_plan(conn, plan, settings, progress=progress, notify=notify)
        return ApplyResult(Outcome.APPLIED, time.monotonic() - started, count, attempts)
    finally:
        if not conn.closed and not conn.broken:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.autocommit = True
            conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s)", (LOCK_KEY,))


def execute_plan(
    conn: psycopg.Connection[Any],
    plan: Plan | PlanLike,
    settings: Settings,
    *,
    history: bool = True,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> tuple[int, int]:
    """Run the plan's phases (no lock, no fingerprint check: ``apply_plan`` does
    those; a rehearsal on a shadow calls this directly). Returns the number of
    statements run and the attempts the main transaction took."""
    steps = list(plan.steps)
    phased = by_phase(steps)
    enum_values, main, online = phased[ENUM_VALUES], phased[MAIN], phased[ONLINE]
    numbered = {id(s): i for i, s in enumerate(steps)}

    def tick(step: StepLike) -> None:
        if progress is not None:
            progress(numbered[id(step)], len(steps), step)

    count, attempts = 0, 1
    if enum_values:
        count, _ = _main_phase(conn, plan, enum_values, settings, False, tick, notify)
    if main or (history and not online):
        try:
            n, attempts = _main_phase(conn, plan, main, settings, history and not online, tick, notify)
        except ApplyError as exc:
            if enum_values and not exc.committed:
                exc.committed = True
                exc.hint = (
                    "the new enum values were committed before the main transaction, as PostgreSQL "
                    "requires, and stay (an unused enum value is harmless); the main transaction was "
                    "rolled back" + (f"; {exc.hint}" if exc.hint else "")
                )
            raise
        except KeyboardInterrupt:
            if not enum_values:
                raise
            raise Interrupted(
                "interrupted: the main transaction was rolled back; the new enum values, committed "
                "before it as PostgreSQL requires, stay (an unused enum value is harmless)"
            ) from None
        count += n
    if online:
        try:
            count += _online_phase(conn, online, settings, tick, notify, committed=bool(main or enum_values))
        except KeyboardInterrupt:
            raise Interrupted(
                "interrupted in the online phase, after the main transaction committed: "
                "the statement running was cancelled, the steps after it were not run",
                hint="plan again to see what is left (an interrupted CREATE INDEX CONCURRENTLY "
                "leaves an invalid index: drop it)",
            ) from None
        if history:
            _history_transaction(conn, plan)
    return count, attempts


# -- the main phase --------------------------------------------------------------


class _LockTimeout(Exception):
    def __init__(self, step: StepLike | None, statement: str | None, message: str) -> None:
        super().__init__(message)
        self.step = step
        self.statement = statement
        self.message = message


def _main_phase(
    conn: psycopg.Connection[Any],
    plan: Plan | PlanLike,
    steps: list[StepLike],
    settings: Settings,
    write_history: bool,
    tick: Callable[[StepLike], None],
    notify: Notify | None,
) -> tuple[int, int]:
    attempts = settings.lock_retries + 1
    for attempt in range(1, attempts + 1):
        try:
            return _transaction(conn, plan, steps, settings, write_history, tick), attempt
        except _LockTimeout as timeout:
            holders = _lock_holders(conn, timeout.step)
            if attempt == attempts:
                raise _lock_error(timeout, holders, settings, attempts, committed=False) from None
            pause = settings.retry_backoff * 2 ** (attempt - 1)
            if notify is not None:
                who = f": {holders[0]}" if holders else ""
                notify(
                    f"lock timeout ({settings.lock_timeout}) on attempt {attempt} of {attempts}{who}; "
                    f"the transaction was rolled back; retrying in {pause:g}s ..."
                )
            time.sleep(pause)
    raise AssertionError("unreachable")


def _set_timeouts(cur: psycopg.Cursor[Any], settings: Settings, local: bool) -> None:
    scope = sql.SQL("SET LOCAL" if local else "SET")
    cur.execute(sql.SQL("{} lock_timeout = {}").format(scope, sql.Literal(settings.lock_timeout)))
    cur.execute(sql.SQL("{} statement_timeout = {}").format(scope, sql.Literal(settings.statement_timeout)))


def _transaction(
    conn: psycopg.Connection[Any],
    plan: Plan | PlanLike,
    steps: list[StepLike],
    settings: Settings,
    write_history: bool,
    tick: Callable[[StepLike], None],
) -> int:
    conn.autocommit = False
    count = 0
    step: StepLike | None = None
    statement: str | None = None
    try:
        with conn.cursor() as cur:
            _set_timeouts(cur, settings, local=True)
            cur.execute(SCRIPT_PREAMBLE.replace("SET ", "SET LOCAL ", 1))
            for step in steps:
                tick(step)
                for statement in step.sql:
                    cur.execute(statement.encode())
                    count += 1
            step = statement = None
            if write_history:
                _write_history(cur, plan)
        conn.commit()
    except psycopg.Error as exc:
        _rollback(conn)
        if exc.diag.sqlstate == LOCK_NOT_AVAILABLE:
            raise _LockTimeout(step, statement, exc.diag.message_primary or str(exc).strip()) from None
        raise _failure(exc, conn, step, statement, settings, committed=False) from None
    finally:
        if not conn.closed and not conn.broken:
            # Interrupted (Ctrl-C cancelled the statement): the transaction is still
            # open, failed; roll it back so that the interruption is what is reported.
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.autocommit = True
    return count


def _rollback(conn: psycopg.Connection[Any]) -> None:
    if conn.closed or conn.broken:
        return  # the server ended the session: it rolled the transaction back itself
    conn.rollback()


def _write_history(cur: psycopg.Cursor[Any], plan: Plan | PlanLike) -> None:
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


def _history_transaction(conn: psycopg.Connection[Any], plan: Plan | PlanLike) -> None:
    try:
        with conn.transaction(), conn.cursor() as cur:
            _write_history(cur, plan)
    except psycopg.Error as exc:
        raise _failure(exc, conn, None, None, Settings(), committed=True) from None


# -- the online phase ------------------------------------------------------------


def _online_phase(
    conn: psycopg.Connection[Any],
    steps: list[StepLike],
    settings: Settings,
    tick: Callable[[StepLike], None],
    notify: Notify | None,
    *,
    committed: bool,
) -> int:
    """Each statement on its own (autocommit), retried alone on a lock timeout.
    ``committed``: whether the main phase committed changes before this phase."""
    conn.autocommit = True
    count = 0
    step: StepLike | None = None
    statement: str | None = None
    try:
        with conn.cursor() as cur:
            # Errors of the statements themselves are reported by _online_statement.
            _set_timeouts(cur, settings, local=False)
            cur.execute(SCRIPT_PREAMBLE)
            for done, step in enumerate(steps):
                tick(step)
                for statement in step.sql:
                    _online_statement(conn, cur, step, statement, settings, notify, committed or done > 0)
                    count += 1
            cur.execute("RESET lock_timeout")
            cur.execute("RESET statement_timeout")
    except psycopg.Error as exc:
        raise _failure(exc, conn, step, statement, settings, committed=committed or step is not None) from None
    return count


def _online_statement(
    conn: psycopg.Connection[Any],
    cur: psycopg.Cursor[Any],
    step: StepLike,
    statement: str,
    settings: Settings,
    notify: Notify | None,
    committed: bool,
) -> None:
    attempts = settings.lock_retries + 1
    index = concurrent_index_name(statement)
    for attempt in range(1, attempts + 1):
        try:
            cur.execute(statement.encode())
            return
        except psycopg.Error as exc:
            dropped = _drop_invalid_index(conn, index) if index is not None else None
            if exc.diag.sqlstate == LOCK_NOT_AVAILABLE:
                holders = _lock_holders(conn, step)
                timeout = _LockTimeout(step, statement, exc.diag.message_primary or str(exc).strip())
                if attempt == attempts:
                    raise _lock_error(timeout, holders, settings, attempts, committed=committed) from None
                pause = settings.retry_backoff * 2 ** (attempt - 1)
                if notify is not None:
                    notify(
                        f"lock timeout ({settings.lock_timeout}) in the online phase on attempt {attempt} "
                        f"of {attempts}; retrying the statement in {pause:g}s ..."
                    )
                time.sleep(pause)
                continue
            error = _failure(exc, conn, step, statement, settings, committed=committed)
            if dropped is not None:
                error.message += f" (the invalid index {dropped} the failed build left was dropped)"
            raise error from None


def concurrent_index_name(statement: str) -> tuple[str | None, str] | None:
    """(schema, name) of the index a ``CREATE INDEX CONCURRENTLY`` builds, else None."""
    if "CONCURRENTLY" not in statement.upper():
        return None
    stmt = single_statement(statement)
    if not isinstance(stmt, pglast.ast.IndexStmt) or not stmt.concurrent or not stmt.idxname or stmt.relation is None:
        return None
    return (stmt.relation.schemaname, stmt.idxname)


def _drop_invalid_index(conn: psycopg.Connection[Any], index: tuple[str | None, str]) -> str | None:
    """Drop the index if a failed concurrent build left it INVALID; its name, or None."""
    if conn.closed or conn.broken:
        return None
    schema, name = index
    qualified = Name(schema, name) if schema else Name(name)
    row = conn.execute(
        sql.SQL(
            "SELECT x.indisvalid FROM pg_catalog.pg_index x WHERE x.indexrelid = pg_catalog.to_regclass({})"
        ).format(sql.Literal(qualified.as_string(conn)))
    ).fetchone()
    if row is None or row[0]:
        return None
    conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(qualified))
    return qualified.as_string(conn)


# -- failures --------------------------------------------------------------------


def _tables_of(step: StepLike | None) -> list[str]:
    change = getattr(step, "change", None)
    if change is None:
        return []
    key = change.subject.owner_key or change.key
    return [key[1]] if key[0] == "table" else []


def _lock_holders(conn: psycopg.Connection[Any], step: StepLike | None) -> list[str]:
    """'public.t: pid 123 holds AccessExclusiveLock (idle in transaction, psql)', ..."""
    if conn.closed or conn.broken:
        return []
    tables = _tables_of(step)
    try:
        rows = conn.execute(LOCK_HOLDERS, {"tables": tables}).fetchall()
        if not rows and tables:
            rows = conn.execute(LOCK_HOLDERS, {"tables": []}).fetchall()
    except psycopg.Error:
        return []
    out = []
    for table, mode, pid, state, app in rows:
        about = ", ".join(x for x in (state, f"application {app!r}" if app else None) if x)
        out.append(f"{table} is locked by pid {pid} ({mode}{', ' + about if about else ''})")
    return out


def _lock_error(
    timeout: _LockTimeout, holders: list[str], settings: Settings, attempts: int, *, committed: bool
) -> ApplyError:
    where = f" while applying: {timeout.step.summary}" if timeout.step is not None else ""
    held = "; ".join(holders) if holders else "another session holds a lock the plan needs"
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    pids = [h.split("pid ", 1)[1].split(" ", 1)[0] for h in holders]
    end = f" (or end it: SELECT pg_terminate_backend({pids[0]}))" if pids else ""
    return ApplyError(
        f"lock timeout: a lock was not granted within {settings.lock_timeout}, {tries}{where}: {held}",
        step=timeout.step,
        statement=timeout.statement,
        hint=f"wait for the session holding the lock to finish{end}, or raise --lock-timeout / --lock-retries",
        committed=committed,
    )


def _failure(
    exc: psycopg.Error,
    conn: psycopg.Connection[Any],
    step: StepLike | None,
    statement: str | None,
    settings: Settings,
    *,
    committed: bool,
) -> ApplyError:
    diag = exc.diag
    message = diag.message_primary or str(exc).strip()
    where = f" while applying: {step.summary}" if step is not None else ""
    hint = diag.message_hint
    if conn.closed or conn.broken:
        message = f"the connection to the database was lost ({message})"
        if not committed:
            hint = (
                "PostgreSQL rolls back a transaction that did not commit, so nothing was changed; "
                "check why the session ended (pg_terminate_backend, a restart, the network) and apply again"
            )
    elif diag.sqlstate == QUERY_CANCELED and settings.statement_timeout not in ("0", ""):
        message = f"statement timeout ({settings.statement_timeout}): {message}"
        hint = hint or "raise --statement-timeout, or run the change in a quieter window"
    if committed:
        hint = (
            "the steps before this one had already committed (the main transaction, earlier online "
            "statements) and stay in place; fix the cause and run `schemakit apply` again: "
            "it plans only what is left"
            + (f" ({hint})" if hint else "")
        )
    return ApplyError(
        f"{message}{where}",
        step=step,
        statement=statement,
        hint=hint,  # the caller says whether anything changed (ApplyError.committed)
        committed=committed,
    )
