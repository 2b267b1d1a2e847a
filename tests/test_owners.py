"""Owners the schema files declare (ALTER ... OWNER TO, CREATE SCHEMA ... AUTHORIZATION),
and grants on types and domains: read from both catalogs, diffed and rendered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.conftest import changing_roles
from tests.helpers import Target, query
from tests.test_core import _psql

OWNER = "schemakit_test_owner"
"""A role other than the applying one (cluster-wide: made once, never dropped)."""


JUDGE_SETUP = f"GRANT CREATE ON SCHEMA public TO {OWNER}"
"""What ``ensure_owner_role`` gives the target's database outside the files: the judge's
database gets it too (Target.judge_setup)."""


def ensure_owner_role(admin_url: str, member: str = "schemakit_owner") -> None:
    """Create ``OWNER`` if it is missing (another test run may have made it, or be
    making it now), let ``member`` act as it, and let it own objects in this database."""
    member_of = (
        "SELECT 1 FROM pg_catalog.pg_auth_members a JOIN pg_catalog.pg_roles r ON r.oid = a.roleid"
        " JOIN pg_catalog.pg_roles m ON m.oid = a.member WHERE r.rolname = %s AND m.rolname = %s"
    )
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute(member_of, [OWNER, member]).fetchone() is None:
            with changing_roles():
                try:
                    conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(OWNER)))
                except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                    pass
                try:
                    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(OWNER), sql.Identifier(member)))
                except psycopg.errors.UniqueViolation:  # granted concurrently
                    pass
        dbname = conn.info.dbname
        conn.execute(sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(sql.Identifier(dbname), sql.Identifier(OWNER)))
        conn.execute(sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(sql.Identifier(OWNER)))


@pytest.fixture
def target(blank_target: Target, baseline_db: str) -> Target:
    ensure_owner_role(baseline_db)
    blank_target.judge_setup = JUDGE_SETUP
    return blank_target


def write(t: Target, text: str) -> None:
    (t.schema_dir / "schema.sql").write_text(text)


def pending(t: Target, text: str) -> str:
    """Write the schema; a plan has changes; its text output."""
    write(t, text)
    res = t.plan("--detailed-exitcode")
    assert res.exit_code == 2, res.output
    return res.stdout


def script_of(t: Target, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.sql"
    res = t.plan("--format", "sql", "--out", str(path))
    assert res.exit_code == 0, res.output
    return path


def rerun_changes_nothing(t: Target, script: Path) -> None:
    rerun = _psql(t.url, script)
    assert rerun.returncode == 0, rerun.stderr
    again = t.plan("--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output


# -- owners ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owned:
    name: str
    create: str
    owner: str  # the ALTER ... OWNER TO statement, with {role}
    probe: str  # the owner's name


OWNED = (
    Owned(
        "table",
        "CREATE TABLE public.t (id bigint PRIMARY KEY, name text);\n",
        "ALTER TABLE public.t OWNER TO {role};\n",
        "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.t'::regclass",
    ),
    Owned(
        "function",
        "CREATE FUNCTION public.f(a integer, b text) RETURNS integer LANGUAGE sql AS $$ SELECT a $$;\n",
        "ALTER FUNCTION public.f(int4, text) OWNER TO {role};\n",
        "SELECT proowner::regrole::text FROM pg_proc WHERE oid = 'public.f(integer, text)'::regprocedure",
    ),
    Owned(
        "view",
        "CREATE TABLE public.t (id bigint PRIMARY KEY);\nCREATE VIEW public.v AS SELECT id FROM public.t;\n",
        "ALTER VIEW public.v OWNER TO {role};\n",
        "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.v'::regclass",
    ),
    Owned(
        "type",
        "CREATE TYPE public.mood AS ENUM ('ok', 'sad');\n",
        "ALTER TYPE public.mood OWNER TO {role};\n",
        "SELECT typowner::regrole::text FROM pg_type WHERE oid = 'public.mood'::regtype",
    ),
    Owned(
        "schema",
        "CREATE SCHEMA app;\n",
        "ALTER SCHEMA app OWNER TO {role};\n",
        "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'app'",
    ),
)


@pytest.mark.parametrize("case", OWNED, ids=[c.name for c in OWNED])
def test_declared_owner_is_changed_and_set_back(target: Target, tmp_path: Path, case: Owned) -> None:
    write(target, case.create)
    target.converge()
    assert query(target.url, case.probe) == [("schemakit_owner",)]
    # Another owner declared: planned on the existing object, with AUTHZ_UPDATE.
    declared = case.create + case.owner.format(role=OWNER)
    out = pending(target, declared)
    assert "AUTHZ_UPDATE" in out and OWNER in out, out
    script = script_of(target, tmp_path, "owner")
    target.converge()
    assert query(target.url, case.probe) == [(OWNER,)]
    rerun_changes_nothing(target, script)
    assert query(target.url, case.probe) == [(OWNER,)]
    # Not declared any more: owners are compared only when the files declare them.
    write(target, case.create)
    assert target.plan("--detailed-exitcode").exit_code == 0
    # Declared as the role that applies: back to it.
    pending(target, case.create + case.owner.format(role="CURRENT_USER"))
    back = script_of(target, tmp_path, "back")
    target.converge()
    assert query(target.url, case.probe) == [("schemakit_owner",)]
    rerun_changes_nothing(target, back)


def test_owner_declared_on_a_new_object_is_set_after_it_is_created(target: Target) -> None:
    text = (
        "CREATE SCHEMA app AUTHORIZATION schemakit_test_owner;\n"
        "CREATE TABLE app.t (id bigint PRIMARY KEY);\n"
        f"ALTER TABLE app.t OWNER TO {OWNER};\n"
    )
    out = pending(target, text)
    assert "AUTHZ_UPDATE" not in out, out
    target.converge()
    assert query(
        target.url,
        "SELECT nspowner::regrole::text, (SELECT relowner::regrole::text FROM pg_class WHERE oid = 'app.t'::regclass)"
        " FROM pg_namespace WHERE nspname = 'app'",
    ) == [(OWNER, OWNER)]


def test_owner_naming_the_connecting_role_is_the_creator(target: Target, tmp_path: Path) -> None:
    """supabase db dump writes OWNER TO "postgres" (the role that creates the objects):
    on the shadow, the loading role; on the target, the applying one. Both are "the
    creator", and plan nothing, once the object is the creator's."""
    table = "CREATE TABLE public.t (id bigint PRIMARY KEY);\n"
    write(target, table)
    target.converge()
    query(target.url, f"ALTER TABLE public.t OWNER TO {OWNER}")
    # The shadow's loading role (postgres, on the test server) named: the creator.
    loader = query(target.shadow, "SELECT current_user::text")[0][0]
    dumped = table + f'ALTER TABLE "public"."t" OWNER TO "{loader}";\n'
    out = pending(target, dumped)
    assert "CURRENT_USER" in target.plan("--format", "sql").stdout, out
    script = script_of(target, tmp_path, "creator")
    # Not judged: the files name the shadow's loading role, which schemakit reads as "the
    # creator" (as supabase db dump's OWNER TO "postgres"); psql, loading as another role,
    # cannot give the table to that role at all.
    target.converge(judge=False)
    assert query(target.url, "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.t'::regclass") == [
        ("schemakit_owner",)
    ]
    rerun_changes_nothing(target, script)
    # The target's applying role named (it exists on the shadow too): nothing either.
    write(target, table + "ALTER TABLE public.t OWNER TO schemakit_owner;\n")
    res = target.plan("--detailed-exitcode")
    assert res.exit_code == 0 and "No changes" in res.stdout, res.output


