"""``schemakit test`` (issue 17): SQL test files run as PostgREST's roles, and pgTAP files.

Against real servers: the test server (a database built from the schema files on it, or
``--db``), and Debian's PostgreSQL 15 with pgTAP (postgresql-15-pgtap) for pgTAP files.
"""

from __future__ import annotations

import os

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from schemakit.schematest.parser import parse_test_file
from schemakit.schematest.runner import pgtap_available
from schemakit.server import embedded
from schemakit.source import SourceError
from tests.helpers import Result, query, run_cli, seed_project

REPO = Path(__file__).resolve().parent.parent
SEED_TESTS = REPO / "tests" / "schema"
A = "11111111-1111-1111-1111-111111111111"


def _run(*args: str) -> Result:
    return run_cli("test", *args)


def _summary(output: str) -> tuple[int, int]:
    match = re.search(r"^(\d+) passed, (\d+) failed", output, re.M)
    assert match, output
    return int(match.group(1)), int(match.group(2))


def _expect_line(path: Path, statement: str, nth: int = 0) -> int:
    """The line of the ``-- expect:`` that follows the ``nth`` statement starting with ``statement``."""
    lines = path.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(statement)]
    start = starts[nth]
    return next(i for i in range(start, len(lines)) if lines[i].startswith("-- expect:")) + 1


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


# -- the seed's RLS tests ---------------------------------------------------------------


