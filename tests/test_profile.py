"""Profiles: the shadow is the target's twin (plain PostgreSQL or Supabase).

- a plain target's plan holds nothing the schema files don't declare (no Supabase
  roles, grants or default privileges), checked directly in the catalog;
- files using auth/storage against a plain target: a located error;
- ``--install-baseline`` is a planned step: ``plan`` and a refused or failed ``apply``
  leave the target byte-identical (``pg_dumpall --roles-only``, ``pg_dump`` of schema and data),
  on a server of its own that has never seen the baseline's roles;
- ``ALTER DEFAULT PRIVILEGES FOR ROLE <the connecting role>`` is accepted;
- snapshots record the profile; the fixed point holds on plain targets too.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from schemakit.apply import apply_plan
from schemakit.catalog import read_model
from schemakit.desired import desired_model
from schemakit.diff import diff_models
from schemakit.render.formats import script
from schemakit.server import embedded, shadow
from schemakit.source import load_schema_dir
from schemakit.workflow import plan_models, row_probe
from tests.helpers import Target, model_of, query, run_cli
from tests.schemagen import Spec, pairs, render

API_ROLES = ("anon", "authenticated", "service_role")
EXAMPLES = max(1, int(os.environ.get("SCHEMAKIT_PROPERTY_EXAMPLES", "200")) // 4)  # 50 by default


@pytest.fixture(scope="module", autouse=True)
def _cluster_roles(pg_admin_url: str) -> None:
    """The test server's cluster has the platform roles (the baseline template's build
    creates them), as a plain server that once hosted a Supabase shadow has."""
    shadow.ensure_template(pg_admin_url)


@pytest.fixture
def plain(empty_db: str, pg_admin_url: str, tmp_path: Path) -> Target:
    """A plain PostgreSQL target (no baseline), as its superuser."""
    schema = tmp_path / "plain" / "schema"
    schema.mkdir(parents=True)
    return Target(empty_db, pg_admin_url, schema)


def write(t: Target, text: str) -> None:
    (t.schema_dir / "schema.sql").write_text(text)


# -- what a plain target holds after an apply ----------------------------------------

ACLS = """
SELECT 'relation ' || c.oid::regclass::text, pg_get_userbyid(x.grantee), x.privilege_type
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) x
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND x.grantee <> c.relowner
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text, pg_get_userbyid(x.grantee), x.privilege_type
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, aclexplode(p.proacl) x
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND x.grantee <> p.proowner
UNION ALL
SELECT 'schema ' || n.nspname, pg_get_userbyid(x.grantee), x.privilege_type
FROM pg_namespace n, aclexplode(n.nspacl) x
WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' AND x.grantee <> n.nspowner
"""

DEFAULT_ACLS = """
SELECT pg_get_userbyid(d.defaclrole), d.defaclnamespace::regnamespace::text, d.defaclobjtype::text,
       pg_get_userbyid(x.grantee), x.privilege_type
