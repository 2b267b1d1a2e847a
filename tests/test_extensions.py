"""The shadow is the target's twin: Supabase's extensions and platform objects load.

Real Supabase projects use pgcrypto and uuid-ossp through the ``extensions`` schema
(unqualified, by the search_path Supabase sets), pg_net in trigger functions, vector
columns with hnsw indexes, and the vault. On a server without one of these, a
stand-in extension is installed in the server's extension directory (when we can
write it), so the files load and the catalog knows the objects as the extension's.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from schemakit.server import embedded, standins
from schemakit.server.baseline import baseline_sql
from schemakit.server.embedded import bin_path
from tests.conftest import as_role
from tests.helpers import Target, model_of, query, run_cli

SUPABASE_PROJECT = """
create extension if not exists pg_net with schema extensions;
create extension if not exists vector with schema extensions;

create table public.documents (
    id uuid primary key default uuid_generate_v4(),
    token bytea not null default extensions.gen_random_bytes(16),
    body text not null,
    embedding vector(1536)
);
create index documents_embedding_idx on public.documents
    using hnsw (embedding vector_cosine_ops);

create function public.notify_document() returns trigger
language plpgsql as $$
begin
    perform net.http_post(
        url := 'https://example.com/hooks/documents',
        body := jsonb_build_object('id', new.id)
    );
    return new;
end
$$;
create trigger documents_notify after insert on public.documents
    for each row execute function public.notify_document();

create function public.service_key() returns text
language sql stable security definer set search_path = '' as $$
    select decrypted_secret from vault.decrypted_secrets where name = 'service_key'
$$;

create function public.store_service_key(key text) returns uuid
language plpgsql security definer set search_path = '' as $$
begin
    return vault.create_secret(key, 'service_key', 'the service key');
