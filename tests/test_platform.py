"""User objects in platform schemas (storage, auth, ...) are managed; the platform's own
objects never are, in either direction; a statement whose result is not managed gets a
located warning (schemakit.platform)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from schemakit.catalog import read_model
from tests.helpers import Target, query, run_cli
from tests.test_core import _psql

FN = """
CREATE FUNCTION storage.object_depth(name text) RETURNS integer
LANGUAGE sql IMMUTABLE
AS $$ SELECT array_length(string_to_array(name, '/'), 1) $$;
GRANT EXECUTE ON FUNCTION storage.object_depth(text) TO authenticated;
"""

FOLDERNAME = """
CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $$ SELECT (string_to_array(name, '/'))[1:1] $$;
"""

VIEW = """
CREATE VIEW auth.confirmed_users AS
SELECT id, email FROM auth.users WHERE email_confirmed_at IS NOT NULL;
"""


def write(t: Target, text: str) -> None:
    (t.schema_dir / "schema.sql").write_text(text)


def test_function_in_storage_plans_applies_and_converges(blank_target: Target, tmp_path: Path) -> None:
    t = blank_target
    write(t, FN)
    res = t.plan("--detailed-exitcode")
    assert res.exit_code == 2, res.output
    assert "storage.object_depth" in res.stdout
    script = tmp_path / "plan.sql"
    assert t.plan("--format", "sql", "--out", str(script)).exit_code == 0
    t.converge()
    assert query(t.url, "SELECT storage.object_depth('a/b/c')") == [(3,)]
    assert query(t.url, "SELECT has_function_privilege('authenticated', 'storage.object_depth(text)', 'EXECUTE')") == [(True,)]
    oid = query(t.url, "SELECT 'storage.object_depth(text)'::regprocedure::oid::bigint")
    again = _psql(t.url, script)
    assert again.returncode == 0, again.stderr
    assert query(t.url, "SELECT 'storage.object_depth(text)'::regprocedure::oid::bigint") == oid
    assert "No changes" in t.plan().stdout
    # A changed body is planned as any function's.
    write(t, FN.replace("), 1)", "), 1) + 0"))
    changed = t.plan("--detailed-exitcode")
    assert changed.exit_code == 2, changed.output
    t.converge()


def test_redefined_platform_function_is_planned(blank_target: Target) -> None:
    t = blank_target
    write(t, FOLDERNAME)
    res = t.plan("--format", "sql", "--detailed-exitcode")
    assert res.exit_code == 2, res.output
    assert "storage.foldername" in res.stdout
    assert "string_to_array(name, '/'))[1:1]" in res.stdout
    assert "REVOKE" not in res.stdout  # who may call it stays the platform's business
    t.converge()
    assert query(t.url, "SELECT storage.foldername('a/b/c')") == [(["a"],)]


def test_view_in_auth_plans_applies_and_converges(baseline_db: str, pg_admin_url: str, tmp_path: Path) -> None:
    # schemakit_owner may not create in auth (Supabase's postgres could): apply as a superuser.
    schema = tmp_path / "schema"
    schema.mkdir()
    t = Target(baseline_db, pg_admin_url, schema)
    write(t, VIEW)
    res = t.plan("--detailed-exitcode")
    assert res.exit_code == 2, res.output
    assert "auth.confirmed_users" in res.stdout
    t.converge()
    assert query(t.url, "SELECT count(*) FROM auth.confirmed_users") == [(0,)]


def test_platform_objects_are_never_planned(blank_target: Target, baseline_db: str) -> None:
    t = blank_target
    # The target has a platform function the baseline lacks (made by a superuser, as
    # Supabase's would be), and the files say nothing of auth.uid() or storage's tables.
    platform = (
        "CREATE FUNCTION auth.platform_extra() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;"
        "ALTER FUNCTION auth.platform_extra() OWNER TO supabase_auth_admin;"
        "CREATE FUNCTION storage.superuser_extra() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;"
    )
    query(baseline_db, platform)
    t.judge_setup = platform  # the platform's, on the judge's database too
    write(t, FN)
    res = t.plan("--format", "sql")
    assert res.exit_code == 0, res.output
    for name in ("platform_extra", "superuser_extra", "auth.uid", "storage.objects", "storage.buckets", "DROP"):
        assert name not in res.stdout, (name, res.stdout)
    t.converge()
    assert query(baseline_db, "SELECT auth.platform_extra(), storage.superuser_extra()") == [(1, 1)]
    # No file declares anything any more: the user's storage function stays (never
    # dropped in a platform schema), with a note, and so do the platform's.
    write(t, "")
    empty = t.plan("--detailed-exitcode")
    assert empty.exit_code == 0, empty.output
    assert "storage.object_depth" in empty.output and "left in place" in empty.output


def test_a_platform_function_changed_on_the_target_is_not_planned(blank_target: Target, baseline_db: str) -> None:
    # A real Supabase's auth.uid() is not the baseline's text: still the platform's.
    platform = "CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT NULL::uuid $$"
    query(baseline_db, platform)
    t = blank_target
    t.judge_setup = platform  # the platform's, on the judge's database too
    write(t, FN)
    res = t.plan("--format", "sql")
    assert "auth.uid" not in res.stdout, res.stdout
    t.converge()
    assert query(baseline_db, "SELECT auth.uid() IS NULL, storage.object_depth('a/b')") == [(True, 2)]


def test_unmanaged_statement_gets_a_located_warning(blank_target: Target) -> None:
    t = blank_target
    write(t, FN + "CREATE INDEX objects_owner_idx ON storage.objects (owner);\n")
    res = t.plan()
    assert res.exit_code == 0, res.output
    file = t.schema_dir / "schema.sql"
    assert f"warning: {file}:6:1: create index storage.objects_owner_idx is not managed (an index on a platform table)" in res.output, res.output
    sql_out = t.plan("--format", "sql")
    assert f"{file}:6:1" in sql_out.stderr, sql_out.output
    assert "objects_owner_idx" not in sql_out.stdout


def test_rehearsed_apply_of_a_storage_function_reaches_the_desired_state(blank_target: Target) -> None:
    # The rehearsal rebuilds the target (its storage function too) on a shadow, runs the
    # plan there and compares fingerprints: the platform rule holds there as well.
    t = blank_target
    write(t, FN)
    t.converge("--rehearse")
    write(t, FN.replace("), 1)", "), 1) + 0"))
    res = t.converge("--rehearse")
    assert "object_depth" in res.stdout


def test_migration_files_carry_a_storage_function_and_check_passes(tmp_path: Path, pg_admin_url: str) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "schema.sql").write_text(FN + FOLDERNAME)
    migrations = tmp_path / "migrations"
    flags = ["--schema-dir", str(schema), "--migrations-dir", str(migrations), "--shadow-url", pg_admin_url]
    res = run_cli("plan", "--write", *flags)
    assert res.exit_code == 0, res.output
    (written,) = sorted(migrations.glob("*.sql"))
    assert "storage.object_depth" in written.read_text() and "storage.foldername" in written.read_text()
    check = run_cli("check", *flags, "--snapshots-dir", str(tmp_path / "snapshots"))
    assert check.exit_code == 0, check.output
    again = run_cli("plan", "--write", *flags)
    assert again.exit_code == 0 and len(list(migrations.glob("*.sql"))) == 1, again.output


def test_what_a_fresh_shadow_holds_in_a_platform_schema_is_the_platforms(baseline_db: str) -> None:
    # A platform object that no platform role owns (as a baseline stand-in may be) is
    # told from the files' own by the pristine read of the fresh shadow.
    from schemakit.catalog.reader import reads_platform_objects
    from schemakit.platform import declared_part

    with psycopg.connect(baseline_db, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION storage.stand_in() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")
        assert reads_platform_objects(conn)
        pristine = read_model(conn)
        conn.execute("CREATE FUNCTION storage.mine() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$")
        conn.execute("CREATE OR REPLACE FUNCTION storage.stand_in() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")
        loaded = read_model(conn)
        conn.execute("CREATE OR REPLACE FUNCTION storage.stand_in() RETURNS int LANGUAGE sql AS $$ SELECT 3 $$")
        changed = read_model(conn)
    names = {k[1] for k in declared_part(loaded, pristine).objects if k[0] == "function"}
    assert "storage.mine()" in names and "storage.stand_in()" not in names
    names = {k[1] for k in declared_part(changed, pristine).objects if k[0] == "function"}
    assert {"storage.mine()", "storage.stand_in()"} <= names


ON_SIGNUP = """
CREATE TABLE public.profiles (id uuid PRIMARY KEY, email text);

