"""Unit tests of schemakit.source (no database)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemakit.errors import SchemakitError
from schemakit.source import (
    Location,
    SourceError,
    SourceStatement,
    load_schema_dir,
    load_sources,
    locate,
)

from tests.helpers import CORPUS, SEED_DIR, requires_corpus


def seed_blocks() -> list[str]:
    """The seed's files in the project's schema/ (the seed document's ```sql blocks)."""
    return [p.read_text(encoding="utf-8") for p in sorted(SEED_DIR.glob("*.sql"))]


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def load_text(tmp_path: Path, text: str, name: str = "schema.sql") -> list[SourceStatement]:
    return load_sources([write(tmp_path, {name: text}) / name])


def error_of(tmp_path: Path, text: str, name: str = "schema.sql") -> SourceError:
    with pytest.raises(SourceError) as info:
        load_text(tmp_path, text, name)
    return info.value


def index_of(statements: list[SourceStatement], kind: str, name: str) -> int:
    for i, s in enumerate(statements):
        if s.kind == kind and name in s.provides:
            return i
    raise AssertionError(f"no {kind} providing {name}")


# -- the seed schema -------------------------------------------------------------------------


def test_seed_loads_with_expected_kinds(tmp_path: Path) -> None:
    init, policies, storage = seed_blocks()
    directory = write(
        tmp_path,
        {"0001_init.sql": init, "0002_policies.sql": policies, "0003_storage.sql": storage},
    )
    statements = load_schema_dir(directory)
    kinds = Counter(s.kind for s in statements)
    assert kinds == {
        "create_table": 3,
        "create_index": 7,
        "create_function": 1,
        "create_trigger": 3,
        "alter_table": 3,
        "create_policy": 12,
        "bucket": 1,
    }
    # The 12 DROP POLICY IF EXISTS are the idempotency idiom: omitted.
    assert not any(s.sql.upper().startswith("DROP") for s in statements)
    users = statements[index_of(statements, "create_table", "public.users")]
    assert users.location == Location(str(directory / "0001_init.sql"), 6, 1)
    assert users.sql.startswith("CREATE TABLE IF NOT EXISTS public.users (")
    assert users.sql.endswith(")")
    assert "auth.users" in users.requires
    subs = statements[index_of(statements, "create_table", "public.subscriptions")]
    assert "public.users" in subs.requires
    # Built-ins never become requirements.
    for s in statements:
        assert not any(r.split(".")[-1] in {"now", "gen_random_uuid", "text", "uuid"} for r in s.requires)
    trigger = next(s for s in statements if s.kind == "create_trigger")
    assert "public.update_updated_at_column" in trigger.requires
    function = next(s for s in statements if s.kind == "create_function")
    assert function.sql.rstrip().endswith("$$ language 'plpgsql'")
    assert function.provides == frozenset({"public.update_updated_at_column"})
    bucket = next(s for s in statements if s.kind == "bucket")
    assert bucket.requires == frozenset()
    assert "ON CONFLICT (id) DO NOTHING" in bucket.sql


def test_seed_reversed_file_order_still_loads_in_dependency_order(tmp_path: Path) -> None:
    init, policies, storage = seed_blocks()
    directory = write(
        tmp_path,
        {"a_storage.sql": storage, "b_policies.sql": policies, "c_init.sql": init},
    )
    statements = load_schema_dir(directory)
    assert len(statements) == 30
    position = {id(s): i for i, s in enumerate(statements)}
    tables = {
        name: index_of(statements, "create_table", name)
        for name in ("public.users", "public.subscriptions", "public.usage_counters")
    }
    function = index_of(statements, "create_function", "public.update_updated_at_column")
    for s in statements:
        for name, at in tables.items():
            if name in s.requires:
                assert position[id(s)] > at, (s.sql, name)
        if s.kind == "create_trigger":
            assert position[id(s)] > function
    assert tables["public.users"] < tables["public.subscriptions"]
    # Policies on storage.objects need nothing from the files: they keep file order (first).
    assert statements[0].kind == "bucket"


def test_file_order_does_not_matter_and_ties_keep_file_order(tmp_path: Path) -> None:
    directory = write(
        tmp_path,
        {
            "1.sql": "create policy p on t using (is_ok(id));\ncomment on table t is 'x';",
            "2.sql": "create function is_ok(i int) returns boolean language sql as $$ select true $$;",
            "3.sql": "create table t (id int primary key, s status);\ncreate type status as enum ('a');",
        },
    )
    kinds = [s.kind for s in load_schema_dir(directory)]
    assert kinds == ["create_function", "create_enum", "create_table", "create_policy", "comment"]


def test_fk_cycle_keeps_original_order(tmp_path: Path) -> None:
    statements = load_text(
        tmp_path,
        "create table b (id int primary key, a_id int references a);\n"
        "create table a (id int primary key, b_id int references b);\n"
        "create index on a (b_id);\n",
    )
    assert [sorted(s.provides) for s in statements[:2]] == [["public.b"], ["public.a"]]
    assert statements[2].kind == "create_index"


def test_statements_on_one_table_keep_their_order(tmp_path: Path) -> None:
    directory = write(
        tmp_path,
        {
            # The index needs the column the ALTER adds: written order is kept.
            "1.sql": "alter table t add column c int;\ncreate index i on t (c);\n",
            "2.sql": "create table t (id int);\n",
        },
    )
    statements = load_schema_dir(directory)
    assert [s.kind for s in statements] == ["create_table", "alter_table", "create_index"]
    assert statements[2].provides == frozenset({"public.i"})


def test_schemas_extensions_and_default_privileges_come_first(tmp_path: Path) -> None:
    directory = write(
        tmp_path,
        {
            "1.sql": "create table app.t (id uuid default extensions.uuid_generate_v4(), v citext);",
            "2.sql": "alter default privileges in schema app grant select on tables to anon;",
            "3.sql": "create extension if not exists citext;\n"
            'create extension "uuid-ossp" with schema extensions;',
            "4.sql": "create schema app;\ncreate schema extensions;\n"
            "grant select on all tables in schema app to anon;",
        },
    )
    kinds = [(s.kind, sorted(s.provides)) for s in load_schema_dir(directory)]
    order = [k for k, _ in kinds]
    assert order.index("create_table") > order.index("alter_default_privileges")
    assert order.index("create_table") > max(i for i, k in enumerate(order) if k == "create_extension")
    assert order.index("alter_default_privileges") > kinds.index(("create_schema", ["app"]))
    assert kinds.index(("create_extension", ["extension:uuid-ossp"])) > kinds.index(
        ("create_schema", ["extensions"])
    )
    assert order[-1] == "grant"


def test_search_path_resolution(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "s.sql": "create table t (id int);\ncreate table u (t_id int references t, n text);\n"
            "create table other.v (id int references t);"
        },
    ) / "s.sql"
    statements = load_sources([path], search_path=("app", "public"))
    assert statements[0].provides == frozenset({"app.t"})
    assert statements[1].requires == frozenset({"app.t"})
    assert statements[2].requires == frozenset({"app.t"})


