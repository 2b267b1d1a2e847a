"""The catalog cache (issue 18): schemakit/catalog/stamp.py and schemakit/catalog/memo.py.

A read starts with the catalog stamp; a model stored under the same stamp is the read's
answer. Against the real test server: every kind of DDL changes the stamp and the cached
read equals a fresh one (a hypothesis sequence of changes), what is not DDL (data, ANALYZE,
VACUUM, other databases) leaves it, a bucket row changes it, a damaged entry is read
again and rewritten, declared rows are never cached, and the stamp covers every catalog
the reader's queries name (a static check of the SQL files).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemakit import cache
from schemakit.catalog import memo, read_model
from schemakit.catalog.stamp import CATALOGS, stamp
from schemakit.server import shadow
from tests.helpers import REPO, run_cli

BASE = """
CREATE SCHEMA extra;
CREATE TYPE public.mood AS ENUM ('a', 'b');
CREATE TABLE public.a (id int PRIMARY KEY, v text, m public.mood);
CREATE TABLE public.b (id int);
CREATE TABLE public.c (id int);
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE FUNCTION public.one() RETURNS int LANGUAGE sql AS 'SELECT 1';
"""

CHANGES = [
    "ALTER TABLE public.a ADD COLUMN c1 int",
    "ALTER TABLE public.a ALTER COLUMN v SET DEFAULT 'x'",
    "ALTER TABLE public.a ALTER COLUMN v SET NOT NULL",
    "CREATE INDEX a_v ON public.a (v)",
    "ALTER TABLE public.a ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY p1 ON public.a USING (true)",
    "COMMENT ON COLUMN public.a.v IS 'note'",
    "COMMENT ON TABLE public.c IS 'c'",  # not b: b may be renamed first (each change stands alone)
    "GRANT SELECT ON public.a TO PUBLIC",
    "ALTER TABLE public.a ADD CONSTRAINT a_v_check CHECK (v <> '')",
    "CREATE TRIGGER a_touch BEFORE UPDATE ON public.a FOR EACH ROW EXECUTE FUNCTION public.touch()",
    "ALTER TYPE public.mood ADD VALUE 'z'",
    "ALTER TABLE public.b RENAME TO b2",
    "ALTER SCHEMA extra RENAME TO extra2",
    "CREATE VIEW public.v1 AS SELECT 1 AS one",
    "CREATE SEQUENCE public.s1",
    "CREATE DOMAIN public.positive AS int CHECK (VALUE > 0)",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC",
    "CREATE OR REPLACE FUNCTION public.one() RETURNS int LANGUAGE sql AS 'SELECT 2'",
    "ALTER FUNCTION public.one() SECURITY DEFINER",
    "CREATE PUBLICATION memo_pub",
    "CREATE COLLATION public.c_collation (provider = libc, locale = 'C')",
    "CREATE TYPE public.pair AS (x int, y int)",
    "ALTER TABLE public.a REPLICA IDENTITY FULL",
]


@pytest.fixture(autouse=True)
def cache_on(monkeypatch: pytest.MonkeyPatch, steady_roles: None) -> None:
    """The suite turns the caches off (tests/conftest.py); here they are on where enabled."""
    monkeypatch.setenv(cache.NO_CACHE_ENV, "0")


@pytest.fixture
def db(pg_admin_url: str) -> Iterator[str]:
    name = shadow.create_database(pg_admin_url, baseline=False)
    url = shadow.database_url(pg_admin_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BASE)
    try:
        yield url
    finally:
        shadow.drop_database(pg_admin_url, name)


def _stamp(url: str) -> str:
    with psycopg.connect(url) as conn:
        return stamp(conn)


def _cached_read(url: str, directory: Path) -> tuple[str, bool]:
    """(the cached read's fingerprint, whether it came from the cache: no entry written)."""

    def entries() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in directory.glob("catalog-*.json")}

    before = entries()
    told: list[bool] = []  # what the read said before its work: from the cache, or read
    with cache.enabled(directory), psycopg.connect(url) as conn:
        model = memo.read(conn, told=told.append)
    hit = bool(before) and entries() == before
    assert told == [hit]
    return model.fingerprint(), hit


