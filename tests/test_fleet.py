"""plan --targets / apply --targets (issue 19): many databases on the embedded test
server, cloned from one template per state."""

from __future__ import annotations

import json
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from schemakit.fleet.run import FleetOptions, FleetRun, State, TargetResult
from schemakit.fleet.targets import load_targets
from schemakit.workflow import Project, load_sources
from tests.helpers import model_of, query, run_cli

DESIRED = """
CREATE TABLE public.items (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    code text UNIQUE
);
CREATE INDEX items_name_idx ON public.items (name);
CREATE VIEW public.item_names AS SELECT id, name FROM public.items;
"""
STATES = (
    "",  # empty
    "CREATE TABLE public.items (id bigint PRIMARY KEY);",
    "CREATE TABLE public.items (id bigint PRIMARY KEY, name text, code text);",
    DESIRED,  # already there
)
# A row pair that makes state 2's apply fail: UNIQUE (code) cannot be added.
CONFLICT = "INSERT INTO public.items VALUES (1, 'a', 'x'), (2, 'b', 'x')"

MakeFleet = Callable[[Sequence[int]], list[str]]


def url_of(admin: str, dbname: str, password: str = "") -> str:
    """A postgresql:// URL of ``dbname`` on the admin URL's server (a targets file line)."""
    p = psycopg.conninfo.conninfo_to_dict(admin)
    secret = f":{password}" if password else ""
    return f"postgresql://{p.get('user', 'postgres')}{secret}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{dbname}"


@pytest.fixture
def make_fleet(pg_admin_url: str) -> Iterator[MakeFleet]:
    """``make([state, ...])``: one new database per entry, in that state (STATES); their URLs."""
    created: list[str] = []
    templates: dict[int, str] = {}
    prefix = f"fleet_{secrets.token_hex(3)}"

    def template(state: int) -> str:
        if state not in templates:
            name = f"{prefix}_tpl{state}"
            with psycopg.connect(pg_admin_url, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
            created.append(name)
            if STATES[state]:
                query(url_of(pg_admin_url, name), STATES[state])
            templates[state] = name
        return templates[state]

    def make(states: Sequence[int]) -> list[str]:
        urls = []
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            for state in states:
                name = f"{prefix}_{len(created):03d}"
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                        sql.Identifier(name), sql.Identifier(template(state))
                    )
                )
                created.append(name)
                urls.append(url_of(pg_admin_url, name))
        return urls

    yield make
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in reversed(created):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def schema_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "schema"
    folder.mkdir()
    (folder / "items.sql").write_text(DESIRED)
    return folder


def targets_file(tmp_path: Path, urls: Sequence[str], name: str = "targets.txt") -> Path:
    path = tmp_path / name
    path.write_text("# the fleet\n" + "".join(f"t{i:02d} = {url}\n" for i, url in enumerate(urls)))
    return path


