"""schemakit lint (issue 17): the model rules on the files' desired model, each finding
located at the statement that declares its object; suppression comments; the formats
(SARIF validated against the SARIF 2.1.0 JSON schema, vendored in tests/fixtures);
--fail-on exit codes; the plan rules against a target with rows; a live rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest

from tests.helpers import SEED_DIR, Target, run_cli, seed_project

FIXTURES = Path(__file__).parent / "fixtures"

# (rule, the object it names, SQL that triggers it, the fixed SQL that does not). Every
# case goes into one "bad" and one "good" schema folder, each loaded once.
CASES: list[tuple[str, str, str, str]] = [
    (
        "rls_disabled_in_public",
        "table public.open_notes",
        "CREATE TABLE public.open_notes (id int PRIMARY KEY);",
        "CREATE TABLE public.open_notes (id int PRIMARY KEY);\nALTER TABLE public.open_notes ENABLE ROW LEVEL SECURITY;",
    ),
    (
        "rls_enabled_no_policy",
        "table public.locked",
        "CREATE TABLE public.locked (id int PRIMARY KEY, owner uuid);\nALTER TABLE public.locked ENABLE ROW LEVEL SECURITY;",
        "CREATE TABLE public.locked (id int PRIMARY KEY, owner uuid);\nALTER TABLE public.locked ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY locked_read ON public.locked FOR SELECT TO authenticated USING ((select auth.uid()) = owner);",
    ),
    (
        "policy_exists_rls_disabled",
        "table public.forgotten",
        "CREATE TABLE public.forgotten (id int PRIMARY KEY, owner uuid);\n"
        "CREATE POLICY forgotten_read ON public.forgotten FOR SELECT TO authenticated USING ((select auth.uid()) = owner);",
        "CREATE TABLE public.forgotten (id int PRIMARY KEY, owner uuid);\nALTER TABLE public.forgotten ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY forgotten_read ON public.forgotten FOR SELECT TO authenticated USING ((select auth.uid()) = owner);",
    ),
    (
        "auth_rls_initplan",
        "policy posts_read on public.posts",
        "CREATE TABLE public.posts (id int PRIMARY KEY, owner uuid);\nALTER TABLE public.posts ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY posts_read ON public.posts FOR SELECT TO authenticated USING (auth.uid() = owner);",
        "CREATE TABLE public.posts (id int PRIMARY KEY, owner uuid);\nALTER TABLE public.posts ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY posts_read ON public.posts FOR SELECT TO authenticated USING ((select auth.uid()) = owner);",
    ),
    (
        "function_search_path_mutable",
        "function public.touch()",
        "CREATE FUNCTION public.touch() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
        "CREATE FUNCTION public.touch() RETURNS int LANGUAGE sql SET search_path = '' AS $$ SELECT 1 $$;",
    ),
    (
        "security_definer_view",
        "view public.v_numbers",
        "CREATE VIEW public.v_numbers AS SELECT 1 AS n;",
        "CREATE VIEW public.v_numbers WITH (security_invoker = on) AS SELECT 1 AS n;",
    ),
    (
        "anon_security_definer_function_executable",
        "function public.admin_reset()",
        "CREATE FUNCTION public.admin_reset() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;",
        "CREATE FUNCTION public.admin_reset() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;\n"
        "REVOKE EXECUTE ON FUNCTION public.admin_reset() FROM PUBLIC, anon;",
    ),
    (
        "authenticated_security_definer_function_executable",
        "function public.admin_purge()",
        "CREATE FUNCTION public.admin_purge() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;",
        "CREATE FUNCTION public.admin_purge() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;\n"
        "REVOKE EXECUTE ON FUNCTION public.admin_purge() FROM PUBLIC, authenticated;",
    ),
    (
        "multiple_permissive_policies",
        "table public.docs",
        "CREATE TABLE public.docs (id int PRIMARY KEY, owner uuid, shared boolean);\nALTER TABLE public.docs ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY docs_own ON public.docs FOR SELECT TO authenticated USING ((select auth.uid()) = owner);\n"
        "CREATE POLICY docs_shared ON public.docs FOR SELECT TO authenticated USING (shared);",
        "CREATE TABLE public.docs (id int PRIMARY KEY, owner uuid, shared boolean);\nALTER TABLE public.docs ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY docs_read ON public.docs FOR SELECT TO authenticated USING ((select auth.uid()) = owner OR shared);",
    ),
    (
        "rls_policy_always_true",
        "policy wiki_edit on public.wiki",
        "CREATE TABLE public.wiki (id int PRIMARY KEY, owner uuid);\nALTER TABLE public.wiki ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY wiki_edit ON public.wiki FOR UPDATE TO authenticated USING (true) WITH CHECK (true);",
        "CREATE TABLE public.wiki (id int PRIMARY KEY, owner uuid);\nALTER TABLE public.wiki ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY wiki_edit ON public.wiki FOR UPDATE TO authenticated USING ((select auth.uid()) = owner) "
        "WITH CHECK ((select auth.uid()) = owner);",
    ),
    (
        "rls_references_user_metadata",
        "policy admin_only on public.settings",
        "CREATE TABLE public.settings (id int PRIMARY KEY);\nALTER TABLE public.settings ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY admin_only ON public.settings FOR SELECT TO authenticated "
        "USING (((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'admin');",
        "CREATE TABLE public.settings (id int PRIMARY KEY);\nALTER TABLE public.settings ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY admin_only ON public.settings FOR SELECT TO authenticated "
        "USING (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');",
    ),
    (
        "unindexed_foreign_keys",
        "constraint comments_post_fkey on public.comments",
        "CREATE TABLE public.threads (id int PRIMARY KEY);\n"
        "CREATE TABLE public.comments (id int PRIMARY KEY, post int, CONSTRAINT comments_post_fkey FOREIGN KEY (post) REFERENCES public.threads (id));",
        "CREATE TABLE public.threads (id int PRIMARY KEY);\n"
        "CREATE TABLE public.comments (id int PRIMARY KEY, post int, CONSTRAINT comments_post_fkey FOREIGN KEY (post) REFERENCES public.threads (id));\n"
        "CREATE INDEX comments_post_idx ON public.comments (post);",
    ),
    (
        "duplicate_index",
        "index public.events_at_2",
        "CREATE TABLE public.events (id int PRIMARY KEY, at timestamptz);\n"
        "CREATE INDEX events_at_1 ON public.events (at);\nCREATE INDEX events_at_2 ON public.events (at);",
        "CREATE TABLE public.events (id int PRIMARY KEY, at timestamptz);\nCREATE INDEX events_at_1 ON public.events (at);",
    ),
    (
        "no_primary_key",
        "table public.raw_log",
        "CREATE TABLE public.raw_log (line text);",
        "CREATE TABLE public.raw_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, line text);",
    ),
    (
        "extension_in_public",
        "extension citext",
        "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;",
        "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions;",
    ),
    (
        "auth_users_exposed",
        "view public.people",
        "CREATE VIEW public.people AS SELECT id, email FROM auth.users;",
        "CREATE VIEW public.people WITH (security_invoker = on) AS SELECT id, email FROM auth.users;",
    ),
    (
        "materialized_view_in_api",
        "materialized view public.totals",
        "CREATE MATERIALIZED VIEW public.totals AS SELECT 1 AS n;",
        "CREATE MATERIALIZED VIEW public.totals AS SELECT 1 AS n;\nREVOKE SELECT ON public.totals FROM anon, authenticated;",
    ),
    (
        "fkey_to_auth_unique",
        "constraint contacts_phone_fkey on public.contacts",
        "CREATE TABLE public.contacts (id int PRIMARY KEY, phone text, user_id uuid, "
        "CONSTRAINT contacts_phone_fkey FOREIGN KEY (phone) REFERENCES auth.users (phone));",
        "CREATE TABLE public.contacts (id int PRIMARY KEY, phone text, user_id uuid, "
        "CONSTRAINT contacts_phone_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id));",
    ),
    (
        "public_bucket_allows_listing",
        "bucket avatars",
        "INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', true);\n"
        "CREATE POLICY avatars_list ON storage.objects FOR SELECT TO public USING (bucket_id = 'avatars');",
        "INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', true);\n"
        "CREATE POLICY avatars_list ON storage.objects FOR SELECT TO authenticated "
        "USING (bucket_id = 'avatars' AND (select auth.uid())::text = (storage.foldername(name))[1]);",
    ),
]


def lint_json(schema: Path, shadow: str, *extra: str) -> tuple[int, dict[str, Any]]:
    res = run_cli("lint", "--schema-dir", str(schema), "--shadow-url", shadow, "--format", "json", *extra)
    assert res.stdout.startswith("{"), res.output
    return res.exit_code, json.loads(res.stdout)


def _write_cases(folder: Path, good: bool) -> Path:
    folder.mkdir()
    text = "\n\n".join(case[3] if good else case[2] for case in CASES)
    (folder / "cases.sql").write_text(text + "\n")
    return folder


@pytest.fixture(scope="module")
def case_reports(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The JSON reports of the bad and the good schema folders (one shadow load each)."""
    root = tmp_path_factory.mktemp("lint_cases")
    out = {}
    for which, good in (("bad", False), ("good", True)):
        _, out[which] = lint_json(_write_cases(root / which, good), pg_admin_url)
    return out


