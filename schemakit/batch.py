"""Run many SQL statements in few round trips, and still name the one that fails.

Statements are joined into multi-statement simple queries (psycopg sends a query
without parameters with the simple query protocol, which accepts several statements).
Each batch runs under a savepoint. When a batch fails, it is rolled back to that
savepoint and its statements are run again one at a time: the one that fails alone is
reported with the error it raised alone, so that the error's position refers to that
statement's text.

The caller owns the transaction: ``execute_batched`` must run with autocommit off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

#: Statements per round trip. Bounds the work redone when a batch fails.
MAX_STATEMENTS = 500
#: Bytes of SQL per round trip.
MAX_BYTES = 1 << 20

# The newline before ';' ends a trailing line comment of the previous statement.
_SEPARATOR = b"\n;\n"
_SAVEPOINT = b"SAVEPOINT schemakit_batch"
_RELEASE = b"RELEASE SAVEPOINT schemakit_batch"
_ROLLBACK_TO = b"ROLLBACK TO SAVEPOINT schemakit_batch"


class StatementFailed(Exception):
    """Statement ``index`` of the sequence failed with ``error`` when run on its own."""

    def __init__(self, index: int, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


@dataclass(frozen=True)
class Batch:
    """Statements ``start`` to ``start + len(statements)`` of the sequence."""

    start: int
    statements: tuple[bytes, ...]

    def query(self) -> bytes:
        return _SEPARATOR.join((_SAVEPOINT, *self.statements, _RELEASE))


def batches(
    statements: Sequence[bytes], max_statements: int = MAX_STATEMENTS, max_bytes: int = MAX_BYTES
) -> Iterator[Batch]:
    """Consecutive batches of at most ``max_statements`` statements and about ``max_bytes``."""
    start = 0
    while start < len(statements):
        stop, size = start, 0
        while stop < len(statements) and stop - start < max_statements:
            size += len(statements[stop]) + len(_SEPARATOR)
            if size > max_bytes and stop > start:
                break
            stop += 1
        yield Batch(start, tuple(statements[start:stop]))
        start = stop


def execute_batched(
    cur: psycopg.Cursor[Any],
    statements: Sequence[bytes],
    *,
    max_statements: int = MAX_STATEMENTS,
    max_bytes: int = MAX_BYTES,
    done: Callable[[int], None] | None = None,
    starting: Callable[[int], None] | None = None,
) -> None:
    """Execute ``statements`` in order, in batches; raise StatementFailed on the first failure.

    Runs inside the caller's transaction (autocommit off). After StatementFailed the
    transaction is aborted: the caller rolls it back. ``done(n)`` is called after each
    batch with the number of statements executed so far (for progress reports);
    ``starting(i)`` before each batch, with the index of its first statement (so a
    report can name what runs now).
    """
    if cur.connection.autocommit:
        raise ValueError("execute_batched needs a transaction: turn autocommit off")
    for batch in batches(statements, max_statements, max_bytes):
        if starting is not None:
            starting(batch.start)
        try:
            cur.execute(batch.query())
        except psycopg.Error:
            cur.execute(_ROLLBACK_TO)
            _locate(cur, batch)
        if done is not None:
            done(batch.start + len(batch.statements))


def _locate(cur: psycopg.Cursor[Any], batch: Batch) -> None:
    """Replay a failed batch one statement at a time; raise for the one that fails."""
    for offset, statement in enumerate(batch.statements):
        try:
            cur.execute(statement)
        except psycopg.Error as exc:
            raise StatementFailed(batch.start + offset, exc) from None
    # Every statement succeeded alone (a transient failure): the batch is done.
    cur.execute(_RELEASE)


_EACH = b"SAVEPOINT schemakit_each"
_EACH_RELEASE = b"RELEASE SAVEPOINT schemakit_each"
_EACH_ROLLBACK = b"ROLLBACK TO SAVEPOINT schemakit_each"


def execute_each(
    cur: psycopg.Cursor[Any], statements: Sequence[bytes], run: Callable[[int], bool]
) -> Iterator[StatementFailed]:
    """Execute the statements ``run(i)`` accepts, one at a time, each under a savepoint
    (one round trip each); yield each failure, rolled back to its savepoint, and go on.
    ``run(i)`` is asked once the failures before ``i`` have been yielded, so it can
    leave out what depends on them.

    For reporting every error of a load: slower than ``execute_batched``, which stops at
    the first. Runs inside the caller's transaction (autocommit off).
    """
    if cur.connection.autocommit:
        raise ValueError("execute_each needs a transaction: turn autocommit off")
    # The statement goes first in its query, so that an error's position is in its text;
    # the savepoint for the next one is taken in the same round trip.
    cur.execute(_EACH)
    for i, statement in enumerate(statements):
        if not run(i):
            continue
        try:
            cur.execute(_SEPARATOR.join((statement, _EACH_RELEASE, _EACH)))
        except psycopg.Error as exc:
            cur.execute(_EACH_ROLLBACK)  # the savepoint stays, for the next statement
            yield StatementFailed(i, exc)
    cur.execute(_EACH_RELEASE)
