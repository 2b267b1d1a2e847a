"""The review workflow: snapshots, plan --from-snapshot, saved plans, diff (issue 4)."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from schemakit.model import Model
from schemakit.server import shadow
from schemakit.server.embedded import bin_path
from schemakit.snapshot import dump_snapshot, load_snapshot
from tests.conftest import as_role
from tests.helpers import REPO, Result, Target, model_of, query, run_cli, seed_project

OWNER = "schemakit_owner"
SEED_SNAPSHOT = REPO / "snapshots" / "seed.json"
UPDATE_ENV = "SCHEMAKIT_UPDATE_SNAPSHOTS"
INIT = "0001_init.sql"


@pytest.fixture
def target(baseline_db: str, pg_admin_url: str, tmp_path: Path) -> Target:
    return Target(as_role(baseline_db, OWNER), pg_admin_url, seed_project(tmp_path))


@pytest.fixture
def seeded(target: Target) -> Target:
    target.converge()
    return target


def edit(target: Target, file: str, old: str, new: str) -> None:
    path = target.schema_dir / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def changed_lines(a: str, b: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# -- snapshots -------------------------------------------------------------------


def test_seed_snapshot_matches_the_repository(seeded: Target) -> None:
    """Regenerate with SCHEMAKIT_UPDATE_SNAPSHOTS=1 pytest tests/test_review.py -k seed_snapshot."""
    if os.environ.get(UPDATE_ENV):
        res = run_cli("snapshot", "--db", seeded.url, "--out", str(SEED_SNAPSHOT))
        assert res.exit_code == 0, res.output
    res = run_cli("snapshot", "--db", seeded.url)
    assert res.exit_code == 0, res.output
    committed = SEED_SNAPSHOT.read_text()
    # The committed file was taken on the embedded server; on another major (a
    # SCHEMAKIT_TEST_DSN server) everything but the recorded server version must match.
    ours = re.search(r'"server_version": (\d+)', committed)
    theirs = re.search(r'"server_version": (\d+)', res.stdout)
    assert ours and theirs
    got = res.stdout.replace(theirs.group(0), ours.group(0), 1)
    assert got == committed, "snapshots/seed.json is stale; see this test's docstring"


def test_snapshot_format(seeded: Target) -> None:
    text = run_cli("snapshot", "--db", seeded.url).stdout
    data = json.loads(text)
    assert list(data) == ["snapshot", "objects", "depends"]
    assert data["snapshot"]["format_version"] == 1
    assert data["snapshot"]["server_version"] % 10000 == 0
    assert text.endswith("}\n") and '\n  "objects": {\n' in text
    assert "oid" not in text.lower().replace("void", "")
    assert list(data["objects"]) == sorted(data["objects"])
    for items in data["objects"].values():
        assert list(items) == sorted(items)
    assert data["depends"], "dependency edges are stored"


def test_snapshot_round_trips_to_the_same_model(seeded: Target, tmp_path: Path) -> None:
    model = model_of(seeded.url)
    path = tmp_path / "s.json"
    path.write_text(dump_snapshot(model))
    back = load_snapshot(path)
    assert back.objects == model.objects
    assert back.depends == {k: v for k, v in model.depends.items() if v}
    assert back.fingerprint() == model.fingerprint()
    assert back.server_version == model.server_version // 10000 * 10000
    assert Model.from_json(model.to_json()).objects == model.objects


def test_snapshot_rejects_a_hand_edited_file(seeded: Target, tmp_path: Path) -> None:
    data = json.loads(run_cli("snapshot", "--db", seeded.url).stdout)
    data["objects"]["table"]["public.users"]["comment"] = "edited"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    res = run_cli("plan", "--schema-dir", str(seeded.schema_dir), "--shadow-url", seeded.shadow, "--from-snapshot", str(bad))
    assert res.exit_code == 1
    assert "fingerprint" in res.stderr and "Traceback" not in res.output


@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE public.users ADD COLUMN nickname text",
        "ALTER TABLE public.subscriptions ALTER COLUMN lemon_squeezy_id TYPE varchar(200)",
    ],
)
def test_one_column_change_is_a_small_snapshot_diff(seeded: Target, change: str) -> None:
    before = run_cli("snapshot", "--db", seeded.url).stdout
    query(seeded.url, change)
    after = run_cli("snapshot", "--db", seeded.url).stdout
    lines = changed_lines(before, after)
    assert 0 < len(lines) < 15, "\n".join(lines)


def test_plan_from_snapshot_equals_plan_against_the_database(seeded: Target, tmp_path: Path) -> None:
    # Rows everywhere the edits touch, so the live plan's hazards gate as the
    # snapshot's (unknown rows: assume rows) do.
    query(seeded.url, "INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-00000000000c', 'c@x')")
    query(seeded.url, "INSERT INTO public.users (id, email) VALUES ('00000000-0000-0000-0000-00000000000c', 'c@x')")
    query(
        seeded.url,
        "INSERT INTO public.subscriptions (user_id, status, plan) "
        "VALUES ('00000000-0000-0000-0000-00000000000c', 'active', 'pro')",
    )
    snap = tmp_path / "snapshots" / "dev.json"
    res = run_cli("snapshot", "--db", seeded.url, "--out", str(snap))
    assert res.exit_code == 0, res.output
    edit(seeded, INIT, "    email TEXT NOT NULL,\n", "    email TEXT NOT NULL,\n    display_name TEXT,\n")
    edit(seeded, INIT, "CREATE INDEX IF NOT EXISTS idx_usage_counters_metric ON public.usage_counters(metric);\n", "")
    edit(seeded, INIT, "'past_due'))", "'past_due', 'paused'))")
    live = seeded.plan("--format", "sql")
    assert live.exit_code == 0, live.output
    offline = run_cli(
        "plan", "--schema-dir", str(seeded.schema_dir), "--shadow-url", seeded.shadow,
        "--from-snapshot", str(snap), "--format", "sql",
    )
    assert offline.exit_code == 0, offline.output
    assert "display_name" in offline.stdout and "idx_usage_counters_metric" in offline.stdout
    assert offline.stdout == live.stdout


def test_plan_from_snapshot_needs_no_database(seeded: Target, tmp_path: Path) -> None:
    snap = tmp_path / "s.json"
    run_cli("snapshot", "--db", seeded.url, "--out", str(snap))
    res = run_cli(
        "plan", "--schema-dir", str(seeded.schema_dir), "--shadow-url", seeded.shadow,
        "--from-snapshot", str(snap), "--detailed-exitcode",
    )
    assert res.exit_code == 0, res.output
    assert "No changes" in res.stdout


# -- saved plans -----------------------------------------------------------------


def save_plan(target: Target, path: Path) -> None:
    res = target.plan("--format", "json", "--out", str(path))
    assert res.exit_code == 0, res.output


def test_saved_plan_applies_and_a_second_plan_is_empty(target: Target, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    save_plan(target, plan)
    res = run_cli("apply", str(plan), "--db", target.url, "--yes")
    assert res.exit_code == 0, res.output
    assert "Saved plan:" in res.stdout and "Applied" in res.stdout
    again = target.plan("--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout
    # Applying it again: the target already is the desired state.
    res = run_cli("apply", str(plan), "--db", target.url, "--yes")
    assert res.exit_code == 0, res.output
    assert "already current" in res.stdout


def test_stale_saved_plan_is_refused_and_changes_nothing(seeded: Target, tmp_path: Path) -> None:
    edit(seeded, INIT, "    email TEXT NOT NULL,\n", "    email TEXT NOT NULL,\n    display_name TEXT,\n")
    plan = tmp_path / "plan.json"
    save_plan(seeded, plan)
    query(seeded.url, "CREATE INDEX users_email_lower ON public.users (lower(email))")  # someone else
    before = model_of(seeded.url)
    res = run_cli("apply", str(plan), "--db", seeded.url, "--yes")
    assert res.exit_code == 3, res.output
    assert "the plan is stale, re-plan" in res.stderr
    assert model_of(seeded.url) == before


def test_saved_plan_hazards_gate(seeded: Target, tmp_path: Path) -> None:
    edit(seeded, INIT, "CREATE INDEX IF NOT EXISTS idx_usage_counters_metric ON public.usage_counters(metric);\n", "")
    query(seeded.url, "ALTER TABLE public.users ADD COLUMN legacy text")  # the files lack it: a drop
    plan = tmp_path / "plan.json"
    save_plan(seeded, plan)
    assert "DELETES_DATA" in plan.read_text()
    before = model_of(seeded.url)
    res = run_cli("apply", str(plan), "--db", seeded.url, "--yes")
    assert res.exit_code == 3, res.output
    assert "--allow-destructive" in res.stderr
    assert model_of(seeded.url) == before
    res = run_cli("apply", str(plan), "--db", seeded.url, "--yes", "--allow-destructive")
    assert res.exit_code == 0, res.output
    assert "No changes" in seeded.plan().stdout


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "is not JSON"),
        ('{"steps": []}', "not a saved schemakit plan"),
        ('{"format_version": 99, "steps": []}', "format_version 99"),
        ('{"format_version": 1, "steps": [{"action": "create"}]}', "step 1"),
    ],
)
def test_bad_plan_file_is_a_clean_error(baseline_db: str, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    res = run_cli("apply", str(path), "--db", baseline_db, "--yes")
    assert res.exit_code == 1
    assert message in res.stderr
    assert "Traceback" not in res.output


# -- diff ------------------------------------------------------------------------


def _psql(url: str, script: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_path("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(script)],
        capture_output=True,
        text=True,
    )


def test_diff_turns_a_into_b(seeded: Target, pg_admin_url: str, tmp_path: Path) -> None:
    with shadow.temporary_database(pg_admin_url, baseline=True, prefix="schemakit_test") as other:
        b = Target(as_role(other, OWNER), pg_admin_url, seeded.schema_dir)
        b.converge()
        for statement in (
            "ALTER TABLE public.users ADD COLUMN nickname text",
            "CREATE INDEX users_nickname ON public.users (nickname)",
            "DROP INDEX public.idx_usage_counters_metric",
            "ALTER TABLE public.subscriptions ALTER COLUMN lemon_squeezy_id TYPE varchar(200)",
            "CREATE TABLE public.notes (id bigint PRIMARY KEY, user_id uuid REFERENCES public.users(id), body text)",
            "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY notes_own ON public.notes FOR SELECT USING (auth.uid() = user_id)",
        ):
            query(b.url, statement)
        query(seeded.url, "ALTER TABLE public.users ADD COLUMN legacy integer")
        md = run_cli("diff", seeded.url, b.url, "--format", "markdown")
        assert md.exit_code == 0 and "<details>" in md.stdout and "DELETES_DATA" in md.stdout
        res = run_cli("diff", seeded.url, b.url)
        assert res.exit_code == 0, res.output
        script = tmp_path / "diff.sql"
        script.write_text(res.stdout)
        done = _psql(seeded.url, script)
        assert done.returncode == 0, done.stderr
        assert model_of(seeded.url).to_json() == model_of(b.url).to_json()
        again = run_cli("diff", seeded.url, b.url, "--format", "text")
        assert again.exit_code == 0 and "No changes" in again.stdout, again.output


def test_saved_plan_applied_twice_is_already_current(seeded: Target, tmp_path: Path) -> None:
    """A column added in the middle of a table in the files goes last in the target: same state."""
    edit(seeded, INIT, "    email TEXT NOT NULL,\n", "    email TEXT NOT NULL,\n    display_name TEXT,\n")
    plan = tmp_path / "plan.json"
    save_plan(seeded, plan)
    assert run_cli("apply", str(plan), "--db", seeded.url, "--yes").exit_code == 0
    res = run_cli("apply", str(plan), "--db", seeded.url, "--yes")
    assert res.exit_code == 0, res.output
    assert "already current" in res.stdout


def test_snapshot_round_trips_every_kind(baseline_db: str, tmp_path: Path) -> None:
    """Kinds whose key kind differs from the class's (procedure, materialized view) come back too."""
    for statement in (
        "CREATE TYPE public.mood AS ENUM ('sad', 'ok')",
        "CREATE TABLE public.t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, m public.mood, tags text[])",
        "CREATE SEQUENCE public.counter",
        "CREATE VIEW public.v AS SELECT id, m FROM public.t",
        "CREATE MATERIALIZED VIEW public.mv AS SELECT count(*) AS n FROM public.t",
        "CREATE PROCEDURE public.p(a integer) LANGUAGE sql AS $$ SELECT a $$",
        "CREATE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a $$",
    ):
        query(baseline_db, statement)
    model = model_of(baseline_db)
    assert any(kind == "procedure" for kind, _ in model.objects), sorted(model.objects)
    path = tmp_path / "s.json"
    res = run_cli("snapshot", "--db", baseline_db, "--out", str(path))
    assert res.exit_code == 0, res.output
    back = load_snapshot(path)
    assert back.objects == model.objects
    assert back.fingerprint() == model.fingerprint()


