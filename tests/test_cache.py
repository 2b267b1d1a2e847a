"""The desired-state cache (issue 18): schemakit/cache.py, schemakit/cachecodec.py.

A plan whose inputs did not change takes the schema files' state from
``.schemakit/cache/`` instead of loading a shadow. Against the real test server:
a changed byte in a file, another profile or baseline, or a server of another major
misses; a truncated or damaged entry is ignored and rewritten; concurrent plans agree
and leave a sound entry; and the cached plan is byte for byte the uncached one on the
seed, the shared corpus and 50 of the property test's stored pairs. ``check``'s replay
of the migration files is cached the same way.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

import schemakit.cache
import schemakit.desired
import schemakit.workflow
from schemakit import cache, cachecodec
from schemakit.catalog import memo as catalog_memo
from schemakit.catalog import read_model
from schemakit.desired import DesiredState
from schemakit.model import Model
from schemakit.kinds.columns import Column
from schemakit.kinds.table import Table
from schemakit.profile import Profile
from schemakit.render.formats import render_plan
from schemakit.server import embedded, shadow
from schemakit.source import load_schema_dir
from schemakit.workflow import Target as PlanTarget
from schemakit.workflow import load_desired, plan_against, row_probe
from tests.conftest import as_role
from tests.helpers import CORPUS, REPO, SEED_DIR, run_cli, skip_without_corpus

HIT = "comes from the cache"
MISS = "cache: no entry"
DAMAGED = "cache: a damaged entry was ignored"
LOADING = "loading the schema files into a shadow database"
PAIRS = REPO / "tests" / "golden" / "pairs.json"


@pytest.fixture(autouse=True)
def cache_on(monkeypatch: pytest.MonkeyPatch, steady_roles: None) -> None:
    """The suite turns the cache off (tests/conftest.py); here it is on."""
    monkeypatch.setenv(cache.NO_CACHE_ENV, "0")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder holding a copy of the seed, as the working directory."""
    shutil.copytree(SEED_DIR, tmp_path / "schema")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _flags(project: Path, target: str, admin: str) -> list[str]:
    return ["--schema-dir", str(project / "schema"), "--db", target, "--shadow-url", admin]


def _entries(project: Path, kind: str = "desired") -> list[Path]:
    return sorted((project / ".schemakit" / "cache").glob(f"{kind}-*.json"))


def _exact(value: Any) -> str:
    """Every field of ``value`` (also those equality skips), frozensets sorted."""
    return json.dumps(cachecodec.encode(value), sort_keys=True)


def _no_load(*_: Any) -> DesiredState:
    raise AssertionError("the shadow was loaded: the cache should have held the state")


# -- hits and misses --------------------------------------------------------------------


def test_an_unchanged_plan_skips_the_shadow_and_says_so(project: Path, baseline_db: str, pg_admin_url: str) -> None:
    flags = _flags(project, as_role(baseline_db, "schemakit_owner"), pg_admin_url)
    first = run_cli("plan", *flags, "--format", "sql")
    assert first.exit_code == 0, first.output
    assert MISS in first.stderr and LOADING in first.stderr, first.stderr
    assert len(_entries(project)) == 1
    second = run_cli("plan", *flags, "--format", "sql")
    assert second.exit_code == 0, second.output
    assert HIT in second.stderr and LOADING not in second.stderr, second.stderr
    assert second.stdout == first.stdout and "CREATE TABLE IF NOT EXISTS public.users" in second.stdout
    off = run_cli("plan", *flags, "--format", "sql", "--no-cache")
    assert off.exit_code == 0, off.output
    assert HIT not in off.stderr and MISS not in off.stderr and LOADING in off.stderr, off.stderr
    assert off.stdout == first.stdout


QUICK = ": nothing to plan"