def test_owner_that_is_recreated_with_its_object_is_set_again(target: Target) -> None:
    view = "CREATE TABLE public.t (id bigint PRIMARY KEY, a text);\nCREATE VIEW public.v AS SELECT id, a FROM public.t;\n"
    owner = f"ALTER VIEW public.v OWNER TO {OWNER};\n"
    write(target, view + owner)
    target.converge()
    # Dropping a column in the middle of the view recreates it: its owner is set again.
    changed = view.replace("SELECT id, a FROM", "SELECT a, id FROM")
    pending(target, changed + owner)
    target.converge("--allow-hazards", "all")
    assert query(target.url, "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.v'::regclass") == [
        (OWNER,)
    ]


def test_owner_naming_a_missing_role_is_a_located_error(target: Target) -> None:
    write(target, "CREATE TABLE public.t (id bigint PRIMARY KEY);\nALTER TABLE public.t OWNER TO schemakit_no_such_role;\n")
    res = target.plan()
    assert res.exit_code == 1
    assert "schema.sql:2:" in res.output
    assert "schemakit_no_such_role" in res.output
    assert "outside schemakit" in res.output  # the hint: roles are made outside the schema files


def test_owner_of_an_unmodelled_object_kind_is_refused_where_it_is_written(target: Target) -> None:
    write(target, "-- the database\nALTER DATABASE postgres OWNER TO schemakit_owner;\n")
    res = target.plan()
    assert res.exit_code == 1
    assert "schema.sql:2:" in res.output and "ALTER DATABASE" in res.output


# -- grants on types and domains ----------------------------------------------------------

TYPES = (
    "CREATE TYPE public.mood AS ENUM ('ok', 'sad');\n"
    "CREATE DOMAIN public.pos AS integer CHECK (VALUE > 0);\n"
)
GRANTS = (
    "REVOKE USAGE ON TYPE public.mood FROM PUBLIC;\n"
    "GRANT USAGE ON TYPE public.mood TO anon;\n"
    "GRANT USAGE ON DOMAIN public.pos TO authenticated WITH GRANT OPTION;\n"
)
ACL = (
    "SELECT t.typname, has_type_privilege('anon', t.oid, 'USAGE'),"
    " has_type_privilege('authenticated', t.oid, 'USAGE WITH GRANT OPTION'),"
    " EXISTS (SELECT FROM aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) x WHERE x.grantee = 0)"
    " FROM pg_type t WHERE t.oid IN ('public.mood'::regtype, 'public.pos'::regtype) ORDER BY 1"
)