# -- apply --snapshot --------------------------------------------------------------


def test_apply_refreshes_the_snapshot_it_was_given(target: Target, tmp_path: Path) -> None:
    snap = tmp_path / "snapshots" / "dev.json"
    res = target.apply("--snapshot", str(snap))
    assert res.exit_code == 0, res.output
    assert f"Refreshed the snapshot {snap}." in res.stdout
    assert snap.read_text() == run_cli("snapshot", "--db", target.url).stdout
    res = target.apply("--snapshot", str(snap))
    assert res.exit_code == 0, res.output
    assert f"The snapshot {snap} is up to date." in res.stdout
    edit(target, INIT, "    email TEXT NOT NULL,\n", "    email TEXT NOT NULL,\n    display_name TEXT,\n")
    before = snap.read_text()
    res = target.apply("--snapshot", str(snap))
    assert res.exit_code == 0 and "Refreshed the snapshot" in res.stdout, res.output
    lines = changed_lines(before, snap.read_text())
    assert any("display_name" in line for line in lines) and len(lines) < 15, lines


def test_a_refused_apply_leaves_the_snapshot_alone(seeded: Target, tmp_path: Path) -> None:
    snap = tmp_path / "dev.json"
    snap.write_text("old\n")
    query(seeded.url, "ALTER TABLE public.users ADD COLUMN legacy text")  # the files lack it: a drop
    res = seeded.apply("--snapshot", str(snap))
    assert res.exit_code == 3, res.output
    assert snap.read_text() == "old\n" and "snapshot" not in res.stdout.lower()