def _has(report: dict[str, Any], rule: str, obj: str) -> bool:
    return any(f["rule"] == rule and f["object"] == obj for f in report["findings"])


@pytest.mark.parametrize(("rule", "obj"), [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_model_rule_triggers_and_its_fix_does_not(case_reports: dict[str, dict[str, Any]], rule: str, obj: str) -> None:
    assert _has(case_reports["bad"], rule, obj), [f for f in case_reports["bad"]["findings"] if f["rule"] == rule]
    assert not _has(case_reports["good"], rule, obj), [f for f in case_reports["good"]["findings"] if f["rule"] == rule]


def test_every_model_rule_has_a_case() -> None:
    from schemakit.lint import RULES

    assert {r.id for r in RULES.values() if r.kind == "model"} == {c[0] for c in CASES}


def test_case_findings_are_located_with_their_fix(case_reports: dict[str, dict[str, Any]]) -> None:
    wanted = {(c[0], c[1]) for c in CASES}
    found = {f["rule"]: f for f in case_reports["bad"]["findings"] if (f["rule"], f["object"]) in wanted}
    initplan = found["auth_rls_initplan"]
    assert initplan["fix"] == (
        "CREATE POLICY posts_read ON public.posts FOR SELECT TO authenticated USING ((select auth.uid()) = owner);"
    )
    assert initplan["location"]["file"].endswith("cases.sql")
    text = (Path(initplan["location"]["file"])).read_text().splitlines()
    assert text[initplan["location"]["line"] - 1].startswith("CREATE POLICY posts_read")
    assert found["function_search_path_mutable"]["fix"].endswith("ALTER FUNCTION public.touch() SET search_path = '';")
    assert found["security_definer_view"]["fix"] == "ALTER VIEW public.v_numbers SET (security_invoker = on);"
    assert found["unindexed_foreign_keys"]["fix"] == "CREATE INDEX comments_post_idx ON public.comments (post);"
    for f in found.values():
        assert f["location"] is not None, f


# -- the seed ---------------------------------------------------------------------

SEED_FINDINGS = {
    ("function_search_path_mutable", "function public.update_updated_at_column()", "schema/0001_init.sql:63:1"),
    *(
        ("auth_rls_initplan", f"policy {policy}", where)
        for policy, where in [
            ('"Users can read own profile" on public.users', "schema/0002_policies.sql:15:1"),
            ('"Users can update own profile" on public.users', "schema/0002_policies.sql:20:1"),
            ('"Service role can manage users" on public.users', "schema/0002_policies.sql:25:1"),
            ('"Users can read own subscription" on public.subscriptions', "schema/0002_policies.sql:34:1"),
            ('"Service role can manage subscriptions" on public.subscriptions', "schema/0002_policies.sql:39:1"),
            ('"Users can read own usage" on public.usage_counters', "schema/0002_policies.sql:48:1"),
            ('"Service role can manage usage" on public.usage_counters', "schema/0002_policies.sql:53:1"),
            ('"Users can upload own files" on storage.objects', "schema/0003_storage.sql:21:1"),
            ('"Users can read own files" on storage.objects', "schema/0003_storage.sql:29:1"),
            ('"Users can update own files" on storage.objects', "schema/0003_storage.sql:37:1"),
            ('"Users can delete own files" on storage.objects', "schema/0003_storage.sql:45:1"),
            ('"Service role can manage all files" on storage.objects', "schema/0003_storage.sql:53:1"),
        ]
    ),
    ("multiple_permissive_policies", "table public.users", "schema/0002_policies.sql:25:1"),  # SELECT
    ("multiple_permissive_policies", "table public.users", "schema/0002_policies.sql:25:1"),  # UPDATE
    ("multiple_permissive_policies", "table public.subscriptions", "schema/0002_policies.sql:39:1"),
    ("multiple_permissive_policies", "table public.usage_counters", "schema/0002_policies.sql:53:1"),
    ("multiple_permissive_policies", "table storage.objects", "schema/0003_storage.sql:53:1"),
}


def test_seed_findings(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SEED_DIR.parent)
    code, report = lint_json(Path("schema"), pg_admin_url)
    assert code == 0  # warnings only: the default --fail-on is error
    got = [(f["rule"], f["object"], "{file}:{line}:{col}".format(**f["location"])) for f in report["findings"]]
    assert set(got) == SEED_FINDINGS
    assert len(got) == 21
    assert report["summary"] == {"error": 0, "warn": 21, "info": 0, "suppressed": 0}
    per_row_uid = [f for f in report["findings"] if f["rule"] == "auth_rls_initplan" and "auth.uid()" in f["message"]]
    assert len(per_row_uid) == 8  # the "eight policies call auth.uid() per row"
    actions = sorted(f["message"].split(" for ")[1].split(" ")[0] for f in report["findings"] if f["rule"] == "multiple_permissive_policies")
    assert actions == ["DELETE", "INSERT", "SELECT", "SELECT", "SELECT", "SELECT", "UPDATE", "UPDATE"]


def test_seed_text_output_and_fail_on(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SEED_DIR.parent)
    res = run_cli("lint", "--shadow-url", pg_admin_url)
    assert res.exit_code == 0, res.output
    assert (
        "schema/0002_policies.sql:15:1: warn auth_rls_initplan: policy \"Users can read own profile\" on public.users: "
        "calls auth.uid() for each row" in res.stdout
    )
    assert (
        '  fix: CREATE POLICY "Users can read own profile" ON public.users FOR SELECT USING ((select auth.uid()) = id);'
        in res.stdout
    )
    assert res.stdout.rstrip().endswith("21 findings: 0 errors, 21 warnings, 0 info")
    assert "\x1b[" not in res.stdout  # no colour in a pipe
    warn = run_cli("lint", "--shadow-url", pg_admin_url, "--fail-on", "warn", "--format", "github")
    assert warn.exit_code == 1
    ignored = run_cli(
        "lint", "--shadow-url", pg_admin_url, "--fail-on", "warn",
        "--ignore", "auth_rls_initplan,multiple_permissive_policies,function_search_path_mutable",
    )
    assert ignored.exit_code == 0, ignored.output
    assert "0 findings" in ignored.stdout
    unknown = run_cli("lint", "--shadow-url", pg_admin_url, "--ignore", "no_such_rule")
    assert unknown.exit_code == 64
    assert "unknown rule no_such_rule" in unknown.output


def test_fail_on_error_exits_1_on_an_error_finding(pg_admin_url: str, tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "t.sql").write_text("CREATE TABLE public.open_notes (id int PRIMARY KEY);\n")
    plain_code, plain = lint_json(schema, pg_admin_url)  # files without auth/storage: a plain profile, no API roles
    assert plain_code == 0 and [f["rule"] for f in plain["findings"]] == []
    code, report = lint_json(schema, pg_admin_url, "--profile", "supabase")
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["rls_disabled_in_public"]
    info_code, _ = lint_json(schema, pg_admin_url, "--profile", "supabase", "--ignore", "rls_disabled_in_public", "--fail-on", "info")
    assert info_code == 0


def test_github_annotations(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SEED_DIR.parent)
    res = run_cli("lint", "--shadow-url", pg_admin_url, "--format", "github")
    lines = res.stdout.splitlines()
    assert len(lines) == 21
    assert lines[0].startswith(
        "::warning file=schema/0001_init.sql,line=63,col=1,title=function_search_path_mutable::function public.update_updated_at_column()"
    ), lines[0]
    assert all(line.startswith("::warning file=schema/") for line in lines)


def test_sarif_validates_against_the_2_1_0_schema(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SEED_DIR.parent)
    res = run_cli("lint", "--shadow-url", pg_admin_url, "--format", "sarif")
    log = json.loads(res.stdout)
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert len(results) == 21
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    first = results[0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "function_search_path_mutable"
    assert first["level"] == "warning"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "schema/0001_init.sql"},
        "region": {"startLine": 63, "startColumn": 1},
    }
    broken = dict(log, version="2.0.0")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_suppression_comment_on_the_statement(pg_admin_url: str, tmp_path: Path) -> None:
    schema = seed_project(tmp_path)
    init = schema / "0001_init.sql"
    init.write_text(
        init.read_text().replace(
            "-- Function to update updated_at timestamp\n",
            "-- Function to update updated_at timestamp\n-- schemakit: ignore function_search_path_mutable (reviewed: NOW() only)\n",
        )
    )
    policies = schema / "0002_policies.sql"
    policies.write_text(
        policies.read_text().replace(
            "    FOR SELECT USING (auth.uid() = id);",
            "    FOR SELECT USING (auth.uid() = id); -- schemakit: ignore auth_rls_initplan",
        )
    )
    code, report = lint_json(schema, pg_admin_url)
    assert code == 0
    rules = [f["rule"] for f in report["findings"]]
    assert "function_search_path_mutable" not in rules
    assert rules.count("auth_rls_initplan") == 11
    assert sorted((f["rule"], f["object"]) for f in report["suppressed"]) == [
        ("auth_rls_initplan", 'policy "Users can read own profile" on public.users'),
        ("function_search_path_mutable", "function public.update_updated_at_column()"),
    ]
    assert report["summary"]["suppressed"] == 2


# -- plan rules and live rules -------------------------------------------------------

PLAN_V1 = """
CREATE TABLE public.items (id int PRIMARY KEY, name text, price int, old text);
CREATE TABLE public.gone (id int PRIMARY KEY);
"""
PLAN_V2 = """
CREATE TABLE public.items (
    id int PRIMARY KEY,
    name text NOT NULL,
    price bigint,
    token uuid DEFAULT gen_random_uuid(),
    CONSTRAINT items_price_check CHECK (price > 0)
);
CREATE INDEX items_name_idx ON public.items (name);
"""


def test_plan_rules_on_a_target_with_rows(blank_target: Target) -> None:
    (blank_target.schema_dir / "s.sql").write_text(PLAN_V1)
    blank_target.converge()
    with psycopg.connect(blank_target.url, autocommit=True) as conn:
        conn.execute("INSERT INTO public.items VALUES (1, 'a', 2, 'x'), (2, 'b', 3, 'y')")
    (blank_target.schema_dir / "s.sql").write_text(PLAN_V2)
    res = run_cli("lint", "--plan", *blank_target.flags(), "--format", "json")
    report = json.loads(res.stdout)
    plan_rules = sorted({f["rule"] for f in report["findings"] if f["rule"] in _PLAN_RULES})
    assert plan_rules == sorted(_PLAN_RULES - {"renaming"}), report["findings"]
    assert res.exit_code == 1  # the drops are errors
    index = next(f for f in report["findings"] if f["rule"] == "require_concurrent_index_creation")
    assert index["location"]["line"] == 9 and index["location"]["file"].endswith("s.sql")
    assert "CREATE INDEX CONCURRENTLY items_name_idx ON public.items USING btree (name)" in index["fix"]
    dropped = next(f for f in report["findings"] if f["rule"] == "ban_drop_table")
    assert dropped["object"] == "table public.gone" and dropped["location"] is None  # no longer in the files
    # `plan` shows the same findings as hazard notes (on standard error).
    plan = blank_target.plan()
    assert "lint: require_concurrent_index_creation on index public.items_name_idx" in plan.stderr
    assert "lint: ban_drop_column on column public.items.old" in plan.stderr
    # `plan --online` builds the index concurrently and the constraint NOT VALID: the notes go.
    online = blank_target.plan("--online")
    assert "require_concurrent_index_creation" not in online.stderr
    assert "constraint_missing_not_valid" not in online.stderr


_PLAN_RULES = frozenset(
    {
        "require_concurrent_index_creation",
        "constraint_missing_not_valid",
        "changing_column_type",
        "adding_field_with_volatile_default",
        "setting_not_nullable_field",
        "ban_drop_column",
        "ban_drop_table",
        "renaming",
        "require_timeout_settings",
    }
)


def test_plan_rules_cover_the_declared_ones() -> None:
    from schemakit.lint import RULES

    assert {r.id for r in RULES.values() if r.kind == "plan"} == _PLAN_RULES


def test_renaming_rule_on_an_enum_value_rename() -> None:
    from schemakit.kinds.enum import EnumType, RenameEnumValue
    from schemakit.lint.plan_rules import plan_findings
    from schemakit.plan import Plan, Step

    mood = EnumType(schema="public", name="mood", labels=("happy", "sad"))
    step = Step(change=RenameEnumValue(enum=mood, old_value="sad", new_value="unhappy"), sql=())
    found = plan_findings(Plan(steps=(step,), current_fingerprint="", desired_fingerprint=""))
    assert [(f.rule, f.object) for f in found] == [("renaming", "type public.mood")]
    assert "'sad'" in found[0].message and "'unhappy'" in found[0].message


def test_unused_index_with_db(blank_target: Target) -> None:
    (blank_target.schema_dir / "s.sql").write_text(
        "CREATE TABLE public.notes (id int PRIMARY KEY, body text);\n"
        "CREATE INDEX notes_body_idx ON public.notes (body);\n"
    )
    blank_target.converge()
    res = run_cli("lint", "--schema-dir", str(blank_target.schema_dir), "--db", blank_target.url, "--format", "json")
    assert res.stdout, res.output
    report = json.loads(res.stdout)
    unused = [f for f in report["findings"] if f["rule"] == "unused_index"]
    assert [f["object"] for f in unused] == ["index public.notes_body_idx"]
    assert unused[0]["location"]["line"] == 2  # located in the files, which are there
    with psycopg.connect(blank_target.url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SELECT * FROM public.notes WHERE body = 'x'").fetchall()
        conn.execute("SELECT pg_stat_force_next_flush()")
    again = json.loads(run_cli("lint", "--db", blank_target.url, "--schema-dir", str(blank_target.schema_dir), "--format", "json").stdout)
    assert not [f for f in again["findings"] if f["rule"] == "unused_index"]
    # A snapshot of the same database: its model, located in the files; no live rules.
    snap = blank_target.schema_dir.parent / "prod.json"
    assert run_cli("snapshot", "--db", blank_target.url, "--out", str(snap)).exit_code == 0
    res = run_cli("lint", "--from-snapshot", str(snap), "--schema-dir", str(blank_target.schema_dir), "--format", "json")
    from_snapshot = json.loads(res.stdout)
    assert {f["rule"] for f in from_snapshot["findings"]} == {"rls_disabled_in_public"}
    assert from_snapshot["findings"][0]["location"]["line"] == 1
    assert res.exit_code == 1  # an error-level finding, with the default --fail-on error
    both = run_cli("lint", "--from-snapshot", str(snap), "--db", blank_target.url)
    assert both.exit_code == 1 and "exclude each other" in both.stderr


def fix_seed(schema: Path) -> None:
    """The fixes the README shows for the seed's findings."""
    init = schema / "0001_init.sql"
    init.write_text(init.read_text().replace("$$ language 'plpgsql';", "$$ language 'plpgsql' SET search_path = '';"))
    for name in ("0002_policies.sql", "0003_storage.sql"):
        path = schema / name
        text = path.read_text().replace("auth.uid()", "(select auth.uid())")
        text = text.replace(
            "    FOR ALL USING (current_setting",
            "    FOR ALL TO service_role USING (current_setting",
        )
        path.write_text(text)


def test_the_readme_fixes_leave_the_seed_without_findings(pg_admin_url: str, tmp_path: Path) -> None:
    schema = seed_project(tmp_path)
    fix_seed(schema)
    code, report = lint_json(schema, pg_admin_url, "--fail-on", "info")
    assert report["findings"] == [] and code == 0, report["findings"]


def test_seed_service_role_policy_fix(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SEED_DIR.parent)
    _, report = lint_json(Path("schema"), pg_admin_url)
    users = [f for f in report["findings"] if f["rule"] == "multiple_permissive_policies" and f["object"] == "table public.users"]
    assert [f["fix"].rsplit(": ", 1)[1] for f in users] == [
        "ALTER POLICY \"Service role can manage users\" ON public.users TO service_role;"
    ] * 2