def fleet_cli(command: str, schema_dir: Path, targets: Path, admin: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    """Run ``plan``/``apply --targets``; (exit code, the JSON report, the output)."""
    report = targets.parent / f"report-{secrets.token_hex(3)}.json"
    yes = ("--yes", "--allow-hazards", "all") if command == "apply" else ()
    res = run_cli(command, "--schema-dir", str(schema_dir), "--targets", str(targets), "--shadow-url", admin, "--report", str(report), *yes, *extra)
    return res.exit_code, json.loads(report.read_text()), res.output


def states(report: dict[str, Any]) -> dict[str, str]:
    return {t["name"]: t["state"] for t in report["targets"]}


def desired_fingerprint(admin: str, make: MakeFleet) -> str:
    return model_of(make([3])[0]).fingerprint()


def history_rows(url: str) -> int:
    rows = query(url, "SELECT pg_catalog.to_regclass('schemakit.history') IS NOT NULL")
    return int(query(url, "SELECT count(*) FROM schemakit.history")[0][0]) if rows[0][0] else 0


# -- acceptance: 50 databases in four states ------------------------------------------


def test_fifty_targets_in_four_states_plan_four_groups_converge_and_rerun_unchanged(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str
) -> None:
    urls = make_fleet([i % 4 for i in range(50)])
    targets = targets_file(tmp_path, urls)
    before = {u: model_of(u).fingerprint() for u in urls[:4]}
    assert len(set(before.values())) == 4

    code, report, out = fleet_cli("plan", schema_dir, targets, pg_admin_url)
    assert code == 0, out
    assert "50 targets in 4 states" in out
    assert len(report["groups"]) == 4
    assert sorted(len(g["targets"]) for g in report["groups"]) == [12, 12, 13, 13]
    assert report["shadow_loads"] == 1  # one profile, one major: the files loaded once
    empty_groups = [g for g in report["groups"] if not g["plan"]["steps"]]
    assert len(empty_groups) == 1 and len(empty_groups[0]["targets"]) == 12
    assert {model_of(u).fingerprint() for u in urls[:4]} == set(before.values())  # plan writes nothing

    code, report, out = fleet_cli("apply", schema_dir, targets, pg_admin_url, "--parallel", "8")
    assert code == 0, out
    assert report["counts"] == {"applied": 38, "unchanged": 12}
    desired = desired_fingerprint(pg_admin_url, make_fleet)
    assert {model_of(u).fingerprint() for u in urls} == {desired}
    assert [history_rows(u) for u in urls[:4]] == [1, 1, 1, 0]  # each apply wrote its history row

    code, report, out = fleet_cli("apply", schema_dir, targets, pg_admin_url, "--parallel", "8")
    assert code == 0, out
    assert report["counts"] == {"unchanged": 50}  # every re-plan is empty


# -- fault injection --------------------------------------------------------------------


def test_a_failing_target_is_rolled_back_and_the_others_applied_under_continue(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str
) -> None:
    urls = make_fleet([i % 4 for i in range(50)])
    bad = urls[6]  # state 2
    query(bad, CONFLICT)
    bad_before = model_of(bad).fingerprint()
    targets = targets_file(tmp_path, urls)

    code, report, out = fleet_cli("apply", schema_dir, targets, pg_admin_url, "--parallel", "8", "--on-error", "continue")
    assert code == 1, out
    assert report["counts"] == {"applied": 37, "unchanged": 12, "failed": 1}
    failed = [t for t in report["targets"] if t["state"] == "failed"]
    assert [t["name"] for t in failed] == ["t06"]
    assert failed[0]["rolled_back"] is True
    assert "unique" in failed[0]["error"].lower() or "duplicate" in failed[0]["error"].lower(), failed[0]
    assert "t06: failed (rolled back: nothing changed)" in out
    assert model_of(bad).fingerprint() == bad_before and history_rows(bad) == 0
    desired = desired_fingerprint(pg_admin_url, make_fleet)
    assert all(model_of(u).fingerprint() == desired for u in urls if u != bad)

    # Resume: the converged ones are skipped (unchanged), the failed one retried.
    query(bad, "UPDATE public.items SET code = 'y' WHERE id = 2")
    code, report, out = fleet_cli("apply", schema_dir, targets, pg_admin_url, "--parallel", "8")
    assert code == 0, out
    assert report["counts"] == {"unchanged": 49, "applied": 1} and report["applied"] == ["t06"]
    assert model_of(bad).fingerprint() == desired


def test_on_error_stop_starts_no_new_target_after_a_failure(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str
) -> None:
    urls = make_fleet([2] * 8)
    query(urls[2], CONFLICT)
    before = [model_of(u).fingerprint() for u in urls]
    targets = targets_file(tmp_path, urls)

    code, report, out = fleet_cli("apply", schema_dir, targets, pg_admin_url, "--parallel", "1", "--on-error", "stop")
    assert code == 1, out
    assert list(states(report).values()) == ["applied", "applied", "failed"] + ["skipped"] * 5
    assert all("not started" in t["error"] for t in report["targets"][3:])
    assert [model_of(u).fingerprint() for u in urls[2:]] == before[2:]
    assert [history_rows(u) for u in urls] == [1, 1, 0, 0, 0, 0, 0, 0]


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/gone?connect_timeout=2"


def test_an_unreachable_target_is_reported_and_the_rest_go_on(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str
) -> None:
    urls = make_fleet([0, 1, 2, 0])
    targets = targets_file(tmp_path, [urls[0], closed_port_url(), *urls[1:]])

    code, report, out = fleet_cli("apply", schema_dir, targets, pg_admin_url, "--parallel", "2")
    assert code == 1, out
    assert states(report) == {"t00": "applied", "t01": "unreachable", "t02": "applied", "t03": "applied", "t04": "applied"}
    assert "cannot connect" in report["targets"][1]["error"]
    desired = desired_fingerprint(pg_admin_url, make_fleet)
    assert {model_of(u).fingerprint() for u in urls} == {desired}

    code, report, out = fleet_cli("plan", schema_dir, targets, pg_admin_url, "--format", "markdown")
    assert code == 1, out
    assert "# Fleet plan: 5 targets in 1 state\n" in out and "## Not planned" in out and "- `t01`: unreachable" in out, out


def test_a_failing_canary_group_means_no_other_target_is_touched(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str
) -> None:
    urls = make_fleet([2, 2, 0, 1, 2, 0])
    query(urls[4], CONFLICT)
    before = [model_of(u).fingerprint() for u in urls]
    toml = tmp_path / "fleet.toml"
    toml.write_text(
        'canary = "canary"\ngroups = ["eu"]\n'
        + "".join(
            f'[[targets]]\nname = "db{i}"\nurl = "{url}"\ngroup = "{"canary" if i in (1, 4) else "eu"}"\n'
            for i, url in enumerate(urls)
        )
    )
    fleet = load_targets(toml)
    assert [t.name for t in fleet.targets] == ["db1", "db4", "db0", "db2", "db3", "db5"]

    code, report, out = fleet_cli("apply", schema_dir, toml, pg_admin_url, "--parallel", "4")
    assert code == 1, out
    assert report["canary_failed"] is True and "a canary failed" in out
    assert states(report) == {"db1": "applied", "db4": "failed", "db0": "skipped", "db2": "skipped", "db3": "skipped", "db5": "skipped"}
    assert [model_of(u).fingerprint() for u in urls[2:] if u != urls[4]] == [before[i] for i in (2, 3, 5)]
    assert model_of(urls[0]).fingerprint() == before[0] and history_rows(urls[0]) == 0
    assert model_of(urls[4]).fingerprint() == before[4]


def test_canary_count_goes_first_on_a_plain_targets_file(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str
) -> None:
    urls = make_fleet([2, 2, 0, 1])
    query(urls[1], CONFLICT)
    before = [model_of(u).fingerprint() for u in urls]
    targets = targets_file(tmp_path, urls)

    code, report, out = fleet_cli("apply", schema_dir, targets, pg_admin_url, "--canary", "2", "--parallel", "4")
    assert code == 1, out
    assert states(report) == {"t00": "applied", "t01": "failed", "t02": "skipped", "t03": "skipped"}
    assert [model_of(u).fingerprint() for u in urls[1:]] == before[1:]


# -- the targets file ---------------------------------------------------------------------


def test_targets_file_names_queries_environment_and_no_password_in_output(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = make_fleet([0, 1, 1])
    names = [u.rsplit("/", 1)[1] for u in urls]
    # The test server trusts loopback connections: the password is sent but not checked.
    monkeypatch.setenv("FLEET_SECRET", "hunter2-secret")
    in_list = ", ".join(f"'{n}'" for n in names[1:])
    base = urls[0].rsplit("/", 1)[0]
    targets = tmp_path / "targets.txt"
    targets.write_text(
        f"first = {url_of(pg_admin_url, names[0], '${FLEET_SECRET}')}\n\n"
        f"query: {url_of(pg_admin_url, 'postgres')} SELECT '{base}/' || datname, 'q_' || datname "
        f"FROM pg_database WHERE datname IN ({in_list}) ORDER BY datname\n"
    )
    fleet = load_targets(targets)
    assert [t.name for t in fleet.targets] == ["first", f"q_{names[1]}", f"q_{names[2]}"]
    assert fleet.targets[0].url.count("hunter2-secret") == 1 and "hunter2" not in fleet.targets[0].label

    code, report, out = fleet_cli("apply", schema_dir, targets, pg_admin_url)
    assert code == 0, out
    assert report["counts"] == {"applied": 3}
    assert "hunter2" not in out and "hunter2" not in json.dumps(report)
    assert report["targets"][0]["url"].startswith("postgresql://postgres:***@")


def test_targets_file_errors_are_reported_before_any_target(tmp_path: Path, schema_dir: Path) -> None:
    bad = tmp_path / "targets.txt"
    bad.write_text("first = postgresql://u@h/db?x=${FLEET_UNSET_VARIABLE}\n")
    res = run_cli("plan", "--schema-dir", str(schema_dir), "--targets", str(bad))
    assert res.exit_code == 1 and "FLEET_UNSET_VARIABLE is not set" in res.output, res.output
    res = run_cli("apply", "--schema-dir", str(schema_dir), "--targets", str(bad), "--db", "postgresql://x@y/z", "--yes")
    assert res.exit_code == 64 and "--db" in res.output, res.output
    res = run_cli("plan", "--schema-dir", str(schema_dir), "--targets", str(bad), "--rename-enum-value", "a:b=c")
    assert res.exit_code == 64 and "--rename-enum-value" in res.output, res.output
    good = tmp_path / "good.txt"
    good.write_text(closed_port_url() + "\n")
    res = run_cli("apply", "--schema-dir", str(schema_dir), "--targets", str(good))
    assert res.exit_code == 1 and "pass --yes" in res.output, res.output


# -- Ctrl-C -------------------------------------------------------------------------------


def test_interrupt_rolls_back_the_targets_in_flight_and_reports_the_applied(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str
) -> None:
    urls = make_fleet([1, 1, 1, 1])
    before = [model_of(u).fingerprint() for u in urls]
    fleet = load_targets(targets_file(tmp_path, urls))
    project = Project.find(schema_dir, root=tmp_path)
    options = FleetOptions(
        project, tuple(load_sources(project)), pg_admin_url, parallel=1, apply=True,
        allow_hazards=frozenset({"all"}), lock_timeout="60s",
    )
    seen: list[TargetResult] = []
    with psycopg.connect(urls[1]) as blocker:  # holds a lock the second target's apply waits for
        blocker.execute("LOCK TABLE public.items IN ACCESS EXCLUSIVE MODE")
        run = FleetRun(fleet, options, seen.append)

        def interrupt_when_waiting() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if any(r.target.name == "t01" and r.state is State.APPLYING for r in seen):
                    time.sleep(0.5)  # inside its transaction, waiting for the lock
                    run.interrupt()
                    return
                time.sleep(0.05)

        helper = threading.Thread(target=interrupt_when_waiting)
        helper.start()
        outcome = run.run()
        helper.join()
        blocker.rollback()
    assert outcome.interrupted
    assert [r.state for r in outcome.results] == [State.APPLIED, State.FAILED, State.SKIPPED, State.SKIPPED]
    assert "interrupted" in outcome.results[1].error and outcome.results[1].rolled_back
    assert [model_of(u).fingerprint() for u in urls[1:]] == before[1:]
    assert history_rows(urls[1]) == 0 and history_rows(urls[0]) == 1


def test_ctrl_c_in_the_command_rolls_back_in_flight_targets_and_says_which_were_applied(
    make_fleet: MakeFleet, schema_dir: Path, tmp_path: Path, pg_admin_url: str
) -> None:
    urls = make_fleet([1, 1, 1])
    before = [model_of(u).fingerprint() for u in urls]
    targets = targets_file(tmp_path, urls)
    report = tmp_path / "report.json"
    args = [
        sys.executable, "-m", "schemakit", "apply", "--schema-dir", str(schema_dir), "--targets", str(targets),
        "--shadow-url", pg_admin_url, "--yes", "--allow-hazards", "all", "--parallel", "1",
        "--lock-timeout", "60s", "--report", str(report),
    ]
    with psycopg.connect(urls[1]) as blocker:
        blocker.execute("LOCK TABLE public.items IN ACCESS EXCLUSIVE MODE")
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        deadline = time.monotonic() + 120
        waiting = False
        while not waiting and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            waiting = bool(query(pg_admin_url, WAITING_APPLY, (urls[1].rsplit("/", 1)[1],)))
        assert waiting, proc.communicate(timeout=30)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        blocker.rollback()
    assert proc.returncode == 130, out + err
    assert "interrupted: the targets in flight were rolled back; applied before: t00" in err, out + err
    data = json.loads(report.read_text())
    assert data["interrupted"] is True and data["applied"] == ["t00"]
    assert states(data) == {"t00": "applied", "t01": "failed", "t02": "skipped"}, out + err
    assert [model_of(u).fingerprint() for u in urls[1:]] == before[1:]
    assert history_rows(urls[1]) == 0


# The fleet's apply of a database, waiting for a lock inside its transaction.
WAITING_APPLY = """
SELECT pid FROM pg_catalog.pg_stat_activity
WHERE datname = %s AND application_name = 'schemakit fleet' AND wait_event_type = 'Lock'
  AND state = 'active' AND query NOT LIKE '%%pg_advisory%%'
"""