def test_apply_migrations_refreshes_the_snapshot(baseline_db: str, pg_admin_url: str, tmp_path: Path) -> None:
    schema = seed_project(tmp_path)
    mdir = tmp_path / "migrations"
    flags = ["--schema-dir", str(schema), "--migrations-dir", str(mdir)]
    assert run_cli("plan", "--write", *flags, "--shadow-url", pg_admin_url).exit_code == 0
    snap = tmp_path / "snapshots" / "seed.json"
    url = as_role(baseline_db, OWNER)
    res = run_cli("apply", "--migrations", *flags, "--db", url, "--yes", "--snapshot", str(snap))
    assert res.exit_code == 0, res.output
    assert f"Refreshed the snapshot {snap}." in res.stdout
    # Applying the seed's migration gives the repository's seed snapshot (but the server version).
    assert _same_but_server(snap.read_text(), SEED_SNAPSHOT.read_text())


def _same_but_server(a: str, b: str) -> bool:
    pattern = re.compile(r'"server_version": \d+')
    return pattern.sub("", a) == pattern.sub("", b)


# -- check: snapshots ----------------------------------------------------------------


class Repo:
    """A project folder (cwd) with the seed's schema/, one migration, and snapshots/."""

    def __init__(self, root: Path, shadow: str) -> None:
        self.root = root
        self.shadow = shadow
        self.schema = seed_project(root)
        self.snapshots = root / "snapshots"
        self.snapshots.mkdir()

    def write(self, *extra: str) -> None:
        res = run_cli("plan", "--write", "--shadow-url", self.shadow, *extra)
        assert res.exit_code == 0, res.output

    def check(self, *extra: str) -> Result:
        return run_cli("check", "--shadow-url", self.shadow, *extra)