CREATE FUNCTION public.handle_new_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
    INSERT INTO public.profiles (id, email) VALUES (new.id, new.email);
    RETURN new;
END
$$;

CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();

CREATE POLICY "avatars are public" ON storage.objects
    FOR SELECT TO anon, authenticated USING (bucket_id = 'avatars');
"""


def test_trigger_on_auth_users_and_policy_on_storage_objects_are_managed(
    baseline_db: str, pg_admin_url: str, tmp_path: Path
) -> None:
    # Supabase's postgres may put a trigger on auth.users; schemakit_owner may not here.
    schema = tmp_path / "schema"
    schema.mkdir()
    t = Target(baseline_db, pg_admin_url, schema)
    write(t, ON_SIGNUP)
    res = t.plan()
    assert res.exit_code == 0, res.output
    assert "+ trigger on_auth_user_created" in res.stdout and "+ policy avatars are public" in res.stdout, res.stdout
    script = tmp_path / "plan.sql"
    assert t.plan("--format", "sql", "--out", str(script)).exit_code == 0
    t.converge()
    query(baseline_db, "INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-0000000000aa', 'a@x')")
    assert query(baseline_db, "SELECT email FROM public.profiles") == [("a@x",)]
    assert query(
        baseline_db,
        "SELECT polname FROM pg_policy WHERE polrelid = 'storage.objects'::regclass AND polname = 'avatars are public'",
    ) == [("avatars are public",)]
    again = _psql(baseline_db, script)
    assert again.returncode == 0, again.stderr
    # Changed in the files: planned, as any trigger and policy.
    write(t, ON_SIGNUP.replace("AFTER INSERT ON auth.users", "AFTER INSERT OR UPDATE ON auth.users")
          .replace("TO anon, authenticated", "TO authenticated"))
    changed = t.plan("--detailed-exitcode")
    assert changed.exit_code == 2, changed.output
    assert "on_auth_user_created" in changed.stdout and "avatars are public" in changed.stdout, changed.stdout
    t.converge()
    assert query(
        baseline_db,
        "SELECT pg_get_userbyid(r) FROM pg_policy, unnest(polroles) r "
        "WHERE polrelid = 'storage.objects'::regclass AND polname = 'avatars are public'",
    ) == [("authenticated",)]