FROM pg_default_acl d, aclexplode(d.defaclacl) x
"""

PLAIN_FILES = """\
CREATE TABLE public.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);
CREATE SEQUENCE public.counter;
CREATE FUNCTION public.twice(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
CREATE SCHEMA app;
CREATE TABLE app.items (id int PRIMARY KEY);
GRANT SELECT ON public.notes TO anon;
"""


def test_plain_target_holds_only_the_declared_grants(plain: Target) -> None:
    write(plain, PLAIN_FILES)
    emitted = plain.plan("--format", "sql").stdout
    plain.converge()
    acls = {(obj, grantee, priv) for obj, grantee, priv in query(plain.url, ACLS)}
    # public's own ACL (PUBLIC: USAGE) comes with the database; the rest is what the files say.
    declared = {("relation notes", "anon", "SELECT")}
    assert {a for a in acls if a[0] != "schema public"} == declared
    assert query(plain.url, DEFAULT_ACLS) == []
    assert not [a for a in acls if a[1] in API_ROLES and a not in declared]
    assert query(plain.url, "SELECT nspname FROM pg_namespace WHERE nspname IN ('auth', 'storage', 'extensions')") == []
    # Running the emitted script again changes nothing.
    after = model_of(plain.url).to_json()
    query(plain.url, emitted)
    assert model_of(plain.url).to_json() == after


def test_plain_target_plan_holds_nothing_from_a_baseline(plain: Target) -> None:
    write(plain, "CREATE TABLE public.t (id int PRIMARY KEY);\nCREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n")
    res = plain.plan("--format", "sql")
    assert res.exit_code == 0, res.output
    for word in ("anon", "authenticated", "service_role", "DEFAULT PRIVILEGES", "GRANT", "REVOKE"):
        assert word not in res.stdout, res.stdout


def test_profile_is_detected_and_can_be_overridden(plain: Target, baseline_db: str) -> None:
    from schemakit.profile import Profile, detect_profile

    with psycopg.connect(plain.url, autocommit=True) as conn:
        assert detect_profile(conn) is Profile.POSTGRES
    with psycopg.connect(baseline_db, autocommit=True) as conn:
        assert detect_profile(conn) is Profile.SUPABASE
    write(plain, "CREATE TABLE public.t (id int PRIMARY KEY);\n")
    res = plain.plan("--format", "sql", "--profile", "supabase")
    assert res.exit_code == 0, res.output
    assert "anon" in res.stdout  # a Supabase twin: Supabase's default privileges in public
    res = plain.plan("--format", "sql", "--profile", "postgres")
    assert res.exit_code == 0 and "anon" not in res.stdout, res.output


def test_files_using_auth_against_a_plain_target_are_located(plain: Target) -> None:
    write(
        plain,
        "CREATE TABLE public.t (id uuid PRIMARY KEY);\n\n"
        "CREATE POLICY own ON public.t FOR SELECT TO authenticated USING (id = auth.uid());\n",
    )
    res = plain.plan()
    assert res.exit_code == 1
    assert "schema.sql:3:71: error: auth.uid does not exist" in res.stderr, res.output
    assert "--install-baseline" in res.stderr
    assert query(plain.url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'auth'") == [(0,)]


def test_files_using_storage_or_extensions_against_a_plain_target_are_located(plain: Target) -> None:
    # A policy on storage.objects, a function added to storage, Supabase's extensions
    # schema: each is the platform's, and a plain target lacks it. Nothing is written.
    cases = [
        ("CREATE TABLE public.t (id int);\n\nCREATE POLICY p ON storage.objects FOR SELECT USING (true);\n",
         "schema.sql:3:20: error: storage.objects does not exist"),
        ("CREATE FUNCTION storage.depth(n text) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n",
         "schema.sql:1:17: error: schema storage does not exist"),
        ("CREATE TABLE public.t (id uuid);\nCREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;\n",
         "schema.sql:2:53: error: schema extensions does not exist"),
        ("CREATE TABLE public.t (id uuid DEFAULT extensions.uuid_generate_v4());\n",
         "schema.sql:1:40: error: extensions.uuid_generate_v4 does not exist"),
    ]
    for text, located in cases:
        write(plain, text)
        res = plain.plan()
        assert res.exit_code == 1, res.output
        assert located in res.stderr, [l for l in res.stderr.splitlines() if "error:" in l]
        assert "--install-baseline" in res.stderr
    assert query(plain.url, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('auth', 'storage', 'extensions')") == [(0,)]
    # A plain project that creates its own extensions schema stays plain.
    write(plain, "CREATE SCHEMA extensions;\nCREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;\n"
                 "CREATE TABLE public.t (id uuid DEFAULT extensions.gen_random_uuid());\n")
    res = plain.plan("--format", "sql")
    assert res.exit_code == 0, res.output
    assert "anon" not in res.stdout and "(profile postgres)" in res.stderr, res.output
    plain.converge()


def test_install_baseline_is_the_plans_first_step(plain: Target) -> None:
    write(
        plain,
        "CREATE TABLE public.t (id uuid PRIMARY KEY);\n"
        "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY own ON public.t FOR SELECT TO authenticated USING (id = auth.uid());\n",
    )
    res = plain.plan("--install-baseline")
    assert res.exit_code == 0, res.output
    steps = [line.strip() for line in res.stdout.splitlines() if line.strip()[:2] in ("+ ", "~ ", "- ")]
    assert steps[0].startswith("+ baseline: install the Supabase baseline"), res.stdout
    assert any(line.startswith("  AUTHZ_UPDATE") and " baseline supabase" in line for line in res.stdout.splitlines())
    assert query(plain.url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'auth'") == [(0,)]
    plain.converge("--install-baseline", "--rehearse")
    assert query(plain.url, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('auth', 'storage')") == [(2,)]
    again = plain.plan("--install-baseline", "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output


# -- --install-baseline writes nothing before the apply: a server of its own -------------


@pytest.fixture(scope="module")
def fresh_server() -> Iterator[str]:
    """A server that has never had the baseline's roles; stopped at the end."""
    with tempfile.TemporaryDirectory(prefix="schemakit-profile-") as tmp:
        data = Path(tmp) / "pg"
        server = embedded.start(data, durable=False)
        try:
            yield server.url()
        finally:
            embedded.stop(data)


@pytest.fixture
def fresh(fresh_server: str, pg_admin_url: str, tmp_path: Path) -> Iterator[Target]:
    """A plain database on the fresh server; shadows go to the shared test server."""
    with shadow.temporary_database(fresh_server, baseline=False, prefix="schemakit_test") as url:
        schema = tmp_path / "schema"
        schema.mkdir()
        yield Target(url, pg_admin_url, schema)


def dumps(url: str) -> tuple[str, str]:
    """(cluster roles, the database: schema and data) as pg_dumpall / pg_dump print them."""
    roles = subprocess.run(
        [str(embedded.bin_path("pg_dumpall")), "--roles-only", "--no-role-passwords", "-d", url],
        check=True, capture_output=True, text=True,
    ).stdout
    database = subprocess.run(  # schema and data
        [str(embedded.bin_path("pg_dump")), "-d", url],
        check=True, capture_output=True, text=True,
    ).stdout
    return _unkeyed(roles), _unkeyed(database)


def _unkeyed(dump: str) -> str:
    """A dump without its \\restrict lines (they hold a random key per run)."""
    return "\n".join(line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


PLATFORM_FILES = """\
CREATE TABLE public.profiles (id uuid PRIMARY KEY, name text);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.profiles FOR SELECT TO authenticated USING (id = auth.uid());
"""


def test_plan_install_baseline_writes_nothing(fresh: Target) -> None:
    before = dumps(fresh.url)
    assert "anon" not in before[0]
    write(fresh, PLATFORM_FILES)
    res = fresh.plan("--install-baseline")
    assert res.exit_code == 0, res.output
    assert "install the Supabase baseline" in res.stdout
    assert dumps(fresh.url) == before


def test_refused_apply_install_baseline_writes_nothing(fresh: Target) -> None:
    query(fresh.url, "CREATE TABLE public.profiles (id uuid PRIMARY KEY, name text, old text)")
    query(fresh.url, "INSERT INTO public.profiles VALUES (gen_random_uuid(), 'a', 'b')")
    before = dumps(fresh.url)
    write(fresh, PLATFORM_FILES)  # drops the column old: DELETES_DATA
    res = fresh.apply("--install-baseline")
    assert res.exit_code == 3, res.output
    assert "nothing was changed" in res.stderr
    assert dumps(fresh.url) == before
    declined = run_cli("apply", *fresh.flags(), "--install-baseline", "--allow-destructive")  # no --yes, no terminal
    assert declined.exit_code == 1, declined.output
    assert dumps(fresh.url) == before


def test_failed_apply_install_baseline_leaves_no_roles(fresh: Target) -> None:
    query(fresh.url, "CREATE TABLE public.profiles (id uuid PRIMARY KEY)")
    before = dumps(fresh.url)
    write(fresh, PLATFORM_FILES)
    with psycopg.connect(fresh.url) as holder:
        holder.execute("LOCK TABLE public.profiles IN ACCESS EXCLUSIVE MODE")
        res = fresh.apply("--install-baseline", "--lock-timeout", "200ms", "--lock-retries", "0")
        holder.rollback()
    assert res.exit_code == 1, res.output
    assert "rolled back" in res.stderr
    assert dumps(fresh.url) == before


# -- FOR ROLE <the connecting role> ---------------------------------------------------


def test_default_privileges_for_the_connecting_role_by_name(blank_target: Target) -> None:
    # As `supabase db dump` writes them, for the role that applies (here schemakit_owner).
    write(
        blank_target,
        "CREATE SCHEMA api;\n"
        "ALTER DEFAULT PRIVILEGES FOR ROLE schemakit_owner IN SCHEMA api GRANT SELECT ON TABLES TO anon;\n"
        "CREATE TABLE api.t (id int PRIMARY KEY);\n",
    )
    blank_target.converge()
    rows = query(
        blank_target.url,
        "SELECT x.privilege_type FROM pg_class c, aclexplode(c.relacl) x "
        "WHERE c.oid = 'api.t'::regclass AND x.grantee = 'anon'::regrole",
    )
    assert rows == [("SELECT",)]
    assert query(
        blank_target.url,
        "SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace "
        "WHERE n.nspname = 'api' AND d.defaclrole = 'schemakit_owner'::regrole",
    ) == [(1,)]


def test_default_privileges_for_postgres_on_a_plain_target(plain: Target) -> None:
    # The target is reached as the superuser `postgres`; the shadow applies them to its loader.
    role = query(plain.url, "SELECT current_user")[0][0]
    write(
        plain,
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {role} IN SCHEMA public GRANT SELECT ON TABLES TO anon;\n"
        "CREATE TABLE public.t (id int PRIMARY KEY);\n",
    )
    plain.converge()
    assert query(
        plain.url,
        "SELECT x.privilege_type FROM pg_class c, aclexplode(c.relacl) x "
        "WHERE c.oid = 'public.t'::regclass AND x.grantee = 'anon'::regrole",
    ) == [("SELECT",)]


def test_default_privileges_for_another_role_name_the_role(blank_target: Target) -> None:
    write(blank_target, "CREATE TABLE t (id int PRIMARY KEY);\nALTER DEFAULT PRIVILEGES FOR ROLE   service_role GRANT SELECT ON TABLES TO anon;\n")
    res = blank_target.plan()
    assert res.exit_code == 1
    assert "schema.sql:2:37: error: ALTER DEFAULT PRIVILEGES FOR ROLE service_role is not allowed" in res.stderr, res.output
    assert "schemakit_owner" in res.stderr


# -- snapshots ------------------------------------------------------------------------


def test_snapshot_records_the_profile(plain: Target, baseline_db: str, tmp_path: Path) -> None:
    write(plain, "CREATE TABLE public.t (id int PRIMARY KEY);\n")
    plain.converge()
    out = tmp_path / "plain.json"
    res = run_cli("snapshot", "--db", plain.url, "--out", str(out))
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["snapshot"]["profile"] == "postgres"
    sup = tmp_path / "supabase.json"
    assert run_cli("snapshot", "--db", baseline_db, "--out", str(sup)).exit_code == 0
    assert json.loads(sup.read_text())["snapshot"]["profile"] == "supabase"
    # Planning from the plain snapshot uses a plain shadow: no Supabase grants.
    write(plain, "CREATE TABLE public.t (id int PRIMARY KEY);\nCREATE TABLE public.u (id int PRIMARY KEY);\n")
    res = run_cli("plan", "--schema-dir", str(plain.schema_dir), "--from-snapshot", str(out), "--shadow-url", plain.shadow, "--format", "sql")
    assert res.exit_code == 0, res.output
    assert "CREATE TABLE" in res.stdout and "anon" not in res.stdout, res.stdout


def test_an_old_snapshot_without_a_profile_is_inferred(plain: Target, blank_target: Target, tmp_path: Path) -> None:
    write(plain, "CREATE TABLE public.t (id int PRIMARY KEY);\n")
    plain.converge()
    old = tmp_path / "old.json"
    assert run_cli("snapshot", "--db", plain.url, "--out", str(old)).exit_code == 0
    data = json.loads(old.read_text())
    del data["snapshot"]["profile"]
    old.write_text(json.dumps(data))
    write(plain, "CREATE TABLE public.t (id int PRIMARY KEY);\nCREATE TABLE public.u (id int PRIMARY KEY);\n")
    res = run_cli("plan", "--schema-dir", str(plain.schema_dir), "--from-snapshot", str(old), "--shadow-url", plain.shadow, "--format", "sql")
    assert res.exit_code == 0 and "anon" not in res.stdout, res.output
    # A Supabase database's snapshot (Supabase's default privileges in public) infers supabase.
    sup = tmp_path / "sup.json"
    assert run_cli("snapshot", "--db", blank_target.url, "--out", str(sup)).exit_code == 0
    data = json.loads(sup.read_text())
    del data["snapshot"]["profile"]
    sup.write_text(json.dumps(data))
    write(blank_target, "CREATE TABLE public.u (id int PRIMARY KEY);\n")
    res = run_cli("plan", "--schema-dir", str(blank_target.schema_dir), "--from-snapshot", str(sup), "--shadow-url", blank_target.shadow, "--format", "sql")
    assert res.exit_code == 0, res.output
    assert "CREATE TABLE" in res.stdout and "DEFAULT PRIVILEGES" not in res.stdout and "REVOKE" not in res.stdout, res.stdout


# -- the fixed point on plain targets ---------------------------------------------------


def plain_sql(text: str) -> str:
    """A generated schema without Supabase's auth functions and publication (a plain
    database has none)."""
    out = text.replace("auth.uid() IS NOT NULL", "current_user IS NOT NULL").replace(
        "(auth.jwt() ->> 'role') = 'admin'", "current_user = 'admin'"
    )
    assert "auth." not in out and "storage." not in out, out
    if "supabase_realtime" in out:  # Supabase's publication: a plain database declares its own
        out = "CREATE PUBLICATION supabase_realtime;\n" + out
    return out


def converge_plain(admin_url: str, a_sql: str, b_sql: str) -> None:
    """Load A into a plain database, plan B through a plain shadow, apply: the fixed point,
    and nothing of the Supabase baseline on the target."""
    with tempfile.TemporaryDirectory(prefix="schemakit-prop-") as tmp:
        schema = Path(tmp) / "schema"
        schema.mkdir()
        (schema / "schema.sql").write_text(b_sql, encoding="utf-8")
        desired = desired_model(load_schema_dir(schema), admin_url, baseline=False)
    with shadow.temporary_database(admin_url, baseline=False, prefix="schemakit_prop") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(a_sql.encode())
            plan = plan_models(read_model(conn), desired, row_probe(conn))
            apply_plan(conn, plan)
            after = read_model(conn)
            leftover = [c.describe() for c in diff_models(after, desired)]
            assert not leftover, f"second plan not empty:\n{leftover}\n\nplan was:\n{script(plan)}"
            assert after.fingerprint() == desired.fingerprint()
            conn.execute(script(plan).encode())
            again = read_model(conn)
            assert again.to_json() == after.to_json(), "re-running the migration script changed the database"
            schemas = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname IN ('auth', 'storage', 'extensions')").fetchall()
            assert schemas == [], schemas


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
@given(pair=pairs())
def test_fixed_point_on_a_plain_target(pg_admin_url: str, pair: tuple[Spec, Spec]) -> None:
    a, b = pair
    a_sql, b_sql = plain_sql(render(a)), plain_sql(render(b))
    try:
        converge_plain(pg_admin_url, a_sql, b_sql)
    except (AssertionError, psycopg.Error, Exception) as exc:
        raise AssertionError(f"{exc}\n--- A ---\n{a_sql}\n--- B ---\n{b_sql}") from exc



def test_declined_apply_migrations_install_baseline_writes_nothing(fresh: Target, tmp_path: Path) -> None:
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    (mdir / "20260101000000_init.sql").write_text("CREATE TABLE public.t (id int PRIMARY KEY);\n")
    before = dumps(fresh.url)
    res = run_cli("apply", "--migrations", "--migrations-dir", str(mdir), "--db", fresh.url, "--install-baseline")
    assert res.exit_code == 1 and "pass --yes" in res.stderr, res.output
    assert dumps(fresh.url) == before


# -- the embedded local server gets the profile the files need ------------------------------


@pytest.fixture
def project_dir() -> Iterator[Path]:
    """A project folder the embedded server's system user can reach (pytest's tmp_path
    may sit below a directory only root may enter)."""
    with tempfile.TemporaryDirectory(prefix="schemakit-profile-") as tmp:
        yield Path(tmp)


def test_local_server_stays_plain_for_plain_files(project_dir: Path, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = project_dir
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "schema.sql").write_text("CREATE TABLE public.t (id int PRIMARY KEY);\n")
    data = tmp_path / ".schemakit" / "pg"
    try:
        res = run_cli("plan", "--format", "sql", "--shadow-url", pg_admin_url)
        assert res.exit_code == 0, res.output
        assert "CREATE TABLE" in res.stdout and "anon" not in res.stdout, res.stdout
        local = embedded.status(data)
        assert local is not None
        assert query(local.url(), "SELECT count(*) FROM pg_namespace WHERE nspname IN ('auth', 'storage')") == [(0,)]
        # Files that use auth: the local server gets the baseline (it is ours).
        (tmp_path / "schema" / "schema.sql").write_text(
            "CREATE TABLE public.t (id uuid PRIMARY KEY DEFAULT auth.uid());\n"
        )
        res = run_cli("plan", "--format", "sql", "--shadow-url", pg_admin_url)
        assert res.exit_code == 0, res.output
        assert query(local.url(), "SELECT count(*) FROM pg_namespace WHERE nspname IN ('auth', 'storage')") == [(2,)]
    finally:
        embedded.stop(data)


# -- check and plan --write with --profile postgres -------------------------------------


def test_check_and_write_with_the_plain_profile(plain: Target, tmp_path: Path) -> None:
    write(plain, "CREATE TABLE public.t (id int PRIMARY KEY);\n")
    mdir = tmp_path / "migrations"
    flags = ["--schema-dir", str(plain.schema_dir), "--shadow-url", plain.shadow, "--migrations-dir", str(mdir), "--profile", "postgres"]
    res = run_cli("plan", "--write", "--name", "init", *flags)
    assert res.exit_code == 0, res.output
    (written,) = mdir.glob("*_init.sql")
    assert "CREATE TABLE" in written.read_text() and "anon" not in written.read_text()
    res = run_cli("check", *flags[:-4], "--migrations-dir", str(mdir), "--snapshots-dir", str(tmp_path / "none"), "--profile", "postgres")
    assert res.exit_code == 0, res.output
    # Files that use auth cannot be planned for a plain profile: located.
    write(plain, "CREATE TABLE public.t (id uuid PRIMARY KEY DEFAULT auth.uid());\n")
    res = run_cli("check", *flags[:-4], "--migrations-dir", str(mdir), "--snapshots-dir", str(tmp_path / "none"), "--profile", "postgres")
    assert res.exit_code == 1 and "schema.sql:1:52: error: auth.uid does not exist" in res.stderr, res.output


def test_saved_plan_with_the_baseline_step(plain: Target, tmp_path: Path) -> None:
    write(plain, PLATFORM_FILES)
    saved = tmp_path / "plan.json"
    res = plain.plan("--install-baseline", "--format", "json", "--out", str(saved))
    assert res.exit_code == 0, res.output
    steps = json.loads(saved.read_text())["steps"]
    assert steps[0]["kind"] == "baseline" and "CREATE SCHEMA IF NOT EXISTS auth" in "".join(steps[0]["sql"])
    assert query(plain.url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'auth'") == [(0,)]
    res = run_cli("apply", str(saved), "--db", plain.url, "--yes")
    assert res.exit_code == 0, res.output
    again = plain.plan("--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output


# -- what `supabase db dump` writes loads ------------------------------------------------

DUMP = """\
COMMENT ON SCHEMA "public" IS 'standard public schema';

CREATE EXTENSION IF NOT EXISTS "pg_graphql" WITH SCHEMA "graphql";
CREATE EXTENSION IF NOT EXISTS "pg_stat_statements" WITH SCHEMA "extensions";
CREATE EXTENSION IF NOT EXISTS "pgcrypto" WITH SCHEMA "extensions";
CREATE EXTENSION IF NOT EXISTS "supabase_vault" WITH SCHEMA "vault";
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA "extensions";

CREATE OR REPLACE FUNCTION "public"."handle_new_user"() RETURNS "trigger"
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO ''
    AS $$
begin
  insert into public.profiles (id) values (new.id);
  return new;
end;
$$;

ALTER FUNCTION "public"."handle_new_user"() OWNER TO "{role}";

CREATE TABLE IF NOT EXISTS "public"."profiles" (
    "id" "uuid" DEFAULT "extensions"."uuid_generate_v4"() NOT NULL,
    "created_at" timestamp with time zone DEFAULT "now"() NOT NULL
);

ALTER TABLE "public"."profiles" OWNER TO "{role}";

ALTER TABLE ONLY "public"."profiles"
    ADD CONSTRAINT "profiles_pkey" PRIMARY KEY ("id");

ALTER TABLE ONLY "public"."profiles"
    ADD CONSTRAINT "profiles_id_fkey" FOREIGN KEY ("id") REFERENCES "auth"."users"("id") ON DELETE CASCADE;

CREATE OR REPLACE TRIGGER "on_auth_user_created" AFTER INSERT ON "auth"."users"
    FOR EACH ROW EXECUTE FUNCTION "public"."handle_new_user"();

ALTER TABLE "public"."profiles" ENABLE ROW LEVEL SECURITY;

CREATE POLICY "own" ON "public"."profiles" FOR SELECT TO "authenticated" USING (("auth"."uid"() = "id"));

GRANT USAGE ON SCHEMA "public" TO "anon";
GRANT USAGE ON SCHEMA "public" TO "authenticated";
GRANT USAGE ON SCHEMA "public" TO "service_role";

GRANT ALL ON FUNCTION "public"."handle_new_user"() TO "anon";
GRANT ALL ON FUNCTION "public"."handle_new_user"() TO "authenticated";
GRANT ALL ON FUNCTION "public"."handle_new_user"() TO "service_role";

GRANT ALL ON TABLE "public"."profiles" TO "anon";
GRANT ALL ON TABLE "public"."profiles" TO "authenticated";
GRANT ALL ON TABLE "public"."profiles" TO "service_role";

ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON SEQUENCES  TO "anon";
ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON SEQUENCES  TO "authenticated";
ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON SEQUENCES  TO "service_role";
ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON FUNCTIONS  TO "anon";
ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON FUNCTIONS  TO "authenticated";
ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON FUNCTIONS  TO "service_role";
ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON TABLES  TO "anon";
ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON TABLES  TO "authenticated";
ALTER DEFAULT PRIVILEGES FOR ROLE "{role}" IN SCHEMA "public" GRANT ALL ON TABLES  TO "service_role";
"""


def test_what_supabase_db_dump_writes_loads_and_converges(baseline_db: str, pg_admin_url: str, tmp_path: Path) -> None:
    """The schema part of a `supabase db dump` (its session SETs left out): the platform's
    extensions WITH SCHEMA as it writes them (pg_graphql in "graphql" too), grants and
    functions, a trigger on auth.users and ALTER DEFAULT PRIVILEGES FOR ROLE <the
    connecting role> (postgres on Supabase), quoted."""
    schema = tmp_path / "schema"
    schema.mkdir()
    t = Target(baseline_db, pg_admin_url, schema)  # a superuser may put a trigger on auth.users
    role = query(baseline_db, "SELECT current_user")[0][0]
    write(t, DUMP.format(role=role))
    res = t.plan("--format", "json")
    assert res.exit_code == 0, res.output
    planned = {(s["kind"], s["object"]) for s in json.loads(res.stdout)["steps"]}
    assert ("table", "public.profiles") in planned and not any(k == "extension" for k, _ in planned), planned
    t.converge()
    query(baseline_db, "INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-0000000000bb', 'b@x')")
    assert query(baseline_db, "SELECT count(*) FROM public.profiles") == [(1,)]
    assert query(baseline_db, "SELECT has_table_privilege('anon', 'public.profiles', 'DELETE')") == [(True,)]


def test_a_grant_on_schema_public_is_not_dropped_in_silence(plain: Target) -> None:
    # The built-in public schema's privileges are not read (as `supabase db dump`'s
    # GRANT USAGE ON SCHEMA "public" TO "postgres"): the statement gets a located warning.
    write(plain, "CREATE SCHEMA app;\nGRANT USAGE ON SCHEMA app TO anon;\n  GRANT USAGE ON SCHEMA public TO anon;\n")
    res = plain.plan()
    assert res.exit_code == 0, res.output
    file = plain.schema_dir / "schema.sql"
    assert f"warning: {file}:3:3: grant on schema public is not managed" in res.output, res.output
    assert "privileges on schema app for anon: grant USAGE" in res.stdout, res.stdout
    assert "schema.sql:2" not in res.output, res.output


def test_the_platform_schemas_are_the_projects_own_only_without_auth_and_storage(plain: Target) -> None:
    # No auth, no storage: a schema named extensions (or net, vault) is the project's.
    query(plain.url, "CREATE SCHEMA extensions; CREATE TABLE extensions.t (id int)")
    keys = set(model_of(plain.url).objects)
    assert {("schema", "extensions"), ("table", "extensions.t")} <= keys, keys
    # With either platform schema (here auth alone, as a GoTrue-only database has it), the
    # platform's rules hold: the platform's objects there are never read as the project's.
    query(plain.url, "CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid); ALTER TABLE auth.users OWNER TO supabase_auth_admin")
    keys = set(model_of(plain.url).objects)
    assert not {("table", "auth.users"), ("schema", "auth"), ("schema", "extensions")} & keys, keys
    assert ("table", "extensions.t") in keys  # the project's own object in a platform schema