def test_a_target_that_matches_the_cached_state_is_not_diffed(
    project: Path, baseline_db: str, pg_admin_url: str
) -> None:
    """A warm plan against a target whose fingerprint is the cached state's prints the
    empty plan without reading the state back or diffing, as the full plan does; a target
    that drifted since is diffed as usual."""
    target = as_role(baseline_db, "schemakit_owner")
    flags = _flags(project, target, pg_admin_url)
    applied = run_cli("apply", *flags, "--yes", "--allow-hazards", "all")
    assert applied.exit_code == 0, applied.output
    warm = run_cli("plan", *flags)
    assert warm.exit_code == 0, warm.output
    warm = run_cli("plan", *flags, "--detailed-exitcode")
    assert warm.exit_code == 0 and QUICK in warm.stderr, warm.stderr
    assert "the target's catalog are unchanged" in warm.stderr, warm.stderr  # both caches: no read
    full = run_cli("plan", *flags, "--no-cache", "--detailed-exitcode")
    assert full.exit_code == 0 and QUICK not in full.stderr, full.output
    assert warm.stdout == full.stdout and "No changes" in warm.stdout
    for fmt in ("sql", "json"):
        assert run_cli("plan", *flags, "--format", fmt).stdout == run_cli("plan", *flags, "--format", fmt, "--no-cache").stdout
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.users ADD COLUMN drifted text")
    drifted = run_cli("plan", *flags, "--detailed-exitcode")
    assert drifted.exit_code == 2 and QUICK not in drifted.stderr and HIT in drifted.stderr, drifted.output
    assert "drifted" in drifted.stdout


def test_the_cached_state_is_the_loaded_one_exactly(tmp_path: Path, pg_admin_url: str) -> None:
    """Every field survives, also those Model.to_json leaves out: a volatile default,
    pinned extensions, the dependency edges, the exact server version, the order."""
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "a.sql").write_text(
        "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions VERSION '1.6';\n"
        "CREATE TABLE public.t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), n extensions.citext,"
        " at timestamptz DEFAULT now(), k int DEFAULT 3);\n"
        "CREATE VIEW public.v AS SELECT id, n FROM public.t;\n"
        "CREATE INDEX objects_name_idx ON storage.objects (name);\n"  # a warning: not managed
    )
    statements = load_schema_dir(schema)
    with cache.enabled(tmp_path / "cache"):
        loaded = load_desired(statements, pg_admin_url)
        cached = cache.cached_desired_state(statements, pg_admin_url, True, lambda: _no_load())
    table = cached.model.objects[("table", "public.t")]
    assert isinstance(table, Table)
    volatile = {c.name: c.volatile_default for c in table.columns}
    assert volatile == {"id": True, "n": False, "at": False, "k": False}, volatile
    assert cached.model.pinned_extensions == frozenset({"citext"})
    assert cached.warnings and cached.warnings == loaded.warnings
    assert cached.model.depends and cached.model.depends == loaded.model.depends
    assert cached.model.server_version == loaded.model.server_version > 0
    assert list(cached.model.objects) == list(loaded.model.objects)
    assert _exact(cached) == _exact(loaded)
    assert cached.model.fingerprint() == loaded.model.fingerprint()  # stored with the entry
    assert dataclasses.replace(cached.model).fingerprint() == loaded.model.fingerprint()  # computed again


def test_a_changed_byte_anywhere_misses(project: Path, pg_admin_url: str) -> None:
    users = project / "schema" / "01_users.sql"
    if not users.exists():
        users = sorted((project / "schema").glob("*.sql"))[0]
    original = users.read_bytes()
    statements = load_schema_dir(project / "schema")
    key = cache.desired_key(statements, pg_admin_url, True)
    assert cache.desired_key(statements, pg_admin_url, True) == key  # stable

    def key_after(data: bytes) -> str:
        users.write_bytes(data)
        try:
            return cache.desired_key(load_schema_dir(project / "schema"), pg_admin_url, True)
        finally:
            users.write_bytes(original)

    in_statement = original.replace(b"TEXT", b"text", 1) if b"TEXT" in original else original.replace(b"text", b"TEXT", 1)
    assert in_statement != original
    assert key_after(in_statement) != key  # a statement's text
    assert key_after(b"-- a comment\n" + original) != key  # every location moves
    assert key_after(original + b"\n-- a trailing comment\n") != key  # the same statements, another byte
    assert key_after(original + b" ") != key
    assert key_after(original) == key
    # Another profile (no baseline), another baseline, another schemakit: other keys.
    assert cache.desired_key(statements, pg_admin_url, False) != key


