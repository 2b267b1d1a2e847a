"""The kept shadow (issue 18): schemakit/keptshadow.py.

When the files changed since the last plan, only the changed statements and what depends
on them are reloaded into the project's kept shadow database. Against the real test
server: after each edit of a schema with every common kind, the incremental state is the
state a fresh full load gives (objects, dependencies, warnings); what cannot be undone by
dropping objects, a dependency the loader does not see, a kept database that no longer
matches its record and an error in the files all take the full load and say why; two
plans at once agree; and the CLI's plan with one file changed says it reloaded
incrementally and prints what ``--no-cache`` prints.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemakit import cache, keptshadow
from schemakit.desired import DesiredState, desired_state
from schemakit.profile import Profile
from schemakit.server import shadow
from schemakit.source import SourceError, load_schema_dir
from schemakit.workflow import load_desired
from tests.helpers import run_cli

BASE = {
    "00_types.sql": """
create type public.mood as enum ('happy', 'sad');
create domain public.score as integer check (value >= 0);
create sequence public.counter;
create or replace function public.touch() returns trigger language plpgsql as $$
begin
  new.updated_at = now();
  return new;
end;
$$;
create function public.double_it(x integer) returns integer language sql immutable as $$ select x * 2 $$;
""",
    "10_people.sql": """
create table public.people (
  id bigint generated always as identity primary key,
  user_id uuid references auth.users (id),
  name text not null,
  mood public.mood default 'happy',
  points public.score default 0,
  ticket integer default nextval('public.counter'),
  updated_at timestamptz default now()
);
create index people_name on public.people (name);
alter table public.people enable row level security;
create policy "people read own" on public.people for select using (auth.uid() = user_id);
create trigger people_touch before update on public.people for each row execute function public.touch();
grant select on public.people to authenticated;
comment on table public.people is 'everyone';
""",
    "20_posts.sql": """
create table public.posts (
  id bigint generated always as identity primary key,
  author bigint not null references public.people (id) on delete cascade,
  body text check (length(body) < 1000),
  doubled integer generated always as (public.double_it(length(body))) stored
);
create view public.post_counts as select author, count(*) as n from public.posts group by author;
""",
    "30_other.sql": """
create table public.tags (name text primary key);
create materialized view public.tag_names as select name from public.tags;
""",
}

# Each edit: (file, text to replace, replacement); applied to BASE.
EDITS: dict[str, tuple[str, str, str]] = {
    "column added": ("10_people.sql", "  name text not null,\n", "  name text not null,\n  nick text,\n"),
    "enum value added": ("00_types.sql", "('happy', 'sad')", "('happy', 'sad', 'meh')"),
    "domain check changed": ("00_types.sql", "value >= 0", "value >= 1"),
    "function body changed": ("00_types.sql", "select x * 2", "select x * 3"),
    "trigger function changed": ("00_types.sql", "new.updated_at = now();", "new.updated_at = clock_timestamp();"),
    "policy changed": ("10_people.sql", "using (auth.uid() = user_id)", "using (auth.uid() = user_id or name = 'x')"),
    "grant removed": ("10_people.sql", "grant select on public.people to authenticated;\n", ""),
    "comment changed": ("10_people.sql", "'everyone'", "'all of them'"),
    "index removed": ("10_people.sql", "create index people_name on public.people (name);\n", ""),
    "view changed": ("20_posts.sql", "count(*) as n", "count(*) as n, max(id) as last"),
    "table removed": ("30_other.sql", "create materialized view public.tag_names as select name from public.tags;\n", ""),
    "check changed": ("20_posts.sql", "length(body) < 1000", "length(body) < 2000"),
    "table added": ("30_other.sql", "create table public.tags", "create table public.extra (id int);\ncreate table public.tags"),
    "sequence default changed": ("10_people.sql", "nextval('public.counter')", "42"),
    "index added on a kept table": ("20_posts.sql", "create view", "create index posts_body on public.posts (body);\ncreate view"),
    "table added with an FK to a kept table": (
        "30_other.sql", "create table public.tags", "create table public.likes (who bigint references public.people (id));\ncreate table public.tags",
    ),
    "check added by ALTER TABLE": (
        "30_other.sql", "create materialized view", "alter table public.tags add constraint tags_len check (length(name) < 50);\ncreate materialized view",
    ),
    "trigger removed": ("10_people.sql", "create trigger people_touch before update on public.people for each row execute function public.touch();\n", ""),
}


@dataclass
class Project:
    root: Path
    admin: str

    @property
    def schema(self) -> Path:
        return self.root / "schema"

    def edit(self, name: str) -> None:
        file, old, new = EDITS[name]
        path = self.schema / file
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    def kept(self, said: list[str] | None = None) -> DesiredState:
        """The files' state through the cache and the kept shadow (what a plan gets)."""
        notes = said if said is not None else []
        with cache.enabled(self.root / ".schemakit" / "cache", notes.append):
            return self.load(notes)

    def load(self, notes: list[str]) -> DesiredState:
        """``kept`` inside a ``cache.enabled`` block of the caller's (the setting is the
        process's: threads share one block)."""
        return load_desired(load_schema_dir(self.schema), self.admin, notes.append, Profile.SUPABASE)

    def fresh(self) -> DesiredState:
        """The files' state from a full load into a throw-away shadow (no cache)."""
        return desired_state(load_schema_dir(self.schema), self.admin, baseline=True)

    def kept_database(self) -> str:
        return keptshadow.database_name(self.root / ".schemakit" / "cache")