def test_sql_bodies_with_semicolons_are_split_by_the_parser(tmp_path: Path) -> None:
    text = (
        "create table t (id int);\n"
        "create function f() returns int language sql\n"
        "begin atomic\n  select 1;\n  select count(*) from t;\nend;\n"
        "create function g() returns int as $$ begin return 1; end; $$ language plpgsql;\n"
    )
    statements = load_text(tmp_path, text)
    assert [s.kind for s in statements] == ["create_table", "create_function", "create_function"]
    assert statements[1].sql.endswith("end")
    assert "public.t" in statements[1].requires  # BEGIN ATOMIC bodies are resolved by PG
    assert statements[2].sql.endswith("language plpgsql")


def test_sequences_comments_grants_and_publication(tmp_path: Path) -> None:
    statements = load_text(
        tmp_path,
        "alter publication pub add table t;\n"
        "comment on column t.id is 'x';\n"
        "grant select on t to anon;\n"
        "revoke all on function f from public;\n"
        "create table t (id int default nextval('s'::regclass));\n"
        "create sequence s owned by t.id;\n"
        "create publication pub;\n"
        "create function f() returns int language sql as 'select 1';\n",
    )
    kinds = [s.kind for s in statements]
    assert kinds.index("alter_publication") > kinds.index("create_publication")
    table = index_of(statements, "create_table", "public.t")
    assert kinds.index("comment") > table and kinds.index("grant") > table
    assert kinds.index("revoke") > kinds.index("create_function")
    # nextval('s') and OWNED BY t.id form a cycle: both kept, original order.
    assert table < kinds.index("create_sequence")


def test_statement_text_and_locations(tmp_path: Path) -> None:
    text = "-- header\n\n  /* c */ create table t (\n\tid int, -- x\n\tbad int\n) ; -- tail\n"
    (statement,) = load_text(tmp_path, text)
    assert statement.sql == "create table t (\n\tid int, -- x\n\tbad int\n)"
    assert (statement.location.line, statement.location.col) == (3, 11)
    assert str(statement.location).endswith("schema.sql:3:11")
    # PostgreSQL positions are 1-based characters into statement.sql.
    assert locate(statement, 1) == statement.location
    position = statement.sql.index("bad") + 1
    assert (locate(statement, position).line, locate(statement, position).col) == (5, 2)
    assert locate(statement, 10_000).line == 6