def _fresh(url: str) -> str:
    with psycopg.connect(url) as conn:
        return read_model(conn).fingerprint()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(CHANGES), min_size=1, max_size=6, unique=True))
def test_every_change_changes_the_stamp_and_the_cached_read_is_a_fresh_one(
    pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory, changes: list[str]
) -> None:
    """After each DDL statement the stamp is new (never one seen before), the cached read
    misses, and it equals a fresh read; read again unchanged, it hits with the same answer."""
    directory = tmp_path_factory.mktemp("cache")
    name = shadow.create_database(pg_admin_url, baseline=False)
    url = shadow.database_url(pg_admin_url, name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(BASE)
        seen = {_stamp(url)}
        _cached_read(url, directory)
        for change in changes:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(change)
            now = _stamp(url)
            assert now not in seen, change
            seen.add(now)
            fingerprint, hit = _cached_read(url, directory)
            assert not hit, change
            assert fingerprint == _fresh(url), change
            again, hit = _cached_read(url, directory)
            assert hit and again == fingerprint, change
    finally:
        shadow.drop_database(pg_admin_url, name)


def test_what_is_not_ddl_leaves_the_stamp(db: str, pg_admin_url: str) -> None:
    """Rows, ANALYZE, VACUUM, a sequence's value, and databases created and dropped next to
    it (a plan's temporary shadow) do not change the schema: the stamp stays, and the
    cache keeps answering."""
    before = _stamp(db)
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO public.a (id, v) SELECT g, 'x' FROM generate_series(1, 500) g")
        conn.execute("UPDATE public.a SET v = 'y' WHERE id < 10")
        conn.execute("ANALYZE public.a")
        conn.execute("VACUUM public.a")
        conn.execute("CREATE SEQUENCE public.counter")
    after_sequence = _stamp(db)
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("SELECT nextval('public.counter')")
    other = shadow.create_database(pg_admin_url, baseline=False)
    shadow.drop_database(pg_admin_url, other)
    assert _stamp(db) == after_sequence
    assert after_sequence != before  # the CREATE SEQUENCE, a change


def test_a_session_that_prints_values_otherwise_has_another_stamp(db: str) -> None:
    """A default's date constant prints by DateStyle: a session with another style (PGOPTIONS)
    must not take a model another style printed."""
    with psycopg.connect(db) as conn:
        before = stamp(conn)
        conn.execute("SET DateStyle = 'German'")
        assert stamp(conn) != before


def test_a_bucket_row_changes_the_stamp(baseline_db: str) -> None:
    """Buckets are rows of storage.buckets (a kind schemakit manages): stamped too."""
    before = _stamp(baseline_db)
    with psycopg.connect(baseline_db, autocommit=True) as conn:
        conn.execute("INSERT INTO storage.buckets (id, name) VALUES ('avatars', 'avatars')")
    inserted = _stamp(baseline_db)
    with psycopg.connect(baseline_db, autocommit=True) as conn:
        conn.execute("UPDATE storage.buckets SET public = true WHERE id = 'avatars'")
    assert len({before, inserted, _stamp(baseline_db)}) == 3


def test_a_damaged_entry_is_read_again_and_rewritten(db: str, tmp_path: Path) -> None:
    first, _ = _cached_read(db, tmp_path)
    (entry,) = tmp_path.glob("catalog-*.json")
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    again, hit = _cached_read(db, tmp_path)
    assert again == first and not hit
    assert _cached_read(db, tmp_path) == (first, True)


def test_declared_rows_are_never_cached_nor_is_anything_with_the_cache_off(db: str, tmp_path: Path) -> None:
    with cache.enabled(tmp_path), psycopg.connect(db) as conn:
        memo.read(conn, rows={"public.a": ("id",)})
    assert not list(tmp_path.glob("catalog-*.json"))
    with psycopg.connect(db) as conn:
        memo.read(conn)  # the cache is off: nothing is written anywhere
        assert memo.summary(conn) is None
    assert not list(tmp_path.glob("catalog-*.json"))


def test_the_summary_names_the_entry_without_decoding_it(db: str, tmp_path: Path) -> None:
    """A plan that finds the target's entry by its header gets a model decoded on first
    use: the same objects, fingerprint and server version as a fresh read."""
    fingerprint, _ = _cached_read(db, tmp_path)
    with cache.enabled(tmp_path), psycopg.connect(db) as conn:
        found = memo.summary(conn)
        assert found is not None and found.fingerprint == fingerprint
        model = memo.deferred(found)
        fresh = read_model(conn)
        assert model.fingerprint() == fresh.fingerprint()
        assert model.server_version == fresh.server_version
        assert dict(model.objects) == dict(fresh.objects) and dict(model.depends) == dict(fresh.depends)
        conn.execute("COMMENT ON TABLE public.a IS 'changed'")
        conn.commit()
        assert memo.summary(conn) is None


def test_diff_reads_each_database_once_while_it_does_not_change(
    db: str, pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`schemakit diff` keeps both models in the project's cache: the second run reads
    neither catalog and prints the same SQL as --no-cache; a change to B is seen."""
    monkeypatch.chdir(tmp_path)
    other = shadow.create_database(pg_admin_url, baseline=False)
    b = shadow.database_url(pg_admin_url, other)
    try:
        with psycopg.connect(b, autocommit=True) as conn:
            conn.execute(BASE)
            conn.execute("ALTER TABLE public.a ADD COLUMN only_in_b int")
        first = run_cli("diff", db, b)
        entries = {p: p.read_bytes() for p in (tmp_path / ".schemakit" / "cache").glob("catalog-*.json")}
        assert first.exit_code == 0 and "only_in_b" in first.stdout and len(entries) == 2, first.output
        second = run_cli("diff", db, b)
        assert second.stdout == first.stdout == run_cli("diff", db, b, "--no-cache").stdout
        assert {p: p.read_bytes() for p in entries} == entries
        with psycopg.connect(b, autocommit=True) as conn:
            conn.execute("ALTER TABLE public.a ADD COLUMN also_in_b int")
        third = run_cli("diff", db, b)
        assert "also_in_b" in third.stdout and third.stdout == run_cli("diff", db, b, "--no-cache").stdout
    finally:
        shadow.drop_database(pg_admin_url, other)


# -- static: the stamp covers what the reader reads --------------------------------------

READER_SQL = [
    *sorted((REPO / "schemakit" / "kinds").glob("*.sql")),
    *(REPO / "schemakit" / "catalog" / "queries" / f"{n}.sql" for n in ("depends", "platform", "owners")),
]
VIEWS = {"pg_roles": "hashed by content", "pg_available_extensions": "not read by a kind"}
IN_PLACE = ("reltuples", "relpages", "relallvisible", "relhasindex", "relhasrules", "relhastriggers",
            "relhassubclass", "relfrozenxid", "relminmxid", "datfrozenxid")


def test_the_stamp_covers_every_catalog_the_reader_names() -> None:
    stamped = {name for name, _ in CATALOGS}
    named: set[str] = set()
    for path in READER_SQL:
        text = path.read_text()
        named |= set(re.findall(r"pg_catalog\.(pg_[a-z_]+)\b(?!\s*\()", text))
        for column in IN_PLACE:
            assert column not in text, f"{path.name} reads {column}, which PostgreSQL updates in place"
    missing = named - stamped - set(VIEWS)
    assert not missing, f"catalogs the reader names but the stamp leaves out: {sorted(missing)}"
    assert "pg_roles" in named  # the view the stamp hashes by content is still the one used