def test_type_grants_added_and_revoked(target: Target, tmp_path: Path) -> None:
    write(target, TYPES)
    target.converge()
    out = pending(target, TYPES + GRANTS)
    assert "AUTHZ_UPDATE" in out, out
    script = script_of(target, tmp_path, "grant")
    target.converge()
    # anon has USAGE on mood, PUBLIC not any more; authenticated may grant USAGE on pos.
    assert query(target.url, ACL) == [
        ("mood", True, False, False),
        ("pos", True, True, True),
    ]
    rerun_changes_nothing(target, script)
    # The grants removed: PUBLIC's USAGE comes back, the others go.
    pending(target, TYPES)
    back = script_of(target, tmp_path, "revoke")
    target.converge()
    assert query(target.url, ACL) == [("mood", True, False, True), ("pos", True, False, True)]
    assert query(
        target.url,
        "SELECT count(*) FROM pg_type t, aclexplode(t.typacl) x"
        " WHERE t.oid IN ('public.mood'::regtype, 'public.pos'::regtype)"
        " AND x.grantee IN ('anon'::regrole, 'authenticated'::regrole)",
    ) == [(0,)]
    rerun_changes_nothing(target, back)


def test_new_type_grants_start_from_default_privileges(target: Target) -> None:
    text = (
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON TYPES TO anon;\n"
        + TYPES
        + "REVOKE USAGE ON TYPE public.mood FROM anon;\n"
    )
    out = pending(target, text)
    assert "AUTHZ_UPDATE" not in out, out
    target.converge()
    # anon's own USAGE (not PUBLIC's): revoked on mood, from the default privileges on pos.
    assert query(
        target.url,
        "SELECT t.typname, count(x.grantee) FROM pg_type t"
        " LEFT JOIN LATERAL aclexplode(t.typacl) x ON x.grantee = 'anon'::regrole"
        " WHERE t.oid IN ('public.mood'::regtype, 'public.pos'::regtype) GROUP BY 1 ORDER BY 1",
    ) == [("mood", 0), ("pos", 1)]


def test_grants_and_owner_of_a_rebuilt_type_are_set_again(target: Target, tmp_path: Path) -> None:
    """Reordering an enum's values rebuilds the type (a new one, its column converted):
    the new type starts from the default privileges and the applying role, so its
    declared grants and owner are planned again."""
    def schema(labels: str) -> str:
        return (
            f"CREATE TYPE public.mood AS ENUM ({labels});\n"
            "CREATE TABLE public.t (id bigint PRIMARY KEY, m public.mood);\n"
            "REVOKE USAGE ON TYPE public.mood FROM PUBLIC;\n"
            "GRANT USAGE ON TYPE public.mood TO anon;\n"
            f"ALTER TYPE public.mood OWNER TO {OWNER};\n"
        )

    write(target, schema("'ok', 'sad'"))
    target.converge()
    query(target.url, "INSERT INTO public.t VALUES (1, 'sad')")
    pending(target, schema("'sad', 'ok'"))
    script = script_of(target, tmp_path, "rebuild")
    target.converge("--allow-hazards", "all")
    assert query(
        target.url,
        "SELECT typowner::regrole::text, array(SELECT coalesce(nullif(x.grantee, 0)::regrole::text, 'PUBLIC')"
        " FROM aclexplode(typacl) x WHERE x.grantee <> typowner ORDER BY 1)"
        " FROM pg_type WHERE oid = 'public.mood'::regtype",
    ) == [(OWNER, ["anon"])]
    assert query(target.url, "SELECT m::text FROM public.t") == [("sad",)]
    rerun_changes_nothing(target, script)


def test_owner_of_a_new_function_over_a_new_type(target: Target) -> None:
    """The target has neither the function nor its argument's type yet: reading its
    declared owner there finds nothing (before PostgreSQL 16 to_regprocedure raises on
    a missing type, so the types are looked up first)."""
    text = (
        "CREATE TYPE public.mood AS ENUM ('ok', 'sad');\n"
        "CREATE FUNCTION public.g(m public.mood) RETURNS text LANGUAGE sql AS $$ SELECT m::text $$;\n"
        f"ALTER FUNCTION public.g(mood) OWNER TO {OWNER};\n"
    )
    pending(target, text)
    target.converge()
    assert query(
        target.url, "SELECT proowner::regrole::text FROM pg_proc WHERE oid = 'public.g(public.mood)'::regprocedure"
    ) == [(OWNER,)]