@pytest.fixture
def repo(tmp_path: Path, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    r = Repo(root, pg_admin_url)
    r.write()
    shutil.copy(SEED_SNAPSHOT, r.snapshots / "seed.json")
    return r


def test_check_accepts_the_seed_snapshot(repo: Repo) -> None:
    res = repo.check()
    assert res.exit_code == 0, res.output
    assert "1 snapshot checked" in res.stdout
    assert "stale" not in res.output and "note:" not in res.stderr


def test_check_fails_on_a_drifted_snapshot(repo: Repo, seeded: Target) -> None:
    query(seeded.url, "CREATE INDEX users_email_lower ON public.users (lower(email))")
    assert run_cli("snapshot", "--db", seeded.url, "--out", "snapshots/prod.json").exit_code == 0
    res = repo.check()
    assert res.exit_code == 1, res.output
    assert "the snapshot snapshots/prod.json is stale" in res.stderr
    assert "drop index public.users_email_lower" in res.stderr
    assert "schemakit snapshot --db URL --out snapshots/prod.json" in res.stderr
    assert "seed.json" not in res.stderr


def test_check_fails_on_a_snapshot_that_does_not_load(repo: Repo) -> None:
    data = json.loads(SEED_SNAPSHOT.read_text())
    data["objects"]["table"]["public.users"]["comment"] = "edited by hand"
    (repo.snapshots / "edited.json").write_text(json.dumps(data))
    (repo.snapshots / "old.json").write_text(json.dumps({**data, "snapshot": {**data["snapshot"], "format_version": 0}}))
    res = repo.check()
    assert res.exit_code == 1, res.output
    assert "snapshots/edited.json is stale" in res.stderr and "fingerprint" in res.stderr
    assert "snapshots/old.json is stale" in res.stderr and "format_version 0" in res.stderr


def test_a_snapshot_behind_the_migrations_passes_with_a_note(repo: Repo) -> None:
    (repo.schema / "0004_extra.sql").write_text("CREATE TABLE public.extra (id bigint PRIMARY KEY);\n")
    repo.write("--name", "extra")
    res = repo.check()
    assert res.exit_code == 0, res.output
    assert "note: snapshots/seed.json holds the state of migration" in res.stderr
    assert "1 migration file behind schema/" in res.stderr
    assert "plan --from-snapshot snapshots/seed.json" in res.stderr
    strict = repo.check("--strict-snapshots")
    assert strict.exit_code == 1, strict.output
    assert "check failed: snapshots/seed.json holds the state of migration" in strict.stderr