def test_another_baseline_or_schemakit_misses(project: Path, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    statements = load_schema_dir(project / "schema")
    key = cache.desired_key(statements, pg_admin_url, True)
    monkeypatch.setattr(schemakit.cache, "BASELINE_VERSION", "0" * 12)
    assert cache.desired_key(statements, pg_admin_url, True) != key
    monkeypatch.undo()
    monkeypatch.setattr(schemakit.cache, "code_digest", lambda: "another schemakit")
    assert cache.desired_key(statements, pg_admin_url, True) != key


def test_a_server_of_another_major_or_other_roles_miss(project: Path, pg_admin_url: str) -> None:
    """The same files on a PostgreSQL 17 shadow: another key, a load, and its own state;
    a role added there: another key again."""
    found = embedded.installation_for(17)
    assert found is not None, "no PostgreSQL 17 installation (pip install -e '.[test]')"
    scratch = Path(tempfile.mkdtemp(prefix="schemakit-cache-pg17-", dir="/tmp"))
    data_dir = scratch / "data"
    try:
        server = embedded.start(data_dir, durable=False, bin_dir=found.bin_dir)
        statements = load_schema_dir(project / "schema")
        said: list[str] = []
        with cache.enabled(project / "cache", said.append):
            on_18 = load_desired(statements, pg_admin_url)
            on_17 = load_desired(statements, server.url())
            again_17 = cache.cached_desired_state(statements, server.url(), True, lambda: _no_load())
        assert cache.desired_key(statements, server.url(), True) != cache.desired_key(statements, pg_admin_url, True)
        assert sum(MISS in s for s in said) == 2 and sum(HIT in s for s in said) == 1, said
        assert on_17.model.server_version // 10000 == 17 and on_18.model.server_version // 10000 >= 15
        assert _exact(again_17) == _exact(on_17)
        # Roles are cluster-wide and the files may name them (grants, owners): another
        # set of roles may change the load's outcome, so it misses (on this server of
        # the test's own: the shared test server's roles are left alone).
        key = cache.desired_key(statements, server.url(), True)
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute("CREATE ROLE schemakit_cache_test")
            assert cache.desired_key(statements, server.url(), True) != key
            conn.execute("DROP ROLE schemakit_cache_test")
        assert cache.desired_key(statements, server.url(), True) == key
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(scratch, ignore_errors=True)


# -- damaged entries ----------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "not json"])
def test_a_damaged_entry_is_ignored_and_rewritten(
    damage: str, project: Path, baseline_db: str, pg_admin_url: str
) -> None:
    flags = _flags(project, as_role(baseline_db, "schemakit_owner"), pg_admin_url)
    first = run_cli("plan", *flags, "--format", "sql")
    assert first.exit_code == 0, first.output
    [entry] = _entries(project)
    data = entry.read_bytes()
    damaged = {
        "truncated": data[: len(data) // 2],
        "flipped": data[:-100] + bytes([data[-100] ^ 0x20]) + data[-99:],
        "empty": b"",
        "not json": b"\x00\xff" * 10,
    }[damage]
    entry.write_bytes(damaged)
    second = run_cli("plan", *flags, "--format", "sql")
    assert second.exit_code == 0, second.output
    assert DAMAGED in second.stderr and LOADING in second.stderr, second.stderr
    assert second.stdout == first.stdout
    key = entry.name.removeprefix("desired-").removesuffix(".json")
    rewritten, still_damaged = cache.read_entry(entry.parent, "desired", key)
    assert isinstance(rewritten, cache.Fingerprinted) and not still_damaged  # rewritten, whole
    assert len(entry.read_bytes()) == len(data)
    third = run_cli("plan", *flags, "--format", "sql")
    assert HIT in third.stderr and third.stdout == first.stdout, third.stderr


# -- concurrency ----------------------------------------------------------------------------


def test_two_concurrent_plans_give_the_same_result(project: Path, baseline_db: str, pg_admin_url: str) -> None:
    """Two processes plan at once on an empty cache: both load, both store, the same
    output; a third run hits the entry they left."""
    flags = _flags(project, as_role(baseline_db, "schemakit_owner"), pg_admin_url)
    env = {**os.environ, "PYTHONPATH": str(REPO), cache.NO_CACHE_ENV: "0"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "schemakit", "plan", *flags, "--format", "sql"]
    runs = [subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert outputs[0][0] == outputs[1][0] and "CREATE TABLE IF NOT EXISTS public.users" in outputs[0][0]
    third = run_cli("plan", *flags, "--format", "sql")
    assert HIT in third.stderr, third.stderr
    assert third.stdout == outputs[0][0]
    assert len(_entries(project)) == 1
    assert not list((project / ".schemakit" / "cache").glob(".*.tmp"))  # no temporary file left


def test_concurrent_writers_and_readers_never_see_a_partial_entry(tmp_path: Path) -> None:
    """Threads rewriting and reading one entry: a reader gets the whole value or none."""
    model = Model(
        objects={("table", f"public.t{i}"): Table("public", f"t{i}", tuple(Column(f"c{j}", "text") for j in range(10))) for i in range(60)},
        server_version=180000,
    )
    value = DesiredState(model=model, warnings=("w",))
    errors: list[str] = []
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            cache.write_entry(tmp_path, "desired", "k", value)

    def read() -> None:
        for _ in range(25):
            found, damaged = cache.read_entry(tmp_path, "desired", "k")
            if damaged or (found is not None and _exact(found) != _exact(value)):
                errors.append("damaged" if damaged else "different")

    cache.write_entry(tmp_path, "desired", "k", value)
    writers = [threading.Thread(target=write) for _ in range(3)]
    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in writers + readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    for t in writers:
        t.join()
    assert errors == []
    assert cache.read_entry(tmp_path, "desired", "k") == (value, False)
    assert not list(tmp_path.glob(".*.tmp"))


def test_old_entries_are_pruned(tmp_path: Path) -> None:
    value = DesiredState(model=Model(objects={}))
    for i in range(cache.KEEP + 5):
        assert cache.write_entry(tmp_path, "desired", f"k{i:03d}", value)
        os.utime(tmp_path / f"desired-k{i:03d}.json", (i, i))
    cache.prune(tmp_path)
    kept = sorted(p.name for p in tmp_path.glob("desired-*.json"))
    assert len(kept) == cache.KEEP and "desired-k000.json" not in kept and f"desired-k{cache.KEEP + 4:03d}.json" in kept
    # Each kind keeps its own newest: many newer catalog entries leave the files' state alone.
    for i in range(cache.KEEP + 5):
        assert cache.write_entry(tmp_path, "catalog", f"c{i:03d}", Model(objects={}))
    assert len(list(tmp_path.glob("catalog-*.json"))) == cache.KEEP
    assert sorted(p.name for p in tmp_path.glob("desired-*.json")) == kept


# -- byte-identical plans -------------------------------------------------------------------


def _cli_sql(project: Path, schema: Path, target: str, admin: str, *extra: str) -> tuple[str, str]:
    res = run_cli("plan", "--schema-dir", str(schema), "--db", target, "--shadow-url", admin, *extra)
    assert res.exit_code == 0, res.output
    return res.stdout, res.stderr


@pytest.mark.parametrize("fmt", ["sql", "json", "text"])
def test_seed_cached_and_uncached_plans_are_identical(
    fmt: str, project: Path, baseline_db: str, pg_admin_url: str
) -> None:
    target = as_role(baseline_db, "schemakit_owner")
    uncached, _ = _cli_sql(project, project / "schema", target, pg_admin_url, "--format", fmt, "--no-cache")
    _cli_sql(project, project / "schema", target, pg_admin_url, "--format", fmt)
    cached, said = _cli_sql(project, project / "schema", target, pg_admin_url, "--format", fmt)
    assert HIT in said
    assert cached == uncached


def _corpus() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.sql")) if CORPUS.is_dir() else ["(absent)"]


@pytest.mark.parametrize("name", _corpus())
def test_corpus_cached_and_uncached_plans_are_identical(
    name: str, project: Path, baseline_db: str, pg_admin_url: str
) -> None:
    skip_without_corpus()
    schema = project / "corpus"
    schema.mkdir()
    (schema / name).symlink_to(CORPUS / name)  # read in place
    target = as_role(baseline_db, "schemakit_owner")
    flags = ["--schema-dir", str(schema), "--db", target, "--shadow-url", pg_admin_url, "--format", "sql"]
    uncached = run_cli("plan", *flags, "--no-cache")
    run_cli("plan", *flags)
    cached = run_cli("plan", *flags)
    assert (cached.exit_code, cached.stdout) == (uncached.exit_code, uncached.stdout)
    if uncached.exit_code == 0:
        assert HIT in cached.stderr, cached.stderr
    else:  # a file the loader refuses (a syntax error): no shadow, nothing cached
        assert cached.stderr == uncached.stderr and not _entries(project)


def _pairs() -> list[tuple[str, str, str]]:
    return [(n, a, b) for n, a, b in json.loads(PAIRS.read_text(encoding="utf-8"))][:50]


@pytest.mark.parametrize("chunk", range(5))
def test_property_pairs_cached_and_uncached_plans_are_identical(chunk: int, tmp_path: Path, pg_admin_url: str) -> None:
    """50 stored pairs (tests/golden/pairs.json): B's files planned against A, once
    loaded (and stored) and once from the cache, A's model read from its catalog once and
    once from the catalog cache: the same SQL and JSON, byte for byte, as the plan from a
    fresh read of A."""
    pairs = _pairs()[chunk::5]
    assert len(pairs) == 10
    for name, a_sql, b_sql in pairs:
        schema = tmp_path / name.replace(" ", "_") / "schema"
        schema.mkdir(parents=True)
        (schema / "schema.sql").write_text(b_sql, encoding="utf-8")
        statements = load_schema_dir(schema)
        with shadow.temporary_database(pg_admin_url, baseline=True, prefix="schemakit_cache") as url:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(a_sql.encode())
                fresh = read_model(conn)
                target = PlanTarget(url=url, label="a")
                said: list[str] = []
                outputs = []
                with cache.enabled(tmp_path / "cache", said.append):
                    for _ in range(2):
                        current = catalog_memo.read(conn)
                        planned = plan_against(current, statements, pg_admin_url, target, said.append, row_probe(conn), profile=Profile.SUPABASE)
                        outputs.append((render_plan(planned.plan, "sql"), render_plan(planned.plan, "json")))
                planned = plan_against(fresh, statements, pg_admin_url, target, said.append, row_probe(conn), profile=Profile.SUPABASE)
        assert sum(MISS in s for s in said) == 1 and sum(HIT in s for s in said) == 1, (name, said)
        assert outputs[1] == outputs[0] == (render_plan(planned.plan, "sql"), render_plan(planned.plan, "json")), name
        assert len(list((tmp_path / "cache").glob("catalog-*.json"))) == len(set(pairs[: pairs.index((name, a_sql, b_sql)) + 1]))


# -- check's replay -------------------------------------------------------------------------


def test_check_replay_is_cached_and_a_changed_migration_misses(project: Path, pg_admin_url: str) -> None:
    flags = ["--schema-dir", str(project / "schema"), "--shadow-url", pg_admin_url]
    written = run_cli("plan", "--write", "--name", "init", *flags, "--no-cache")
    assert written.exit_code == 0, written.output
    first = run_cli("check", *flags)
    assert first.exit_code == 0, first.output
    assert len(_entries(project, "replay")) == 1 and len(_entries(project)) == 1
    second = run_cli("check", *flags)
    assert second.exit_code == 0, second.output
    assert "replayed state comes from the cache" in second.stderr and HIT in second.stderr, second.stderr
    assert LOADING not in second.stderr
    assert second.stdout == first.stdout
    [migration] = sorted((project / "migrations").glob("*.sql"))
    migration.write_text(migration.read_text() + "\n-- reviewed\n")
    third = run_cli("check", *flags)
    assert third.exit_code == 0, third.output
    assert "replayed state comes from the cache" not in third.stderr and MISS in third.stderr, third.stderr
    assert len(_entries(project, "replay")) == 2
    # A migration that changes the state misses too, and check sees the difference.
    migration.write_text(migration.read_text() + "\nALTER TABLE public.users ADD COLUMN extra int;\n")
    fourth = run_cli("check", *flags)
    assert fourth.exit_code == 1, fourth.output
    assert "public.users" in fourth.stderr


def test_library_calls_do_not_use_the_cache_unless_enabled(tmp_path: Path, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    statements = load_schema_dir(SEED_DIR)
    monkeypatch.chdir(tmp_path)
    calls: list[int] = []
    real = schemakit.desired.desired_state

    def counting(*args: Any, **kwargs: Any) -> DesiredState:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(schemakit.workflow, "desired_state", counting)
    load_desired(statements, pg_admin_url)
    load_desired(statements, pg_admin_url)
    assert len(calls) == 2 and not (tmp_path / ".schemakit").exists()


# -- the loader's output ----------------------------------------------------------------------


def test_an_unchanged_folder_is_not_parsed_again(
    project: Path, baseline_db: str, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader's output is cached too, keyed on the folder's files and their bytes: a
    warm plan parses nothing; its notice (a skipped BEGIN/COMMIT) is said again; a changed
    byte, or a new file, parses again; an error is never cached."""
    schema = project / "schema"
    (schema / "0004_wrapped.sql").write_text("BEGIN;\nCREATE TABLE public.extra (id int PRIMARY KEY);\nCOMMIT;\n")
    parsed: list[Path] = []

    def counting(directory: Path, **kwargs: Any) -> Any:
        parsed.append(directory)
        return load_schema_dir(directory, **kwargs)

    monkeypatch.setattr("schemakit.workflow.load_schema_dir", counting)
    flags = _flags(project, as_role(baseline_db, "schemakit_owner"), pg_admin_url)
    outputs = []
    for _ in range(2):
        res = run_cli("plan", *flags, "--format", "sql")
        assert res.exit_code == 0, res.output
        assert "note:" in res.stderr and "0004_wrapped.sql" in res.stderr, res.stderr
        outputs.append(res.stdout)
    assert len(parsed) == 1 and outputs[0] == outputs[1]
    assert HIT in res.stderr and len(_entries(project, "sources")) == 1
    (schema / "0004_wrapped.sql").write_text("BEGIN;\nCREATE TABLE public.extra (id int PRIMARY KEY);\nCOMMIT;\n ")
    assert run_cli("plan", *flags, "--format", "sql").exit_code == 0 and len(parsed) == 2
    (schema / "0005_more.sql").write_text("CREATE TABLE public.more (id int PRIMARY KEY);\n")
    res = run_cli("plan", *flags, "--format", "sql")
    assert res.exit_code == 0 and len(parsed) == 3 and "public.more" in res.stdout, res.output
    (schema / "0005_more.sql").write_text("CREATE TABLE public.more (id int PRIMARY KEY;\n")
    for _ in range(2):
        res = run_cli("plan", *flags, "--format", "sql")
        assert res.exit_code == 1 and "0005_more.sql:1:" in res.stderr, res.output
    assert len(parsed) == 5


def test_the_cached_statements_are_the_loaded_ones(project: Path) -> None:
    directory = project / "schema"
    loaded = load_schema_dir(directory)
    with cache.enabled(project / "cache"):
        first = cache.cached_sources(directory, lambda said, memo: load_schema_dir(directory, notice=said, memo=memo))
        again = cache.cached_sources(directory, lambda said, memo: pytest.fail("parsed again"))
    assert first == loaded and again == loaded
    detached = [tuple(dataclasses.replace(s, source=None) for s in statements) for statements in (again, loaded)]
    assert _exact(detached[0]) == _exact(detached[1])
    # The source files (their comments: renamed-from directives) come back too.
    assert [s.source for s in again] == [s.source for s in loaded] and all(s.source for s in again)


def test_a_changed_folder_parses_only_its_changed_files(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader's per-file memo: after one file changes, the others come from the cache
    (they are not parsed), and the statements are those a load without any cache gives."""
    import schemakit.source as source

    directory = project / "schema"
    with cache.enabled(project / "cache"):
        cache.cached_sources(directory, lambda said, memo: load_schema_dir(directory, notice=said, memo=memo))
        files = sorted(directory.glob("*.sql"))
        changed = files[len(files) // 2]
        changed.write_text(changed.read_text() + "\ncreate table public.memo_probe (id int);\n")
        parsed: list[str] = []
        real = getattr(source, "parse_source")  # not exported: the loader's own name for it

        def counting(src: Any) -> Any:
            parsed.append(src.display)
            return real(src)

        monkeypatch.setattr(source, "parse_source", counting)
        found = cache.cached_sources(directory, lambda said, memo: load_schema_dir(directory, notice=said, memo=memo))
    monkeypatch.setattr(source, "parse_source", real)
    assert len(files) > 2 and [Path(p).name for p in parsed] == [changed.name]
    assert found == load_schema_dir(directory)
    assert "public.memo_probe" in {name for s in found for name in s.provides}
    assert len(list((project / "cache" / "parsed").glob("file-*.json"))) == len(files)  # the old one is gone


def test_an_edit_that_changes_no_name_orders_the_statements_as_before(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load order is kept by the shape of the files' statements (their names, not
    their text): an edit that changes no name takes it from the memo, one that does works
    it out again; both give the statements a load without any cache gives."""
    import schemakit.source.order as order

    directory = project / "schema"
    worked: list[int] = []
    real = order.topological_order

    def counting(successors: Any) -> list[int]:
        worked.append(1)
        return real(successors)

    monkeypatch.setattr(order, "topological_order", counting)
    files = sorted(directory.glob("*.sql"))
    edited = files[len(files) // 2]
    with cache.enabled(project / "cache"):
        load = lambda said, memo: load_schema_dir(directory, notice=said, memo=memo)  # noqa: E731
        cache.cached_sources(directory, load)
        assert len(worked) == 1
        edited.write_text("-- a comment changes the bytes, not the names\n" + edited.read_text())
        found = cache.cached_sources(directory, load)
        assert len(worked) == 1  # from the memo
        assert found == load_schema_dir(directory) and len(worked) == 2
        edited.write_text(edited.read_text() + "\ncreate table public.order_probe (id int);\n")
        found = cache.cached_sources(directory, load)
        assert len(worked) == 3  # a new name: worked out again
        assert found == load_schema_dir(directory) and "public.order_probe" in {n for s in found for n in s.provides}


def test_the_shape_of_statements_is_the_same_in_every_process() -> None:
    """The order memo's key does not depend on the hash seed (frozensets' order does)."""
    code = (
        "import sys; from pathlib import Path; from schemakit.source import load_schema_dir\n"
        "class Memo:\n"
        "    shapes = []\n"
        "    def get(self, source, search): return None\n"
        "    def put(self, source, search, items): self.shapes.append(items.shape)\n"
        "    def order(self, shape): print(shape)\n"
        "    def put_order(self, shape, order): pass\n"
        "load_schema_dir(Path(sys.argv[1]), memo=Memo())\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code, str(SEED_DIR)], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True, cwd=REPO,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(seen) == 1 and len(seen.pop().strip()) == 64


def test_renamed_from_directives_hold_on_a_cache_hit(project: Path, baseline_db: str, pg_admin_url: str) -> None:
    """The directives live in the files' comments, which the cached statements point to:
    a warm plan still plans the declared rename, not a drop and an add."""
    target = as_role(baseline_db, "schemakit_owner")
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.memos (id int PRIMARY KEY, body text)")
    schema = project / "schema"
    (schema / "0009_notes.sql").write_text(
        "-- schemakit: renamed-from public.memos\nCREATE TABLE public.notes (id int PRIMARY KEY, body text);\n"
    )
    flags = _flags(project, target, pg_admin_url)
    first = run_cli("plan", *flags, "--format", "sql")
    second = run_cli("plan", *flags, "--format", "sql")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert HIT in second.stderr, second.stderr
    assert "RENAME TO notes" in second.stdout and "DROP TABLE" not in second.stdout, second.stdout
    assert second.stdout == first.stdout


class _Evil:
    """A pickle that would run a command if its global were resolved."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_an_entry_naming_anything_but_schemakits_dataclasses_is_refused(tmp_path: Path) -> None:
    """The stored form is pickle read by an unpickler that resolves schemakit's dataclasses
    only: a body naming a function is refused without running it, and a value holding
    another class (a Path) is stored but never read back (a miss, written again)."""
    import pickle

    marker = tmp_path / "ran"
    with pytest.raises(cachecodec.Undecodable):
        cachecodec.loads(pickle.dumps(_Evil(marker)))
    assert not marker.exists()
    assert cache.write_entry(tmp_path, "desired", "k", Model(objects={("schema", "p"): tmp_path}))  # type: ignore[dict-item]
    assert cache.read_entry(tmp_path, "desired", "k") == (None, True)
    model = Model(objects={}, server_version=180000)
    assert cache.write_entry(tmp_path, "desired", "m", model)
    assert cache.read_entry(tmp_path, "desired", "m") == (model, False)