def test_empty_and_comment_only_files(tmp_path: Path) -> None:
    assert load_text(tmp_path, "") == []
    assert load_text(tmp_path, "-- nothing\n/* here */\n;;\n") == []


# -- errors ----------------------------------------------------------------------------------


@requires_corpus
def test_slack_clone_missing_semicolon() -> None:
    with pytest.raises(SourceError) as info:
        load_sources([CORPUS / "slack-clone.sql"])
    error = info.value
    assert isinstance(error, SchemakitError)
    assert error.location is not None
    # The statement ending at line 200 ("using (true)") lacks its ';'.
    assert (error.location.line, error.location.col) == (200, 13)
    assert error.message == 'syntax error at or near "create"'
    rendered = error.render()
    assert rendered.splitlines()[0].endswith('slack-clone.sql:200:13: error: syntax error at or near "create"')
    assert rendered.splitlines()[1] == " 200 | using (true)"
    assert rendered.splitlines()[2] == "     |             ^"
    assert "line 207" in rendered and rendered.splitlines()[3].startswith("hint: ")


def test_syntax_error_position(tmp_path: Path) -> None:
    error = error_of(tmp_path, "create table t (id int);\ncreate table u (id int,, x int);\n")
    assert error.location is not None
    assert (error.location.line, error.location.col) == (2, 24)
    assert error.render().splitlines()[1:3] == [
        "   2 | create table u (id int,, x int);",
        "     |                        ^",
    ]
    error = error_of(tmp_path, "create function f() returns int as $$ select 1\n")
    assert "unterminated" in error.message and error.location is not None


@pytest.mark.parametrize(
    ("sql", "message", "hint"),
    [
        ("update t set a = 1", "UPDATE is not allowed", "seed script"),
        ("delete from t", "DELETE FROM is not allowed", "seed script"),
        ("insert into public.t values (1)", "INSERT INTO public.t is not allowed", "seed script"),
        ("begin", "BEGIN is not allowed", "one transaction"),
        ("commit", "COMMIT is not allowed", "one transaction"),
        ("set search_path = app", "SET search_path is not allowed", "search_path"),
        ("set check_function_bodies = false", "SET check_function_bodies", "already"),
        ("select set_config('a.b', 'c', false)", "SELECT is not allowed", "seed script"),
        ("do $$ begin null; end $$", "DO blocks are not allowed", "seed script"),
        ("vacuum t", "VACUUM is not allowed", "maintenance"),
        ("drop table t", "DROP statements are not allowed", "IF EXISTS"),
        ("drop policy if exists p on t", "DROP statements are not allowed", "no CREATE of policy public.t.p"),
        ("alter table t rename to u", "RENAME is not allowed", "final name"),
        ("alter table t drop column a", "DROP COLUMN is not allowed", "CREATE TABLE"),
        ("create role r", "CREATE ROLE is not allowed", "cluster-wide"),
        ("create aggregate a (int) (sfunc = f, stype = int)", "CREATE AGGREGATE is not supported", None),
        ("insert into storage.buckets (id) select 'x'", "must list its buckets with VALUES", None),
    ],
)
def test_unsupported_statements(tmp_path: Path, sql: str, message: str, hint: str | None) -> None:
    text = "create table t (a int);\n\n  -- comment\n   " + sql + ";\ncreate table z (a int);\n"
    error = error_of(tmp_path, text)
    assert message in error.message
    if hint is not None:
        assert error.hint is not None and hint in error.hint
    assert error.location is not None
    assert (error.location.line, error.location.col) == (4, 4)
    assert error.render().splitlines()[2] == "     |    ^"


def test_drop_if_exists_idiom(tmp_path: Path) -> None:
    directory = write(
        tmp_path,
        {
            "1.sql": "drop policy if exists p on t;\ndrop trigger if exists tr on public.t;\n"
            "drop function if exists f(int);\ndrop view if exists v;\n",
            "2.sql": "create table t (id int);\ncreate policy p on public.t using (true);\n"
            "create function f(i int) returns trigger language plpgsql as $$begin return new; end$$;\n"
            "create trigger tr before insert on t for each row execute function f();\n"
            "create or replace view v as select * from t;\n",
        },
    )
    statements = load_schema_dir(directory)
    assert [s.kind for s in statements] == [
        "create_table",
        "create_policy",
        "create_function",
        "create_trigger",
        "create_view",
    ]
    # A DROP after its CREATE, or of another kind of object, is not the idiom.
    for text in (
        "create table t (id int);\ndrop table if exists t;",
        "drop view if exists t;\ncreate table t (id int);",
        "drop policy if exists p on t;\ncreate table t (id int);\ncreate policy p on u using (true);",
    ):
        error = error_of(tmp_path, text, "bad.sql")
        assert error.message.startswith("DROP statements are not allowed in schema files")
        assert error.location is not None and error.location.col == 1


