"""Run one test file on a connection, and check what each statement gave.

A file runs in a transaction that is rolled back (``run_rolled_back``), or, when it has
a database of its own, each statement in a transaction of its own (``run_committed``).
Either way every statement runs in ``conn.transaction()`` (a savepoint inside the
file's transaction), after ``SET LOCAL ROLE`` and ``request.jwt.claims`` as PostgREST
sets them, so a statement that fails rolls back alone and the file goes on.
"""

from __future__ import annotations

import json
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from schemakit.schematest.parser import Expect, Role, SqlTestFile, Step
from schemakit.schematest.report import FileResult, Outcome, shorten

_TAP = re.compile(r"(not )?ok\b\s*(\d*)\s*(?:-\s*)?(.*)", re.IGNORECASE)
_TAP_PLAN = re.compile(r"1\.\.(\d+)")
_TODO = re.compile(r"#\s*(TODO|SKIP)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Ran:
    """What a statement gave: its rows (with their columns) and row count, or an error."""

    rowcount: int = 0
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    sqlstate: str | None = None
    error: str | None = None


def pgtap_available(conn: psycopg.Connection[Any]) -> bool:
    """Whether the server can give this database pgTAP (installed, or installable)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pgtap')"
    ).fetchone()
    return bool(row and row[0])


def run_rolled_back(conn: psycopg.Connection[Any], file: SqlTestFile) -> FileResult:
    """Run ``file`` in one transaction on ``conn`` (autocommit), rolled back at the end."""
    with conn.transaction(force_rollback=True):
        if file.pgtap and not file.creates_pgtap:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
        return run_steps(conn, file)


def run_committed(conn: psycopg.Connection[Any], file: SqlTestFile) -> FileResult:
    """Run ``file`` on ``conn`` (autocommit, its own database): each statement commits."""
    if file.pgtap and not file.creates_pgtap:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
    return run_steps(conn, file)


def run_steps(conn: psycopg.Connection[Any], file: SqlTestFile) -> FileResult:
    tap = _Tap(file.display)
    outcomes: list[Outcome] = []
    for step in file.steps:
        ran = execute(conn, step)
        if file.pgtap:
            outcomes.extend(tap.read(step, ran))
        outcome = check(file.display, step, ran)
        if outcome is not None:
            outcomes.append(outcome)
    outcomes.extend(tap.close())
    return FileResult(file.display, tuple(outcomes))


def execute(conn: psycopg.Connection[Any], step: Step) -> Ran:
    """Run one statement as its role, in a savepoint of the file's transaction; in a
    database of the file's own, in a transaction of its own, or (a fixture, no role to
    set) in none, so that what a transaction block refuses may run."""
    idle = conn.info.transaction_status == TransactionStatus.IDLE
    block = nullcontext() if idle and step.role is None else conn.transaction()
    try:
        with block, conn.cursor() as cur:
            if step.role is not None:  # fixtures keep the file's own session state (pgTAP files set roles)
                set_role(cur, step.role)
            cur.execute(step.sql.encode())
            if cur.description is None:
                return Ran(rowcount=max(cur.rowcount, 0))
            rows = tuple(tuple(r) for r in cur.fetchall())
            return Ran(rowcount=len(rows), columns=tuple(c.name for c in cur.description), rows=rows)
    except psycopg.Error as exc:
        if exc.sqlstate is None or conn.broken:
            raise
        return Ran(sqlstate=exc.sqlstate, error=exc.diag.message_primary or str(exc).strip())


def set_role(cur: psycopg.Cursor[Any], role: Role) -> None:
    """``SET LOCAL ROLE`` and ``request.jwt.claims``, as PostgREST does for a request;
    ``-- as: owner``: the connecting role, no claims."""
    if role.name is None:
        cur.execute("SET LOCAL ROLE NONE")
        cur.execute("SELECT pg_catalog.set_config('request.jwt.claims', '', true)")
        return
    cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role.name)))
    cur.execute("SELECT pg_catalog.set_config('request.jwt.claims', %s, true)", [role.claims])


def _context(step: Step) -> str:
    who = f"as {step.role.text}" if step.role is not None else "as the owner (fixture)"
    return f"{who}: {step.sql}"


def _happened(ran: Ran) -> str:
    if ran.sqlstate is not None:
        return f"error {ran.sqlstate}: {ran.error}"
    return f"{ran.rowcount} row{'' if ran.rowcount == 1 else 's'}"


def check(file: str, step: Step, ran: Ran) -> Outcome | None:
    """The outcome of a statement's expectation; a statement without one counts only
    when it fails (a broken fixture is a failure at its line)."""
    expect = step.expect
    if expect is None:
        if ran.sqlstate is None:
            return None
        return Outcome(file, step.line, False, "statement", f"unexpected {_happened(ran)}", _context(step))
    problem = _problem(expect, ran)
    return Outcome(file, expect.line, problem is None, f"expect: {expect.text}", problem or "", _context(step))


def _problem(expect: Expect, ran: Ran) -> str | None:
    """What is wrong with ``ran`` for ``expect``; None when it is what was expected."""
    if expect.kind == "error":
        if ran.sqlstate == expect.sqlstate:
            return None
        return f"expected error {expect.sqlstate}, got {_happened(ran)}"
    if ran.sqlstate is not None:
        return f"got {_happened(ran)}"
    if expect.kind == "count" and ran.rowcount != expect.count:
        return f"expected {expect.count} row{'' if expect.count == 1 else 's'}, got {_happened(ran)}"
    if expect.kind == "rows":
        return _rows_problem(json.loads(expect.rows or "[]"), ran)
    return None


def jsonable(value: Any) -> Any:
    """A value from the server as JSON would hold it (numbers, strings, lists, objects)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _canonical(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def _rows_problem(expected: list[dict[str, Any]], ran: Ran) -> str | None:
    """The rows, compared on the columns the expected objects name, in any order."""
    names = list(expected[0]) if expected else list(ran.columns)
    missing = [n for n in names if n not in ran.columns]
    if missing:
        return f"no column {missing[0]!r} in the result (its columns: {', '.join(ran.columns) or 'none'})"
    index = {c: i for i, c in enumerate(ran.columns)}
    got = [{n: jsonable(row[index[n]]) for n in names} for row in ran.rows]
    if _canonical(got) == _canonical(expected):
        return None
    return f"expected rows {json.dumps(expected)}, got {json.dumps(got)}"


@dataclass
class _Tap:
    """The TAP lines of a pgTAP file's statements → outcomes at the lines that gave them."""

    file: str
    planned: int | None = None
    plan_line: int = 0
    results: list[Outcome] = field(default_factory=list)

    def read(self, step: Step, ran: Ran) -> list[Outcome]:
        new: list[Outcome] = []
        for row in ran.rows:
            for value in row:
                for line in str(value).splitlines() if isinstance(value, str) else ():
                    self._line(line.strip(), step, new)
        self.results.extend(new)
        return new

    def _line(self, line: str, step: Step, new: list[Outcome]) -> None:
        planned = _TAP_PLAN.fullmatch(line)
        if planned:
            self.planned, self.plan_line = int(planned.group(1)), step.line
            return
        if line.startswith("#"):
            last = new[-1] if new else None
            if last is not None and not last.passed and not line.lower().startswith("# looks like"):
                detail = (last.detail + " " + line.lstrip("# ").strip()).strip()
                new[-1] = Outcome(last.file, last.line, False, last.check, detail, last.context)
            return
        match = _TAP.fullmatch(line)
        if match is None:
            return
        failed = bool(match.group(1)) and not _TODO.search(match.group(3))
        name = f"pgTAP test {match.group(2)}" + (f" - {match.group(3)}" if match.group(3) else "")
        new.append(Outcome(self.file, step.line, not failed, shorten(name, 120), "", shorten(step.sql, 200)))

    def close(self) -> list[Outcome]:
        """A plan that was not met is one more failure, at the plan's line."""
        if self.planned is None or self.planned == len(self.results):
            return []
        return [
            Outcome(
                self.file, self.plan_line, False, f"pgTAP plan of {self.planned}",
                f"planned {self.planned} tests but ran {len(self.results)}",
            )
        ]