end
$$;
"""


def _superuser_target(baseline_db: str, pg_admin_url: str, tmp_path: Path, files: dict[str, str]) -> Target:
    schema = tmp_path / "schema"
    schema.mkdir()
    for name, text in files.items():
        (schema / name).write_text(text)
    # As the superuser: the real pgvector (embedded PostgreSQL 18) is not a trusted
    # extension, as Supabase's postgres can create it only through supautils.
    return Target(baseline_db, pg_admin_url, schema)


def _psql(url: str, script: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_path("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(script)],
        capture_output=True,
        text=True,
    )


def test_a_supabase_project_using_its_extensions_plans_applies_and_converges(
    baseline_db: str, pg_admin_url: str, tmp_path: Path
) -> None:
    target = _superuser_target(baseline_db, pg_admin_url, tmp_path, {"project.sql": SUPABASE_PROJECT})
    script = tmp_path / "plan.sql"
    res = target.plan("--format", "sql", "--out", str(script))
    assert res.exit_code == 0, res.output
    target.converge()

    # The target works as on Supabase: defaults, the trigger's request, the vault.
    query(
        baseline_db,
        "INSERT INTO public.documents (body, embedding) "
        "VALUES ('hello', array_fill(0.5, ARRAY[1536])::real[]::extensions.vector)",
    )
    ((token_len, version),) = query(
        baseline_db, "SELECT length(token), substr(id::text, 15, 1) FROM public.documents"
    )
    assert (token_len, version) == (16, "4")
    assert query(baseline_db, "SELECT method, url FROM net.http_request_queue") == [
        ("POST", "https://example.com/hooks/documents")
    ]
    query(baseline_db, "SELECT public.store_service_key('s3cret')")
    assert query(baseline_db, "SELECT public.service_key()") == [("s3cret",)]

    # The emitted script runs again and changes nothing.
    model = model_of(baseline_db)
    again = _psql(baseline_db, script)
    assert again.returncode == 0, again.stderr
    assert model_of(baseline_db) == model
    assert "No changes" in target.plan().stdout


def test_the_owner_role_creates_the_stand_ins_and_unqualified_names_resolve(
    blank_target: Target,
) -> None:
    (blank_target.schema_dir / "app.sql").write_text(
        "create extension if not exists pg_net with schema extensions;\n"
        "create extension if not exists pgsodium;\n"
        "create table public.keys (\n"
        "    id uuid primary key default uuid_generate_v4(),\n"
        "    salt text default gen_salt('bf'),\n"
        "    digest bytea default digest('x', 'sha256')\n"
        ");\n"
        "create function public.ping() returns bigint language sql as $$\n"
        "    select net.http_get('https://example.com')\n"
        "$$;\n"
        "create function public.nonce() returns bytea language sql as $$\n"
        "    select pgsodium.randombytes_buf(24)\n"
        "$$;\n"
        "-- a database webhook, as the dashboard creates it\n"
        "create trigger keys_webhook after insert on public.keys for each row\n"
        "    execute function supabase_functions.http_request(\n"
        "        'https://example.com/hook', 'POST', '{\"Content-Type\":\"application/json\"}', '{}', '1000');\n"
    )
    blank_target.converge()
    assert query(blank_target.url, "SELECT length(public.nonce())") == [(24,)]
    query(blank_target.url, "INSERT INTO public.keys DEFAULT VALUES")
    assert query(blank_target.url, "SELECT hook_name FROM supabase_functions.hooks") == [("keys_webhook",)]


def test_extensions_alone_plan_only_create_extension_steps(
    baseline_db: str, pg_admin_url: str, tmp_path: Path
) -> None:
    in_extensions = ["vector", "pg_net", "http", "pgjwt", "wrappers", "postgis", "moddatetime", "citext",
                     "pg_trgm", "hstore", "ltree", "unaccent", "pg_stat_statements"]
    # Extensions whose control file names their schema, as Supabase's docs create them.
    own_schema = ["pgsodium", "pg_graphql", "pgmq"]
    # Every Supabase project has pg_stat_statements and pg_graphql (the baseline too):
    # the platform's, never planned; `supabase db dump` writes them as below.
    names = [n for n in in_extensions + own_schema if n not in ("pg_stat_statements", "pg_graphql")] + ["pg_cron"]
    text = "".join(f'create extension if not exists "{n}" with schema extensions;\n' for n in in_extensions)
    text += "".join(f'create extension if not exists "{n}";\n' for n in own_schema)
    text += 'CREATE EXTENSION IF NOT EXISTS "pg_graphql" WITH SCHEMA "graphql";\n'
    text += "create extension if not exists pg_cron with schema pg_catalog;\n"
    target = _superuser_target(baseline_db, pg_admin_url, tmp_path, {"ext.sql": text})
    res = target.plan("--format", "json")
    assert res.exit_code == 0, res.output
    steps = json.loads(res.stdout)["steps"]
    assert {(s["action"], s["kind"]) for s in steps} == {("create", "extension")}, steps
    assert sorted(s["object"] for s in steps) == sorted(f'"{n}"' if "-" in n else n for n in names)
    target.converge()


def test_the_baseline_mirrors_supabase(baseline_db: str) -> None:
    schemas = {r[0] for r in query(baseline_db, "SELECT nspname FROM pg_namespace")}
    assert {"extensions", "supabase_functions", "graphql_public", "realtime", "vault"} <= schemas
    extensions = dict(query(baseline_db, "SELECT extname, extnamespace::regnamespace::text FROM pg_extension"))
    assert extensions["pgcrypto"] == "extensions"
    assert extensions["uuid-ossp"] == "extensions"
    assert extensions["supabase_vault"] == "vault"
    assert extensions["pg_graphql"] == "graphql"
    assert extensions["pg_stat_statements"] == "extensions"
    # Supabase's default privileges, where Supabase has them: the API roles get what the
    # project's role creates in public.
    acl = query(
        baseline_db,
        "SELECT d.defaclobjtype::text, x.privilege_type FROM pg_default_acl d, aclexplode(d.defaclacl) x "
        "WHERE d.defaclnamespace = 'public'::regnamespace AND d.defaclrole = 'schemakit_owner'::regrole "
        "AND x.grantee = 'anon'::regrole",
    )
    assert {("r", "SELECT"), ("r", "INSERT"), ("S", "USAGE"), ("f", "EXECUTE")} <= set(acl), acl
    # Kept as SQL data, with a note of the Supabase version it mirrors.
    assert "Mirrors Supabase Postgres 15.8" in baseline_sql().splitlines()[2]
    for table in ("auth.users", "auth.identities", "auth.sessions", "auth.mfa_factors", "supabase_functions.hooks"):
        assert query(baseline_db, "SELECT to_regclass(%s) IS NOT NULL", [table]) == [(True,)], table
    owner = as_role(baseline_db, "schemakit_owner")
    assert query(owner, "SHOW search_path") == [('"$user", public, extensions',)]
    assert query(owner, "SELECT uuid_generate_v4() IS NOT NULL") == [(True,)]
    # All of it is platform: the model of a bare baseline database has none of it.
    platform = ("auth", "vault", "realtime", "supabase_functions", "graphql_public", "extensions", "net")
    leaked = [
        key for key in model_of(baseline_db).objects
        if key[0] == "extension" or str(key[1]).split(".")[0].split(":")[0] in platform
    ]
    assert leaked == []


def test_a_server_that_is_not_ours_gets_no_stand_ins(baseline_db: str) -> None:
    # schemakit_owner cannot read the server's files: the server is not ours.
    with psycopg.connect(as_role(baseline_db, "schemakit_owner"), autocommit=True) as conn:
        assert standins.extension_dir(conn) is None
        assert standins.ensure_standins(conn) == []


def test_a_missing_extension_names_itself_and_suggests_shadow_url(blank_target: Target) -> None:
    (blank_target.schema_dir / "ext.sql").write_text("create extension no_such_extension;\n")
    res = blank_target.plan()
    assert res.exit_code == 1
    assert "no_such_extension" in res.output
    assert "--shadow-url" in res.output


def test_stand_ins_never_replace_a_real_extension(tmp_path: Path) -> None:
    (tmp_path / "vector.control").write_text("comment = 'the real one'\ndefault_version = '0.8.6'\n")
    installed = standins.install_into(tmp_path)
    assert "vector" not in installed and "pg_net" in installed
    assert (tmp_path / "vector.control").read_text().startswith("comment = 'the real one'")
    assert (tmp_path / "pg_net.control").read_text().find(standins.MARKER) >= 0


STORAGE_FUNCTION = """
create function storage.object_depth(name text) returns integer
language sql immutable as $$ select array_length(string_to_array(name, '/'), 1) $$;
"""


def test_the_acceptance_project_plans_from_empty_on_the_embedded_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14's Supabase acceptance: uuid_generate_v4(), extensions.gen_random_bytes,
    net.http_post in a trigger function, vector(1536) with an hnsw index, the vault and a
    function added to storage, as a new user runs it: no --db, no --shadow-url (the
    embedded local server is target and shadow; it gets the Supabase profile the files
    need). Plans from empty, applies, converges; the script re-runs as a no-op."""
    with tempfile.TemporaryDirectory(prefix="schemakit-accept-", dir="/tmp") as tmp:
        project = Path(tmp)
        (project / "schema").mkdir()
        (project / "schema" / "project.sql").write_text(SUPABASE_PROJECT + STORAGE_FUNCTION)
        monkeypatch.chdir(project)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        data = project / ".schemakit" / "pg"
        try:
            script = project / "plan.sql"
            res = run_cli("plan", "--format", "sql", "--out", str(script))
            assert res.exit_code == 0, res.output
            assert "shadow: the local server (PostgreSQL 18)\n" in res.stderr, res.output
            assert "(profile supabase)" in res.stderr, res.output
            text = script.read_text()
            for needle in ("public.documents", "USING hnsw", "FUNCTION storage.object_depth", "EXTENSION IF NOT EXISTS vector"):
                assert needle in text, needle
            applied = run_cli("apply", "--yes")
            assert applied.exit_code == 0, applied.output
            again = run_cli("plan", "--detailed-exitcode", "--no-cache")
            assert again.exit_code == 0 and "No changes" in again.stdout, again.output

            local = embedded.status(data)
            assert local is not None
            url = local.url()
            query(url, "INSERT INTO public.documents (body, embedding) "
                       "VALUES ('hello', array_fill(0.5, ARRAY[1536])::real[]::extensions.vector)")
            assert query(url, "SELECT length(token), substr(id::text, 15, 1) FROM public.documents") == [(16, "4")]
            assert query(url, "SELECT method FROM net.http_request_queue") == [("POST",)]
            query(url, "SELECT public.store_service_key('s3cret')")
            assert query(url, "SELECT public.service_key(), storage.object_depth('a/b/c')") == [("s3cret", 3)]
            assert query(url, "SELECT extname FROM pg_extension WHERE extname IN ('vector', 'pg_net') ORDER BY 1") == [
                ("pg_net",), ("vector",)
            ]
            model = model_of(url)
            rerun = _psql(url, script)
            assert rerun.returncode == 0, rerun.stderr
            assert model_of(url) == model
            assert "No changes" in run_cli("plan", "--no-cache").stdout
        finally:
            embedded.stop(data)