def test_seed_rls_tests_pass(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped tests/schema/*.sql pass on a database built from schema/ (default paths)."""
    monkeypatch.chdir(REPO)
    res = _run("--shadow-url", pg_admin_url)
    assert res.exit_code == 0, res.output
    passed, failed = _summary(res.stdout)
    assert failed == 0 and passed >= 30, res.output
    for name in ("anon", "profiles", "service_role", "storage", "subscriptions"):
        assert re.search(rf"^tests/schema/{name}\.sql: \d+ passed$", res.stdout, re.M), res.output
    assert "with the Supabase baseline" in res.stdout


def test_weakened_subscription_policy_fails_at_its_expectations(pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = seed_project(tmp_path)
    policies = schema / "0002_policies.sql"
    text = policies.read_text()
    weak = text.replace(
        'ON public.subscriptions\n    FOR SELECT USING (auth.uid() = user_id);',
        "ON public.subscriptions\n    FOR SELECT USING (true);",
    )
    assert weak != text
    policies.write_text(weak)
    monkeypatch.chdir(REPO)
    res = _run("--schema-dir", str(schema), "--shadow-url", pg_admin_url)
    assert res.exit_code == 1, res.output
    subs = SEED_TESTS / "subscriptions.sql"
    line = _expect_line(subs, "SELECT user_id, plan FROM public.subscriptions;")
    assert f"tests/schema/subscriptions.sql:{line}: FAILED expect: rows" in res.stdout, res.output
    assert f'got [{{"user_id": "{A}", "plan": "pro"}}, {{"user_id": "22222222' in res.stdout, res.output
    other = _expect_line(subs, "SELECT * FROM public.subscriptions WHERE user_id")
    assert f"tests/schema/subscriptions.sql:{other}: FAILED expect: 0 rows: expected 0 rows, got 1 row" in res.stdout
    _, failed = _summary(res.stdout)
    assert failed >= 3, res.output
    assert "tests/schema/profiles.sql: 4 passed\n" in res.stdout  # the other tables' tests still pass


def test_weakened_storage_policy_fails(pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The upload policy without its folder check: planting into B's folder is no longer refused."""
    schema = seed_project(tmp_path)
    storage = schema / "0003_storage.sql"
    text = storage.read_text()
    head, sep, tail = text.partition('CREATE POLICY "Users can upload own files"')
    weak = head + sep + tail.replace("bucket_id = 'user-files' AND\n        auth.uid()::text = (storage.foldername(name))[1]", "bucket_id = 'user-files'", 1)
    assert weak != text
    storage.write_text(weak)
    monkeypatch.chdir(REPO)
    res = _run("--schema-dir", str(schema), "--shadow-url", pg_admin_url, "tests/schema/storage.sql")
    assert res.exit_code == 1, res.output
    line = _expect_line(SEED_TESTS / "storage.sql", "VALUES ('user-files', '22222222-2222-2222-2222-222222222222/planted.pdf');")
    assert f"tests/schema/storage.sql:{line}: FAILED expect: error 42501: expected error 42501, got 1 row" in res.stdout, res.output
    assert _summary(res.stdout)[1] == 3, res.output  # planting, the top-level object, B then sees the planted one


# -- the runner's semantics, on a small schema -------------------------------------------

NOTES = """
CREATE TABLE public.notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id uuid NOT NULL DEFAULT auth.uid(),
    body text NOT NULL CHECK (body <> '')
);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own notes" ON public.notes FOR ALL TO authenticated
    USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
"""


@pytest.fixture
def notes_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    _write(root / "schema", "notes.sql", NOTES)
    monkeypatch.chdir(root)
    return root


def test_roles_claims_savepoints_and_isolation(pg_admin_url: str, notes_project: Path) -> None:
    tests = notes_project / "tests" / "schema"
    _write(tests, "a_claims.sql", f"""
INSERT INTO public.notes (owner_id, body) VALUES ('{A}', 'fixture; with a semicolon');
-- as: authenticated sub={A} claims={{"app_metadata": {{"team": "red"}}, "email": "a@example.com"}}
SELECT current_user AS who, auth.uid() AS uid, auth.jwt() -> 'app_metadata' ->> 'team' AS team,
       auth.role() AS role, auth.email() AS email;
-- expect: rows [{{"who": "authenticated", "uid": "{A}", "team": "red", "role": "authenticated", "email": "a@example.com"}}]
INSERT INTO public.notes (body) VALUES ('');  -- expect: error check_violation
INSERT INTO public.notes (owner_id, body) VALUES ('22222222-2222-2222-2222-222222222222', 'not mine');
-- expect: error 42501
INSERT INTO public.notes (body) VALUES ('second');
-- expect: ok
SELECT body FROM public.notes ORDER BY id;
-- expect: rows [{{"body": "fixture; with a semicolon"}}, {{"body": "second"}}]
-- as: anon
SELECT * FROM public.notes;
-- expect: 0 rows
-- as: owner
SELECT current_user = session_user AS back, current_setting('request.jwt.claims', true) AS claims;
-- expect: rows [{{"back": true, "claims": ""}}]
""")
    _write(tests, "b_isolated.sql", """
-- the rows of a_claims.sql were rolled back
SELECT * FROM public.notes;
-- expect: 0 rows
""")
    res = _run("--shadow-url", pg_admin_url)
    assert res.exit_code == 0, res.output
    assert "tests/schema/a_claims.sql: 7 passed\n" in res.stdout, res.output
    assert "tests/schema/b_isolated.sql: 1 passed\n" in res.stdout, res.output
    assert res.stdout.rstrip().endswith("8 passed, 0 failed"), res.output


def test_failures_name_the_place_and_what_happened(pg_admin_url: str, notes_project: Path) -> None:
    path = _write(notes_project / "tests" / "schema", "bad.sql", f"""-- line 1
INSERT INTO public.notes (owner_id, body) VALUES ('{A}', '');
-- as: authenticated sub={A}
SELECT * FROM public.notes;
-- expect: 2 rows
INSERT INTO public.notes (body) VALUES ('x');
-- expect: error 23514
SELECT body FROM public.notes;
-- expect: rows [{{"body": "y"}}]
SELECT nope FROM public.notes;
-- expect: ok
SELECT 1 AS one;
-- expect: 1 rows
""")
    res = _run("--shadow-url", pg_admin_url, str(path))
    assert res.exit_code == 1, res.output
    out = res.stdout
    assert "tests/schema/bad.sql:2: FAILED statement: unexpected error 23514: new row for relation \"notes\" violates check constraint" in out, out
    assert "as the owner (fixture): INSERT INTO public.notes" in out
    assert "tests/schema/bad.sql:5: FAILED expect: 2 rows: expected 2 rows, got 0 rows" in out
    assert "tests/schema/bad.sql:7: FAILED expect: error 23514: expected error 23514, got 1 row" in out
    assert f'as authenticated sub={A}: INSERT INTO public.notes (body)' in out
    assert 'tests/schema/bad.sql:9: FAILED expect: rows [{"body": "y"}]: expected rows [{"body": "y"}], got [{"body": "x"}]' in out
    assert "tests/schema/bad.sql:11: FAILED expect: ok: got error 42703: column \"nope\" does not exist" in out
    assert out.rstrip().endswith("1 passed, 5 failed"), out


def test_db_runs_in_a_transaction_rolled_back(empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    query(empty_db, "CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL)")
    query(empty_db, "INSERT INTO public.items VALUES (1, 'kept')")
    monkeypatch.chdir(tmp_path)
    one = _write(tmp_path / "t", "one.sql", """
BEGIN;
INSERT INTO public.items VALUES (2, 'two');
INSERT INTO public.items VALUES (2, 'again');
-- expect: error unique_violation
UPDATE public.items SET name = 'changed';
-- expect: 2 rows
COMMIT;
""")
    own = _write(tmp_path / "t", "own.sql", "-- schemakit: own-database\nSELECT 1;\n-- expect: 1 rows\n")
    res = _run("--db", empty_db, str(one), str(own))
    assert res.exit_code == 0, res.output
    assert "t/one.sql: 2 passed\n" in res.stdout, res.output
    assert "t/own.sql: skipped (needs a database of its own" in res.stdout, res.output
    assert res.stdout.rstrip().endswith("2 passed, 0 failed, 1 skipped"), res.output
    assert query(empty_db, "SELECT id, name FROM public.items ORDER BY id") == [(1, "kept")]


def test_own_database_commits_each_statement(pg_admin_url: str, notes_project: Path) -> None:
    """A file with its own database may run what a transaction block refuses, and its
    committed rows are not seen by the other files."""
    tests = notes_project / "tests" / "schema"
    _write(tests, "a_own.sql", f"""-- schemakit: own-database
INSERT INTO public.notes (owner_id, body) VALUES ('{A}', 'committed');
CREATE INDEX CONCURRENTLY notes_body_idx ON public.notes (body);
-- expect: ok
INSERT INTO public.notes (owner_id, body) VALUES ('{A}', '');
-- expect: error 23514
SELECT count(*) AS n FROM public.notes;
-- expect: rows [{{"n": 1}}]
""")
    _write(tests, "b_shared.sql", """
SELECT * FROM public.notes;
-- expect: 0 rows
CREATE INDEX CONCURRENTLY notes_body_idx ON public.notes (body);
-- expect: error 25001
""")
    res = _run("--shadow-url", pg_admin_url)
    assert res.exit_code == 0, res.output
    assert "tests/schema/a_own.sql: 3 passed\n" in res.stdout, res.output
    assert "tests/schema/b_shared.sql: 2 passed\n" in res.stdout, res.output


# -- the parser: mistakes in a test file are located ---------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("-- expect: 1 rows\nSELECT 1;\n", 1, "`-- expect:` before a statement"),
        ("SELECT 1;\n-- as: anon\n-- expect: ok\nSELECT 2;\n", 3, "`-- expect:` before a statement"),
        ("SELECT 1;\n-- expect: some rows\n", 2, "unknown expectation 'some rows'"),
        ("SELECT 1;\n-- expect: error nonsense_condition\n", 2, "unknown SQLSTATE"),
        ("SELECT 1;\n-- expect: rows {\"a\": 1}\n", 2, "`rows` must be a JSON array of objects"),
        ("SELECT 1;\n-- expect: ok\n-- expect: 1 rows\n", 3, "a second `-- expect:`"),
        ("-- as: authenticated sub=42\nSELECT 1;\n", 1, "sub='42' is not a UUID"),
        ("-- as: authenticated claims={oops\nSELECT 1;\n", 1, "claims= is not valid JSON"),
        ("SELECT 1;\nSAVEPOINT s;\n", 2, "savepoints and two-phase commands"),
        ("SELECT 1;\n-- schemakit: own-database\nSELECT 2;\n", 2, "belong in the file's header"),
        ("-- schemakit: own-db\nSELECT 1;\n", 1, "unknown test file option 'own-db'"),
        ("SELECT 1\n-- expect: ok\n, 2;\n", 2, "a test directive inside a statement"),
        ("-- just a comment\n-- expect: ok\n", 2, "`-- expect:` before a statement"),
        ("SELECT 1;\n-- as: anon\n", 2, "`-- as:` with no statement after it"),
        ("SELECT 1;\n-- expect: ok\n-- schemakit: own-database\n", 3, "belong in the file's header"),
    ],
)
def test_mistakes_are_located(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = _write(tmp_path, "t.sql", text)
    with pytest.raises(SourceError) as info:
        parse_test_file(path)
    assert info.value.location is not None and info.value.location.line == line, info.value.render()
    assert message in info.value.message, info.value.render()


def test_cli_reports_a_located_mistake(pg_admin_url: str, notes_project: Path) -> None:
    _write(notes_project / "tests" / "schema", "t.sql", "SELECT 1;\n-- expect: 3 apples\n")
    res = _run("--shadow-url", pg_admin_url)
    assert res.exit_code == 1
    assert "tests/schema/t.sql:2:1: error: unknown expectation '3 apples'" in res.stderr, res.output


def test_no_test_files(pg_admin_url: str, notes_project: Path) -> None:
    res = _run("--shadow-url", pg_admin_url)
    assert res.exit_code == 1
    assert "no test files in tests/schema/ or supabase/tests/" in res.stderr, res.output


# -- pgTAP ---------------------------------------------------------------------------------

TAP = """begin;
create extension if not exists pgtap with schema extensions;
select plan(4);
select has_table('public', 'notes', 'notes exists');
insert into public.notes (owner_id, body) values ('11111111-1111-1111-1111-111111111111', 'hello');
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "11111111-1111-1111-1111-111111111111"}', true);
select is((select count(*) from public.notes), 1::bigint, 'A sees the note');
select is((select count(*) from public.notes), 2::bigint, 'a failing test');
select * from finish();
rollback;
"""


@pytest.fixture(scope="module")
def pg15_with_pgtap() -> Iterator[str]:
    """Debian's PostgreSQL 15, with pgTAP (postgresql-15-pgtap, which .ci/run installs)."""
    found = embedded.installation_for(15)
    pgtap = Path("/usr/share/postgresql/15/extension/pgtap.control")
    if os.environ.get("CI") != "true" and (found is None or not pgtap.exists()):
        # CI (.ci/run) installs both, and there the test must run.
        pytest.skip("PostgreSQL 15 with pgTAP is not installed (apt-get install postgresql-15-pgtap)")
    assert found is not None, "no PostgreSQL 15 (apt-get install postgresql-15)"
    data_dir = Path(tempfile.mkdtemp(prefix="schemakit-schematest-pg15-", dir="/tmp")) / "data"
    try:
        server = embedded.start(data_dir, durable=False, bin_dir=found.bin_dir)
        with psycopg.connect(server.url(), autocommit=True) as conn:
            assert pgtap_available(conn), "pgTAP is missing: apt-get install postgresql-15-pgtap"
        yield server.url()
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir.parent, ignore_errors=True)


def test_pgtap_files_run_and_report_the_same_way(pg15_with_pgtap: str, notes_project: Path) -> None:
    path = _write(notes_project / "supabase" / "tests", "notes_test.sql", TAP)
    res = _run("--shadow-url", pg15_with_pgtap)
    assert res.exit_code == 1, res.output
    out = res.stdout
    assert "supabase/tests/notes_test.sql: 2 passed, 2 failed" in out, out
    assert "supabase/tests/notes_test.sql:9: FAILED pgTAP test 3 - a failing test: Failed test 3: \"a failing test\" have: 1 want: 2" in out, out
    assert "supabase/tests/notes_test.sql:3: FAILED pgTAP plan of 4: planned 4 tests but ran 3" in out, out
    assert out.rstrip().endswith("2 passed, 2 failed"), out
    path.write_text(TAP.replace("select plan(4);", "select plan(2);").replace(
        "select is((select count(*) from public.notes), 2::bigint, 'a failing test');\n", ""))
    res = _run("--shadow-url", pg15_with_pgtap)
    assert res.exit_code == 0, res.output
    assert res.stdout.rstrip().endswith("2 passed, 0 failed"), res.output


def test_pgtap_files_where_the_server_may_lack_it(pg_admin_url: str, notes_project: Path) -> None:
    """On a server without pgTAP (the embedded 18) a pgTAP file is skipped, with the reason;
    where the server has it (CI's PostgreSQL 15), it runs."""
    _write(notes_project / "supabase" / "tests", "notes_test.sql", TAP)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        available = pgtap_available(conn)
    res = _run("--shadow-url", pg_admin_url)
    if available:
        assert res.exit_code == 1 and "2 passed, 2 failed" in res.stdout, res.output
    else:
        assert res.exit_code == 0, res.output
        assert "supabase/tests/notes_test.sql: skipped (a pgTAP file, and this server has no pgTAP extension" in res.stdout
        assert res.stdout.rstrip().endswith("0 passed, 0 failed, 1 skipped"), res.output
