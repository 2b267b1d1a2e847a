"""Changing how a table is partitioned (regular ↔ partitioned, another key or strategy):
the table is rebuilt beside the old one, its rows copied, the names swapped, and what
depends on it (indexes, constraints, FKs pointing at it, policies, RLS, grants,
comments, views, publication membership) recreated. A second run of the script skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import Target, model_of, query
from tests.test_core import _psql


SCHEMA = """
CREATE TABLE public.events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    at date NOT NULL,
    region text NOT NULL,
    body text,
    PRIMARY KEY (id, at, region)
){partitioning};
{partitions}
CREATE INDEX events_body ON public.events (body);
ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY events_read ON public.events FOR SELECT USING (body IS NOT NULL);
COMMENT ON TABLE public.events IS 'what happened';
COMMENT ON COLUMN public.events.body IS 'the text';
GRANT SELECT ON public.events TO anon;
CREATE VIEW public.recent AS SELECT id, at, body FROM public.events WHERE at >= '2025-06-01';
CREATE TABLE public.notes (
    id bigint PRIMARY KEY,
    event_id bigint NOT NULL,
    event_at date NOT NULL,
    event_region text NOT NULL,
    FOREIGN KEY (event_id, event_at, event_region) REFERENCES public.events (id, at, region)
);
CREATE PUBLICATION feed FOR TABLE public.events;
"""

REGULAR = SCHEMA.format(partitioning="", partitions="")
BY_RANGE = SCHEMA.format(
    partitioning=" PARTITION BY RANGE (at)",
    partitions=(
        "CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
        "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n"
    ),
)
BY_LIST = SCHEMA.format(
    partitioning=" PARTITION BY LIST (region)",
    partitions=(
        "CREATE TABLE public.events_eu PARTITION OF public.events FOR VALUES IN ('eu');\n"
        "CREATE TABLE public.events_other PARTITION OF public.events DEFAULT;\n"
    ),
)

ROWS = """
INSERT INTO public.events (at, region, body) VALUES
  ('2025-03-01', 'eu', 'a'), ('2025-07-01', 'us', 'b'), ('2026-02-01', 'eu', 'c');