@pytest.fixture
def project(tmp_path: Path, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch, steady_roles: None) -> Iterator[Project]:
    monkeypatch.setenv(cache.NO_CACHE_ENV, "0")
    monkeypatch.setenv(keptshadow.KEEP_ENV, "1")  # the test server may not be this user's (SCHEMAKIT_TEST_DSN)
    (tmp_path / "schema").mkdir()
    for name, text in BASE.items():
        (tmp_path / "schema" / name).write_text(text)
    p = Project(tmp_path, pg_admin_url)
    yield p
    shadow.drop_database(pg_admin_url, p.kept_database())


def assert_same(a: DesiredState, b: DesiredState) -> None:
    assert a.model.objects == b.model.objects
    assert a.model.depends == b.model.depends
    assert a.model.fingerprint() == b.model.fingerprint()
    assert a.warnings == b.warnings
    assert a.pristine == b.pristine


def incremental(said: list[str]) -> list[str]:
    return [s for s in said if s.startswith("shadow: incremental")]


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_reloads_incrementally_to_the_state_a_full_load_gives(project: Project, edit: str) -> None:
    said: list[str] = []
    project.kept(said)
    assert any("full load into the kept shadow database (no kept shadow database yet)" in s for s in said), said
    project.edit(edit)
    said = []
    state = project.kept(said)
    assert incremental(said), said
    assert_same(state, project.fresh())
    said = []
    project.kept(said)  # unchanged since: the cache holds it, nothing is loaded
    assert any("comes from the cache" in s for s in said) and not incremental(said), said


def test_the_kept_catalog_read_where_it_changed_is_the_whole_read(project: Project) -> None:
    """After each incremental load the record keeps the catalog as read, where the reload
    changed it (schemakit.catalog.partial) and the rest from the last read: its objects
    and dependency rows equal a read of the whole kept database."""
    from schemakit.catalog.partial import bound
    from schemakit.catalog.reader import CatalogReader

    project.kept()
    for edit in ("index added on a kept table", "policy changed", "check added by ALTER TABLE", "column added"):
        project.edit(edit)
        said: list[str] = []
        project.kept(said)
        assert incremental(said), (edit, said)
        directory = project.root / ".schemakit" / "cache"
        record = keptshadow._read_record(directory)
        assert record is not None
        last = keptshadow._read_last(directory, record.digest)
        url = shadow.database_url(project.admin, project.kept_database())
        with psycopg.connect(url, autocommit=True) as conn:
            reader = CatalogReader(conn)  # the files declare no rows and no owners
            whole = reader.read()
        assert last is not None
        assert {f: set(o) for f, o in last.objects.items()} == {f: set(o) for f, o in bound(whole).items()}, edit
        assert set(last.depends) == set(reader.depends_rows), edit


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted(EDITS)), min_size=2, max_size=4, unique=True))
def test_edits_one_after_another_stay_equal_to_full_loads(project: Project, edits: list[str]) -> None:
    for name in BASE:
        (project.schema / name).write_text(BASE[name])
    project.kept()
    for edit in edits:
        project.edit(edit)
        assert_same(project.kept(), project.fresh())


def test_a_dependency_the_loader_misses_makes_the_drops_refuse(project: Project) -> None:
    project.kept()
    with psycopg.connect(shadow.database_url(project.admin, project.kept_database()), autocommit=True) as conn:
        # public.post_counts reads public.posts: dropping posts alone would drop the view too.
        with pytest.raises(keptshadow.NotTaken, match="public.post_counts"):
            keptshadow.drops(conn, frozenset({"public.posts"}))
        found = keptshadow.drops(conn, frozenset({"public.posts", "public.post_counts"}))
        assert sorted(q.as_string(conn) for q in found) == [
            'DROP TABLE IF EXISTS "public"."posts" CASCADE',
            'DROP VIEW IF EXISTS "public"."post_counts" CASCADE',
        ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("alter default privileges in schema public grant select on tables to anon;\n", "alter default privileges"),
        ("create schema extra;\n", "create schema"),
    ],
)
def test_what_dropping_cannot_undo_takes_the_full_load(project: Project, text: str, why: str) -> None:
    project.kept()
    (project.schema / "05_more.sql").write_text(text)
    said: list[str] = []
    state = project.kept(said)
    assert any(s.startswith("shadow: full load") and why in s for s in said), said
    assert_same(state, project.fresh())
    (project.schema / "05_more.sql").unlink()  # and back (with another edit, so that the cache misses):
    project.edit("comment changed")  # the removal is not undoable either
    said = []
    state = project.kept(said)
    assert any(s.startswith("shadow: full load") for s in said), said
    assert_same(state, project.fresh())


