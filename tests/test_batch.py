"""Batched execution (schemakit.batch) and the batched shadow load (schemakit.desired):
a failing statement deep inside a batch is still reported at its own file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemakit.batch import StatementFailed, batches, execute_batched
from schemakit.connect import connect
from schemakit.desired import load_statements
from schemakit.source import SourceError, load_sources


def test_batches_cover_every_statement_in_order() -> None:
    statements = [f"SELECT {i}".encode() for i in range(1203)]
    parts = list(batches(statements, max_statements=500))
    assert [len(b.statements) for b in parts] == [500, 500, 203]
    assert [s for b in parts for s in b.statements] == statements
    assert [b.start for b in parts] == [0, 500, 1000]
    by_bytes = list(batches(statements, max_statements=500, max_bytes=100))
    assert all(len(b.statements) >= 1 for b in by_bytes)
    assert [s for b in by_bytes for s in b.statements] == statements


def test_failure_names_the_statement_and_rolls_back_to_the_batch(baseline_db: str) -> None:
    statements = [f"CREATE TABLE public.t{i} (id int)".encode() for i in range(30)]
    statements[17] = b"CREATE TABLE public.t17 (id int REFERENCES public.nope (id))"
    with connect(baseline_db, autocommit=False) as conn, conn.cursor() as cur:
        with pytest.raises(StatementFailed) as info:
            execute_batched(cur, statements, max_statements=10)
        assert info.value.index == 17
        assert info.value.error.diag.sqlstate == "42P01"
        conn.rollback()


def test_trailing_line_comment_does_not_swallow_the_next_statement(baseline_db: str) -> None:
    statements = [b"CREATE TABLE public.a (id int) -- a comment", b"CREATE TABLE public.b (id int)"]
    with connect(baseline_db, autocommit=False) as conn, conn.cursor() as cur:
        execute_batched(cur, statements)
        conn.commit()
        rows = cur.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY 1"
        ).fetchall()
    assert rows == [("a",), ("b",)]


def test_needs_a_transaction(baseline_db: str) -> None:
    with connect(baseline_db, autocommit=True) as conn, conn.cursor() as cur:
        with pytest.raises(ValueError):
            execute_batched(cur, [b"SELECT 1"])


def test_shadow_load_error_deep_in_a_batch_is_located(baseline_db: str, tmp_path: Path) -> None:
    lines = [f"CREATE TABLE public.t{i} (id int PRIMARY KEY);" for i in range(700)]
    # Line 613 (1-based); PostgreSQL gives no position, so the error points at the name
    # it reports missing: the column in the FK.
    lines[612] = "CREATE TABLE public.bad (id int, x int, FOREIGN KEY (x) REFERENCES public.t1 (nope));"
    path = tmp_path / "schema.sql"
    path.write_text("\n".join(lines) + "\n")
    statements = load_sources([path])
    with connect(baseline_db, autocommit=True) as conn:
        with pytest.raises(SourceError) as info:
            load_statements(conn, statements, baseline_db)
        assert conn.execute("SELECT to_regclass('public.t0')").fetchone() == (None,)
    error = info.value
    assert error.location is not None
    assert (error.location.line, error.location.col) == (613, lines[612].index("nope") + 1)
    assert 'column "nope" referenced in foreign key constraint does not exist' in error.message
    assert error.source_line == lines[612]


def test_shadow_load_error_with_a_position_points_into_the_statement(
    baseline_db: str, tmp_path: Path
) -> None:
    lines = [f"CREATE TABLE public.t{i} (id int);" for i in range(600)]
    lines[550] = "CREATE TABLE public.bad (id public.no_such_type);"
    path = tmp_path / "schema.sql"
    path.write_text("\n".join(lines) + "\n")
    with connect(baseline_db, autocommit=True) as conn:
        with pytest.raises(SourceError) as info:
            load_statements(conn, load_sources([path]), baseline_db)
    error = info.value
    assert error.location is not None
    assert (error.location.line, error.location.col) == (551, 29)
    assert 'type "public.no_such_type" does not exist' in error.message