INSERT INTO public.notes SELECT id, id, at, region FROM public.events;
"""


@pytest.fixture
def target(blank_target: Target) -> Target:
    return blank_target


def write(t: Target, text: str) -> None:
    (t.schema_dir / "schema.sql").write_text(text)


def start(t: Target, text: str) -> None:
    write(t, text)
    t.converge("--allow-hazards", "all")
    query(t.url, ROWS)


def oid_of(t: Target, name: str) -> int:
    return int(query(t.url, "SELECT %s::regclass::oid::bigint", (name,))[0][0])


def counts(t: Target) -> tuple[object, ...]:
    return query(t.url, "SELECT (SELECT count(*) FROM public.events), (SELECT count(*) FROM public.notes)")[0]


def relkind(t: Target) -> str:
    return str(query(t.url, "SELECT relkind FROM pg_class WHERE oid = 'public.events'::regclass")[0][0])


def partitions(t: Target) -> list[str]:
    return [
        r[0]
        for r in query(t.url, "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'public.events'::regclass ORDER BY 1")
    ]


def rebuild(t: Target, text: str, tmp_path: Path) -> Path:
    """Plan the change (its script kept), check the hazards gate it, apply; returns the script."""
    write(t, text)
    script = tmp_path / "rebuild.sql"
    res = t.plan("--format", "sql", "--out", str(script))
    assert res.exit_code == 0, res.output
    shown = t.plan()
    assert "TABLE_REWRITE" in shown.stdout and "ACQUIRES_ACCESS_EXCLUSIVE_LOCK" in shown.stdout, shown.output
    refused = t.apply()
    assert refused.exit_code == 3, refused.output
    t.converge("--allow-hazards", "all")
    return script


def assert_rerun_changes_nothing(t: Target, script: Path) -> None:
    before = (oid_of(t, "public.events"), counts(t), partitions(t), model_of(t.url))
    again = _psql(t.url, script)
    assert again.returncode == 0, again.stderr
    assert (oid_of(t, "public.events"), counts(t), partitions(t), model_of(t.url)) == before
    assert "No changes" in t.plan().stdout


def assert_dependents_survive(t: Target) -> None:
    assert counts(t) == (3, 3)
    assert query(t.url, "SELECT body FROM public.events ORDER BY id") == [("a",), ("b",), ("c",)]
    # the FK from notes points at the new table, and holds
    fks = query(
        t.url,
        "SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = 'public.notes'::regclass AND contype = 'f' AND conparentid = 0",
    )
    assert fks == [("events",)]
    assert query(t.url, "SELECT to_regclass('public.events_body') IS NOT NULL") == [(True,)]
    assert query(t.url, "SELECT polname FROM pg_policy WHERE polrelid = 'public.events'::regclass") == [("events_read",)]
    assert query(t.url, "SELECT relrowsecurity FROM pg_class WHERE oid = 'public.events'::regclass") == [(True,)]
    assert query(t.url, "SELECT obj_description('public.events'::regclass, 'pg_class')") == [("what happened",)]
    assert query(t.url, "SELECT has_table_privilege('anon', 'public.events', 'SELECT')") == [(True,)]
    assert query(t.url, "SELECT body FROM public.recent ORDER BY 1") == [("b",), ("c",)]
    assert query(
        t.url,
        "SELECT count(*) FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid "
        "WHERE p.pubname = 'feed' AND r.prrelid = 'public.events'::regclass",
    ) == [(1,)]
    # the identity goes on after the copied rows
    query(t.url, "INSERT INTO public.events (at, region, body) VALUES ('2026-03-03', 'eu', 'd')")
    assert query(t.url, "SELECT max(id) FROM public.events") == [(4,)]
    query(t.url, "DELETE FROM public.events WHERE body = 'd'")


def test_regular_to_range_partitioned_keeps_rows_and_dependents(target: Target, tmp_path: Path) -> None:
    start(target, REGULAR)
    assert relkind(target) == "r"
    script = rebuild(target, BY_RANGE, tmp_path)
    assert relkind(target) == "p"
    assert partitions(target) == ["events_2025", "events_2026"]
    assert query(target.url, "SELECT count(*) FROM public.events_2025") == [(2,)]
    assert_dependents_survive(target)
    assert_rerun_changes_nothing(target, script)


def test_partitioned_to_regular_keeps_rows(target: Target, tmp_path: Path) -> None:
    start(target, BY_RANGE)
    script = rebuild(target, REGULAR, tmp_path)
    assert relkind(target) == "r"
    assert partitions(target) == []
    assert query(target.url, "SELECT to_regclass('public.events_2025')") == [(None,)]
    assert_dependents_survive(target)
    assert_rerun_changes_nothing(target, script)


def test_range_to_list_on_another_key_keeps_rows(target: Target, tmp_path: Path) -> None:
    start(target, BY_RANGE)
    script = rebuild(target, BY_LIST, tmp_path)
    assert relkind(target) == "p"
    assert partitions(target) == ["events_eu", "events_other"]
    assert query(target.url, "SELECT count(*) FROM public.events_eu") == [(2,)]
    assert query(target.url, "SELECT pg_get_partkeydef('public.events'::regclass)") == [("LIST (region)",)]
    assert_dependents_survive(target)
    assert_rerun_changes_nothing(target, script)


def test_script_rebuilds_once_and_skips_on_the_second_run(target: Target, tmp_path: Path) -> None:
    start(target, REGULAR)
    write(target, BY_RANGE)
    script = tmp_path / "rebuild.sql"
    res = target.plan("--format", "sql", "--out", str(script))
    assert res.exit_code == 0, res.output
    first = _psql(target.url, script)
    assert first.returncode == 0, first.stderr
    assert relkind(target) == "p"
    assert_dependents_survive(target)
    assert_rerun_changes_nothing(target, script)


def test_a_row_that_fits_no_partition_fails_the_apply_and_changes_nothing(target: Target) -> None:
    start(target, REGULAR)
    query(target.url, "INSERT INTO public.events (at, region, body) VALUES ('2024-12-31', 'eu', 'old')")
    before = (oid_of(target, "public.events"), counts(target), model_of(target.url))
    write(target, BY_RANGE)
    res = target.apply("--allow-hazards", "all")
    assert res.exit_code == 1, res.output
    assert "public.events" in res.output and "fits none of its partitions" in res.output, res.output
    assert (oid_of(target, "public.events"), counts(target), model_of(target.url)) == before
    assert relkind(target) == "r"
    assert query(target.url, "SELECT to_regclass('public.events_2025')") == [(None,)]