def test_a_kept_database_changed_behind_its_back_takes_the_full_load(project: Project) -> None:
    project.kept()
    with psycopg.connect(shadow.database_url(project.admin, project.kept_database()), autocommit=True) as conn:
        conn.execute("COMMENT ON DATABASE " + conn.info.dbname + " IS 'touched'")
    project.edit("column added")
    said: list[str] = []
    state = project.kept(said)
    assert any("does not match its record" in s for s in said), said
    assert_same(state, project.fresh())
    shadow.drop_database(project.admin, project.kept_database())  # gone altogether
    project.edit("table added")
    said = []
    state = project.kept(said)
    assert any(s.startswith("shadow: full load") for s in said), said
    assert_same(state, project.fresh())


def test_an_error_in_the_files_is_reported_by_the_full_load_at_its_place(project: Project) -> None:
    project.kept()
    path = project.schema / "30_other.sql"
    path.write_text(path.read_text().replace("select name from public.tags", "select nope from public.tags"))
    said: list[str] = []
    with pytest.raises(SourceError) as caught:
        project.kept(said)
    assert "30_other.sql:3:" in str(caught.value), str(caught.value)
    assert any("the incremental load failed" in s for s in said), said
    path.write_text(BASE["30_other.sql"])  # fixed (and another edit, so that the cache misses):
    project.edit("comment changed")  # the next plan starts over from a full load
    said = []
    state = project.kept(said)
    assert any(s.startswith("shadow: full load") for s in said), said
    assert_same(state, project.fresh())


def test_two_plans_at_once_agree(project: Project) -> None:
    project.kept()
    project.edit("view changed")
    results: list[DesiredState] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(project.load([]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    with cache.enabled(project.root / ".schemakit" / "cache"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    expected = project.fresh()
    for state in results:
        assert_same(state, expected)


def test_the_cli_plan_with_one_file_changed_reloads_incrementally(
    project: Project, baseline_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.root)
    flags = ["--schema-dir", str(project.schema), "--db", baseline_db, "--shadow-url", project.admin, "--format", "sql"]
    first = run_cli("plan", *flags)
    assert first.exit_code == 0, first.output
    project.edit("policy changed")
    second = run_cli("plan", *flags)
    assert second.exit_code == 0, second.output
    assert "shadow: incremental: " in second.stderr, second.stderr
    uncached = run_cli("plan", *flags, "--no-cache")
    assert uncached.exit_code == 0, uncached.output
    assert "shadow: incremental" not in uncached.stderr
    assert second.stdout == uncached.stdout


def test_off_without_the_cache_or_when_turned_off(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(keptshadow.KEEP_ENV, "0")
    said: list[str] = []
    project.kept(said)
    assert not any(s.startswith("shadow:") for s in said), said
    with psycopg.connect(project.admin, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [project.kept_database()]).fetchone()
    assert row is None
    shutil.rmtree(project.root / ".schemakit")


def test_a_statement_written_twice_counts_twice_in_what_to_reload(tmp_path: Path) -> None:
    """The reload compares the statements as multisets: removing one of two identical
    statements is a change (and reloads what it names), keeping both is none."""
    (tmp_path / "a.sql").write_text(
        "CREATE TABLE public.a (id int);\nCREATE TABLE public.b (id int);\n"
        "GRANT SELECT ON public.a TO anon;\nGRANT SELECT ON public.a TO anon;\n"
    )
    old = [keptshadow.held(s) for s in load_schema_dir(tmp_path)]
    assert keptshadow.plan_reload(old, load_schema_dir(tmp_path)) == keptshadow.Reload(frozenset(), ())
    (tmp_path / "a.sql").write_text(
        "CREATE TABLE public.a (id int);\nCREATE TABLE public.b (id int);\nGRANT SELECT ON public.a TO anon;\n"
    )
    reload = keptshadow.plan_reload(old, load_schema_dir(tmp_path))
    assert "public.a" in reload.dirty and "public.b" not in reload.dirty
    assert [s.kind for s in reload.statements] == ["create_table", "grant"]
