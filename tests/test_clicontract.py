"""The command line's contract, run as a user runs it (a subprocess): exit codes,
Ctrl-C, connection errors, the schema folder, help pages."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.helpers import Target, query

SCHEMAKIT = [sys.executable, "-m", "schemakit"]
REPO = Path(__file__).resolve().parent.parent
NO_DB = "postgresql://nobody@127.0.0.1:1/x"


def sk(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([*SCHEMAKIT, *args], cwd=cwd or REPO, env=env, capture_output=True, text=True, timeout=timeout)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_version_is_fast() -> None:
    """``schemakit --version`` in a new process, the installed executable as a user runs
    it and ``python -m schemakit``: under 0.3 s (the best of three, on a shared machine)."""
    executable = Path(sys.executable).with_name("schemakit")
    assert executable.exists(), executable
    for command in ([str(executable)], SCHEMAKIT):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        subprocess.run([*command, "--version"], env=env, capture_output=True, check=True)  # warm the file cache
        took = []
        for _ in range(3):
            started = time.monotonic()
            res = subprocess.run([*command, "--version"], env=env, capture_output=True, text=True, timeout=30)
            took.append(time.monotonic() - started)
            assert res.returncode == 0 and res.stdout.startswith("schemakit ") and not res.stderr, res
        print(f"{' '.join(command)} --version took {min(took):.3f}s (best of {took})")
        assert min(took) < 0.3, (command, took)


def test_usage_error_has_its_own_exit_code() -> None:
    res = sk("plan", "--fromat", "sql")
    assert res.returncode == 64, res.stderr
    assert "--fromat" in res.stderr
    assert "64 usage error" in sk("--help").stdout


def test_unknown_hazard_names_are_listed() -> None:
    res = sk("apply", "--allow-hazards", "DELETES_DATTA,foo,INDEX_BUILD", "--db", NO_DB, "--yes")
    assert res.returncode == 64, res.stderr
    assert "DELETES_DATTA, FOO" in res.stderr
    for valid in ("DELETES_DATA", "TABLE_REWRITE", "INDEX_BUILD"):
        assert valid in res.stderr.split("valid names:")[1]
    assert "cannot connect" not in res.stderr


def _commands() -> list[list[str]]:
    """Every command's path (``[]`` the top level, ``["db", "stop"]``...)."""
    import typer.main

    from schemakit.cli import app

    def walk(command: object, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


def test_help_pages_are_clean() -> None:
    """Every help page, as the executable prints it at 80 columns: no type after a flag,
    no doubled brackets or python types in usage lines, nothing eaten as markup, the
    description's paragraphs wrapped to the width (no ragged lines)."""
    commands = _commands()
    assert ["plan"] in commands and ["db", "stop"] in commands and len(commands) > 15, commands
    for path in commands:
        env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80"}
        res = subprocess.run([*SCHEMAKIT, *path, "--help"], env=env, capture_output=True, text=True, timeout=60)
        page, name = res.stdout, " ".join(path) or "schemakit"
        assert res.returncode == 0 and res.stderr == "", (name, res.stderr)
        usage = next(line for line in page.splitlines() if "Usage:" in line)
        for bad in ("<bool>", "[[", "list[", "<str>...", "<path>..."):
            assert bad not in page, (name, bad, page)
        assert usage.split()[:2] == ["Usage:", "schemakit"], usage
        # the description: between the usage line and the first box
        description = page.split(usage, 1)[1].split("╭", 1)[0].splitlines()
        for line, following in zip(description, description[1:]):
            if line.strip() and following.strip():
                room = 78 - len(line.rstrip())
                assert len(following.split()[0]) >= room, (name, "ragged", line, following)
    assert "[tool.schemakit]" in sk("init", "--help").stdout
    top = sk("--help").stdout
    assert all(f"{code} " in top.split("Exit codes:", 1)[1] for code in (0, 1, 2, 3, 64, 130)), top
    assert "--connect-timeout" in sk("plan", "--help").stdout


def test_not_a_url_says_what_a_url_looks_like(tmp_path: Path) -> None:
    schema = write(tmp_path / "schema", "a.sql", "CREATE TABLE t (id int);\n")
    res = sk("plan", "--schema-dir", str(schema), "--db", "not a url")
    assert res.returncode == 1, res.stderr
    assert "not a database URL" in res.stderr
    assert "postgresql://user:password@host:5432/dbname" in res.stderr
    assert 'missing "="' not in res.stderr


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_connect_timeout_gives_up(tmp_path: Path, silent_server: int) -> None:
    schema = write(tmp_path / "schema", "a.sql", "CREATE TABLE t (id int);\n")
    started = time.monotonic()
    res = sk("plan", "--schema-dir", str(schema), "--db", f"postgresql://u@127.0.0.1:{silent_server}/x", "--connect-timeout", "1", timeout=60)
    took = time.monotonic() - started
    assert res.returncode == 1, res.stderr
    assert "no answer within 1s" in res.stderr
    assert "--connect-timeout" in res.stderr
    # Far below the minutes a silent server held it before; generous for a loaded machine
    # (a process start and the imports are part of it).
    assert took < 40, took
    # A shadow server that does not answer: the same bound.
    started = time.monotonic()
    res = sk("check", "--shadow-url", f"postgresql://u@127.0.0.1:{silent_server}/x", "--connect-timeout", "1", cwd=tmp_path, timeout=60)
    assert res.returncode == 1, res.stderr
    assert "timeout" in res.stderr
    assert time.monotonic() - started < 40


def test_connect_timeout_is_10_seconds_by_default_with_a_progress_line(tmp_path: Path, silent_server: int) -> None:
    """Without --connect-timeout, a server that accepts and never answers: a line says
    whom it connects to and when it gives up, then the error after about 10 s."""
    schema = write(tmp_path / "schema", "a.sql", "CREATE TABLE t (id int);\n")
    url = f"postgresql://u@127.0.0.1:{silent_server}/x"
    started = time.monotonic()
    res = sk("plan", "--schema-dir", str(schema), "--db", url, timeout=120)
    took = time.monotonic() - started
    assert res.returncode == 1, res.stderr
    lines = res.stderr.splitlines()
    assert lines[0] == f"connecting to {url} (giving up after 10s, --connect-timeout) ...", res.stderr
    assert lines[1] == f"error: cannot connect to {url}: no answer within 10s", res.stderr
    assert "--connect-timeout SECONDS waits longer" in lines[2], res.stderr
    assert res.stdout == ""
    assert 10 <= took < 40, took


def _interrupt_in_shadow(args: list[str], cwd: Path, pg_admin_url: str, marker: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run schemakit, send SIGINT once a statement holding ``marker`` runs in one of its
    shadow databases; return what it printed and the shadow databases it had made."""
    shadows = "SELECT datname FROM pg_database WHERE datname LIKE 'schemakit_shadow%%'"
    existing = {r[0] for r in query(pg_admin_url, shadows)}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([*SCHEMAKIT, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ours: set[str] = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None and not ours:
        active = query(
            pg_admin_url,
            "SELECT datname FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s "
            "AND datname LIKE 'schemakit_shadow%%' AND pid <> pg_backend_pid()",
            [f"%{marker}%"],
        )
        ours |= {r[0] for r in active} - existing
        time.sleep(0.1)
    assert ours and proc.poll() is None, proc.communicate()
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - started < 20
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), ours


def test_ctrl_c_during_check_drops_the_shadow(tmp_path: Path, pg_admin_url: str) -> None:
    write(tmp_path / "schema", "a.sql", "CREATE TABLE public.t (id int);\n")
    write(tmp_path / "migrations", "20240101000000_init.sql", "CREATE TABLE public.t (id int);\nSELECT pg_sleep(30);\n")
    res, ours = _interrupt_in_shadow(["check", "--shadow-url", pg_admin_url], tmp_path, pg_admin_url, "pg_sleep(30)")
    assert res.returncode == 130, res.stdout + res.stderr
    assert res.stderr.splitlines()[-1] == "interrupted: rolled back, nothing was changed", res.stderr
    assert "Traceback" not in res.stderr and "error" not in res.stderr, res.stderr
    left = ours & {r[0] for r in query(pg_admin_url, "SELECT datname FROM pg_database")}
    assert not left, left


def test_ctrl_c_during_import_writes_nothing_and_drops_the_shadow(tmp_path: Path, pg_admin_url: str) -> None:
    write(tmp_path / "supabase" / "migrations", "20240101000000_init.sql", "CREATE TABLE public.t (id int);\nSELECT pg_sleep(30);\n")
    before = sorted(p for p in tmp_path.rglob("*") if ".schemakit" not in p.parts)
    res, ours = _interrupt_in_shadow(["import", "--shadow-url", pg_admin_url], tmp_path, pg_admin_url, "pg_sleep(30)")
    assert res.returncode == 130, res.stdout + res.stderr
    assert res.stderr.splitlines()[-1] == "interrupted: rolled back, nothing was changed", res.stderr
    assert "Traceback" not in res.stderr and "error" not in res.stderr, res.stderr
    assert sorted(p for p in tmp_path.rglob("*") if ".schemakit" not in p.parts) == before
    left = ours & {r[0] for r in query(pg_admin_url, "SELECT datname FROM pg_database")}
    assert not left, left
    # Not interrupted, the same import writes the schema files.
    write(tmp_path / "supabase" / "migrations", "20240101000000_init.sql", "CREATE TABLE public.t (id int);\n")
    done = sk("import", "--shadow-url", pg_admin_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert any("CREATE TABLE public.t" in p.read_text() for p in (tmp_path / "supabase" / "schemas").rglob("*.sql"))


def test_empty_schema_folder_is_a_warning(blank_target: Target) -> None:
    res = sk("plan", *blank_target.flags())
    assert res.returncode == 0, res.stderr
    assert "warning:" in res.stderr and "holds no schema statements" in res.stderr
    assert "planning " in res.stderr and "(0 files) against" in res.stderr


def test_drop_everything_is_refused(blank_target: Target) -> None:
    write(blank_target.schema_dir, "a.sql", "CREATE TABLE public.t (id int);\nCREATE VIEW public.v AS SELECT id FROM public.t;\n")
    assert sk("apply", *blank_target.flags(), "--yes").returncode == 0
    (blank_target.schema_dir / "a.sql").unlink()
    res = sk("plan", *blank_target.flags(), "--detailed-exitcode")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "warning: the plan drops every object" in res.stderr and "--allow-drop-all" in res.stderr
    res = sk("apply", *blank_target.flags(), "--yes", "--allow-destructive", "--allow-hazards", "all")
    assert res.returncode == 3, res.stdout + res.stderr
    assert "refused" in res.stderr or "error: the plan drops every object" in res.stderr
    assert query(blank_target.url, "SELECT count(*) FROM pg_class WHERE relname IN ('t', 'v')")[0][0] == 2
    res = sk("apply", *blank_target.flags(), "--yes", "--allow-destructive", "--allow-drop-all")
    assert res.returncode == 0, res.stdout + res.stderr
    assert query(blank_target.url, "SELECT count(*) FROM pg_class WHERE relname IN ('t', 'v')")[0][0] == 0
    again = sk("plan", *blank_target.flags(), "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def test_two_candidate_schema_folders_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "schema", "a.sql", "CREATE TABLE t (id int);\n")
    write(tmp_path / "supabase" / "schemas", "a.sql", "CREATE TABLE t (id int);\n")
    res = sk("plan", "--db", NO_DB, cwd=tmp_path)
    assert res.returncode == 1, res.stderr
    assert str(tmp_path / "schema") in res.stderr and str(tmp_path / "supabase" / "schemas") in res.stderr


def test_the_project_root_is_found_from_a_subfolder(tmp_path: Path) -> None:
    write(tmp_path / "schema", "a.sql", "CREATE TABLE t (id int);\nCREATE TABLE oops (;\n")
    sub = tmp_path / "app" / "src"
    sub.mkdir(parents=True)
    res = sk("plan", "--db", NO_DB, cwd=sub)
    assert res.returncode == 1, res.stderr
    assert "a.sql:2:" in res.stderr and "syntax error" in res.stderr


def test_plurals(blank_target: Target) -> None:
    write(blank_target.schema_dir, "a.sql", "CREATE TABLE public.t (id int);\n")
    res = sk("apply", *blank_target.flags(), "--yes")
    assert res.returncode == 0, res.stderr
    assert re.search(r"^Applied 1 change \(1 statement\) in \d+\.\d\ds\.$", res.stdout, re.M), res.stdout
    assert "1 changes" not in res.stdout and "1 statements" not in res.stdout
    assert "planning " in res.stderr and "(1 file) against" in res.stderr
    assert sk("plan", *blank_target.flags(), "--detailed-exitcode").returncode == 0


def test_declined_prompt_exits_1(blank_target: Target) -> None:
    write(blank_target.schema_dir, "a.sql", "CREATE TABLE public.t (id int);\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: schemakit on a terminal
        os.environ["PYTHONPATH"] = str(REPO)
        os.chdir(REPO)
        os.execv(sys.executable, [*SCHEMAKIT, "apply", *blank_target.flags()])
    seen = b""
    answered = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"[y/N]" in seen:
            os.write(fd, b"n\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = seen.decode(errors="replace")
    assert answered, text
    assert os.waitstatus_to_exitcode(status) == 1, text
    assert "not applied" in text
    assert query(blank_target.url, "SELECT count(*) FROM pg_class WHERE relname = 't'")[0][0] == 0


def _dump(url: str) -> str:
    """The database as pg_dump writes it (schema and data), without the per-run
    ``\\restrict`` key lines."""
    from schemakit.server import embedded

    params = psycopg.conninfo.conninfo_to_dict(url)
    out = subprocess.run(
        [str(embedded.bin_path("pg_dump")), "-d", url],  # the schema and the rows
        capture_output=True, text=True, check=True,
    ).stdout
    assert params.get("dbname")
    return "\n".join(line for line in out.splitlines() if not line.startswith("\\restrict") and not line.startswith("\\unrestrict"))


def test_ctrl_c_during_apply_rolls_back(blank_target: Target, pg_admin_url: str) -> None:
    schema = blank_target.schema_dir
    write(schema, "a.sql", "CREATE TABLE public.big (id int);\n")
    assert sk("apply", *blank_target.flags(), "--yes").returncode == 0
    query(blank_target.url, "INSERT INTO public.big SELECT g FROM generate_series(1, 1000) g")
    write(schema, "b.sql", (
        "CREATE FUNCTION public.slow_ok(x int) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS $$ SELECT pg_sleep(0.01) IS NOT NULL $$;\n"
        "ALTER TABLE public.big ADD CONSTRAINT big_slow CHECK (public.slow_ok(id));\n"
    ))
    before = _dump(blank_target.url)
    shadows = "SELECT datname FROM pg_database WHERE datname LIKE 'schemakit_shadow%%'"
    existing = {r[0] for r in query(pg_admin_url, shadows)}
    seen: set[str] = set()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [*SCHEMAKIT, "apply", *blank_target.flags(), "--yes", "--allow-hazards", "all"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    dbname = psycopg.conninfo.conninfo_to_dict(blank_target.url)["dbname"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        running = query(
            pg_admin_url,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' AND query LIKE '%%slow_ok%%' AND pid <> pg_backend_pid()",
            [dbname],
        )[0][0]
        seen |= {r[0] for r in query(pg_admin_url, shadows)} - existing
        if running or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "interrupted: rolled back, nothing was changed" in err
    assert "INERROR" not in err and "Traceback" not in err
    assert _dump(blank_target.url) == before
    assert query(blank_target.url, "SELECT count(*) FROM public.big")[0][0] == 1000
    left = seen & {r[0] for r in query(pg_admin_url, shadows)}
    assert not left, left
    # It can be applied afterwards, and the re-plan is then empty.
    res = sk("apply", *blank_target.flags(), "--yes", "--allow-hazards", "all", "--statement-timeout", "0", timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert sk("plan", *blank_target.flags(), "--detailed-exitcode").returncode == 0


def test_ctrl_c_during_plan_drops_the_shadow(blank_target: Target, pg_admin_url: str) -> None:
    write(blank_target.schema_dir, "a.sql", "CREATE MATERIALIZED VIEW public.slow AS SELECT pg_sleep(30) IS NULL AS s;\n")
    shadows = "SELECT datname FROM pg_database WHERE datname LIKE 'schemakit_shadow%%'"
    existing = {r[0] for r in query(pg_admin_url, shadows)}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([*SCHEMAKIT, "plan", *blank_target.flags()], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ours: set[str] = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        active = query(
            pg_admin_url,
            "SELECT datname FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%%pg_sleep(30)%%' "
            "AND datname LIKE 'schemakit_shadow%%' AND pid <> pg_backend_pid()",
        )
        ours |= {r[0] for r in active} - existing
        if ours:
            break
        time.sleep(0.1)
    assert ours and proc.poll() is None, proc.communicate()
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - started < 20
    assert proc.returncode == 130, out + err
    assert "interrupted: rolled back, nothing was changed" in err
    assert "Traceback" not in err
    assert not ours & {r[0] for r in query(pg_admin_url, shadows)}


def test_comment_lines_in_the_script_end_without_a_semicolon(blank_target: Target) -> None:
    write(blank_target.schema_dir, "a.sql", "CREATE TYPE public.mood AS ENUM ('sad');\n")
    assert sk("apply", *blank_target.flags(), "--yes").returncode == 0
    write(blank_target.schema_dir, "a.sql", "CREATE TYPE public.mood AS ENUM ('sad', 'ok');\nCREATE TABLE public.t (m public.mood);\n")
    res = sk("plan", *blank_target.flags(), "--format", "sql")
    assert res.returncode == 0, res.stderr
    comments = [line for line in res.stdout.splitlines() if line.startswith("--")]
    assert any("main transaction" in line for line in comments), res.stdout
    assert not [line for line in comments if line.rstrip().endswith(";")], comments
    assert sk("apply", *blank_target.flags(), "--yes").returncode == 0
    assert sk("plan", *blank_target.flags(), "--detailed-exitcode").returncode == 0


def test_every_located_error_is_reported_across_files(tmp_path: Path) -> None:
    schema = write(tmp_path / "schema", "a.sql", "CREATE TABLE public.t (id int);\nUPDATE public.t SET id = 1;\n")
    write(schema, "b.sql", "BEGIN;\nCREATE TABLE public.u (id int);\nCOMMIT;\nCOMMIT;\n")
    write(schema, "c.sql", "CREATE TABLE oops (;\n")
    for i in range(25):
        write(schema, f"d{i:02}.sql", f"DELETE FROM public.t WHERE id = {i};\n")
    res = sk("plan", "--schema-dir", str(schema), "--db", NO_DB)
    assert res.returncode == 1, res.stderr
    assert "a.sql:2:1: error: UPDATE" in res.stderr
    assert "b.sql:4:1: error: COMMIT" in res.stderr
    assert "c.sql:1:" in res.stderr and "syntax error" in res.stderr
    assert res.stderr.count(": error:") == 20
    assert "and 8 more errors" in res.stderr and "28 errors in the schema files" in res.stderr
    assert "cannot connect" not in res.stderr


def test_a_policy_on_a_missing_column_is_located_at_the_column(blank_target: Target) -> None:
    write(blank_target.schema_dir, "a.sql", (
        "CREATE TABLE public.t (id int, owner int);\n"
        "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;\n"
        "-- the owner_id of a row\n"
        "CREATE POLICY owner_only ON public.t\n"
        "  FOR SELECT USING (owner_id = 1);\n"
    ))
    res = sk("plan", *blank_target.flags())
    assert res.returncode == 1, res.stderr
    assert 'a.sql:5:21: error: column "owner_id" does not exist' in res.stderr, res.stderr


def test_every_error_of_the_shadow_load_is_reported_not_its_echoes(blank_target: Target) -> None:
    """Errors PostgreSQL finds while loading the files (not the parser): each located at
    its file:line:col, across files; what depends on a failed statement (an index and
    views on a table that failed) is left out instead of repeating it."""
    write(blank_target.schema_dir, "a.sql", (
        "CREATE TABLE public.t (id bigint, m text);\n"
        "CREATE TABLE public.bad (id int, x nosuchtype);\n"
        "CREATE VIEW public.v AS\n"
        "  SELECT id, nope FROM public.t;\n"
    ))
    write(blank_target.schema_dir, "b.sql", (
        "CREATE INDEX bad_id ON public.bad (id);\n"
        "CREATE VIEW public.v2 AS SELECT * FROM public.bad;\n"
        "CREATE INDEX t_m ON public.t (m, missing_col);\n"
        "CREATE POLICY p ON public.t FOR SELECT USING (owner_id = 1);\n"
    ))
    res = sk("plan", *blank_target.flags())
    assert res.returncode == 1, res.stderr
    located = [line for line in res.stderr.splitlines() if ": error: " in line]
    assert [line.split(": error: ")[0].rsplit("/", 1)[-1] for line in located] == [
        "a.sql:2:36", "a.sql:4:14", "b.sql:3:34", "b.sql:4:47",
    ], res.stderr
    assert 'type "nosuchtype" does not exist' in located[0] and 'column "owner_id" does not exist' in located[3]
    assert res.stderr.rstrip().endswith("4 errors in the schema files"), res.stderr
    assert "bad_id" not in res.stderr and "v2" not in res.stderr
    # fixed, it plans and applies; the re-plan is empty
    write(blank_target.schema_dir, "a.sql", "CREATE TABLE public.t (id bigint, m text);\n")
    (blank_target.schema_dir / "b.sql").unlink()
    assert sk("apply", *blank_target.flags(), "--yes").returncode == 0
    assert sk("plan", *blank_target.flags(), "--detailed-exitcode").returncode == 0


def test_db_stop_all_stops_the_servers_this_user_started() -> None:
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="schemakit-stopall-"))
    base.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(base / "state")}
    env.pop("DATABASE_URL", None)
    projects = [base / "one", base / "two"]

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*SCHEMAKIT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    try:
        for p in projects:
            (p / "schema").mkdir(parents=True)
            assert run("db", "start", cwd=p).returncode == 0
            assert run("db", "status", cwd=p).returncode == 0
        res = run("db", "stop", "--all", cwd=base)
        assert res.returncode == 0, res.stderr
        for p in projects:
            assert f"stopped {p / '.schemakit' / 'pg'}" in res.stdout, res.stdout
            assert run("db", "status", cwd=p).stdout.strip() == "not running"
        assert run("db", "stop", "--all", cwd=base).stdout.strip() == "none running"
    finally:
        for p in projects:
            run("db", "stop", cwd=p)
        shutil.rmtree(base, ignore_errors=True)


def test_ctrl_c_after_enum_values_committed_says_what_stays(blank_target: Target, pg_admin_url: str) -> None:
    schema = blank_target.schema_dir
    write(schema, "a.sql", "CREATE TYPE public.mood AS ENUM ('sad');\nCREATE TABLE public.big (id int);\n")
    assert sk("apply", *blank_target.flags(), "--yes").returncode == 0
    query(blank_target.url, "INSERT INTO public.big SELECT g FROM generate_series(1, 1000) g")
    write(schema, "a.sql", "CREATE TYPE public.mood AS ENUM ('sad', 'ok');\nCREATE TABLE public.big (id int);\n")
    write(schema, "b.sql", (
        "CREATE FUNCTION public.slow_ok(x int) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS $$ SELECT pg_sleep(0.01) IS NOT NULL $$;\n"
        "ALTER TABLE public.big ADD CONSTRAINT big_slow CHECK (public.slow_ok(id));\n"
    ))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [*SCHEMAKIT, "apply", *blank_target.flags(), "--yes", "--allow-hazards", "all"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    dbname = psycopg.conninfo.conninfo_to_dict(blank_target.url)["dbname"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if query(
            pg_admin_url,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' AND query LIKE '%%big_slow%%' AND pid <> pg_backend_pid()",
            [dbname],
        )[0][0]:
            break
        time.sleep(0.1)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "the new enum values, committed before it as PostgreSQL requires, stay" in err
    assert "nothing was changed" not in err
    assert query(blank_target.url, "SELECT enum_range(NULL::public.mood)::text")[0][0] == "{sad,ok}"
    assert query(blank_target.url, "SELECT count(*) FROM pg_constraint WHERE conname = 'big_slow'")[0][0] == 0
    res = sk("apply", *blank_target.flags(), "--yes", "--allow-hazards", "all", timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert sk("plan", *blank_target.flags(), "--detailed-exitcode").returncode == 0