def test_unreadable_inputs(tmp_path: Path) -> None:
    (tmp_path / "latin1.sql").write_bytes("create table t (\n  nom text default 'é'\n);".encode("latin-1"))
    with pytest.raises(SourceError) as info:
        load_sources([tmp_path / "latin1.sql"])
    assert info.value.location is not None
    assert (info.value.location.line, info.value.location.col) == (2, 21)
    assert "UTF-8" in info.value.message
    (tmp_path / "nul.sql").write_bytes(b"create table t (a int);\x00")
    with pytest.raises(SourceError, match="NUL"):
        load_sources([tmp_path / "nul.sql"])
    with pytest.raises(SourceError, match="cannot read"):
        load_sources([tmp_path / "missing.sql"])
    with pytest.raises(SourceError, match="does not exist"):
        load_schema_dir(tmp_path / "nowhere")
    (tmp_path / "bom.sql").write_bytes(b"\xef\xbb\xbfcreate table t (a int);")
    (statement,) = load_sources([tmp_path / "bom.sql"])
    assert statement.location.col == 1


# -- corpus ----------------------------------------------------------------------------------

CORPUS_EXPECTATIONS: dict[str, tuple[str, str | None, int | None]] = {
    # file: ("loads", None, statement count) or ("error", message fragment, line)
    "nextjs-subscription-payments.sql": ("loads", None, 21),
    "user-management.sql": ("loads", None, 11),
    "react-user-management.sql": ("loads", None, 10),  # its BEGIN ... COMMIT wrapper is skipped
    "slack-clone-init-migration.sql": ("loads", None, 43),  # likewise
}


@requires_corpus
@pytest.mark.parametrize("name", sorted(CORPUS_EXPECTATIONS))
def test_corpus(name: str) -> None:
    outcome, fragment, number = CORPUS_EXPECTATIONS[name]
    if outcome == "loads":
        statements = load_sources([CORPUS / name])
        assert len(statements) == number
        assert not any(s.kind == "drop" for s in statements)
    else:
        with pytest.raises(SourceError) as info:
            load_sources([CORPUS / name])
        assert fragment is not None and fragment in info.value.message
        assert info.value.location is not None and info.value.location.line == number
        assert info.value.hint


@requires_corpus
def test_corpus_is_fully_covered() -> None:
    files = {p.name for p in CORPUS.glob("*.sql")} - {"slack-clone.sql"}
    assert files == set(CORPUS_EXPECTATIONS)


# -- robustness --------------------------------------------------------------------------------

_ROBUST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _only_source_errors(path: Path) -> None:
    try:
        load_sources([path])
    except SourceError as error:
        error.render()


@_ROBUST
@given(st.text())
def test_arbitrary_text_only_raises_source_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.sql"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _only_source_errors(path)


@_ROBUST
@given(st.binary())
def test_arbitrary_bytes_only_raise_source_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.sql"
    path.write_bytes(data)
    _only_source_errors(path)


@_ROBUST
@given(st.data())
def test_truncated_and_spliced_seed_only_raises_source_error(tmp_path: Path, data: st.DataObject) -> None:
    text = "\n".join(seed_blocks())
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    junk = data.draw(st.sampled_from(["", ";", "$$", "'", "(", "begin atomic", "drop table x"]))
    path = tmp_path / "fuzz.sql"
    path.write_text(text[:start] + junk + text[end:], encoding="utf-8")
    _only_source_errors(path)


def test_with_source_is_replace_of_the_source_alone() -> None:
    """``SourceStatement.with_source`` (the cache's fast ``replace``) keeps every other field:
    a field added to the class must be added there too."""
    from dataclasses import fields, replace

    from schemakit.source.model import Location, SourceFile, SourceStatement

    assert [f.name for f in fields(SourceStatement)] == [
        "sql", "location", "kind", "provides", "requires", "offset", "file_index", "source",
    ]
    source = SourceFile(Path("a.sql"), "a.sql", 3, "create table t (id int);", (0,))
    stmt = SourceStatement(
        "create table t (id int)", Location("a.sql", 1, 1), "create_table",
        frozenset({"public.t"}), frozenset(), offset=0, file_index=3,
    )
    for value in (source, None):
        made, expected = stmt.with_source(value), replace(stmt, source=value)
        assert [getattr(made, f.name) for f in fields(made)] == [getattr(expected, f.name) for f in fields(expected)]
