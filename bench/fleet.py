"""Fleet benchmark (issue 19): `schemakit apply --targets` on N databases against N
sequential `schemakit apply --db` runs (a shell loop), in the same run, on one
throw-away embedded server (fsync off).

    .venv/bin/python bench/fleet.py                      # 50 targets, 10 tables, --parallel 8

The targets are Supabase-style databases (the baseline template), half of them empty,
half holding bench/generate.py's base schema of T tables; the schema files are its
variant with ~10% of the tables changed. Two identical sets are made, one per contender.
Both runs pass --shadow-url (the same server) and --allow-hazards all. It prints the wall
times, their ratio (target <= 0.35), the peak memory (resident set, by wait4) of the
fleet process and of the largest single apply, and the time of a second fleet run (all
unchanged). It checks that every database reached the same state.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402

from bench.generate import generate  # noqa: E402
from schemakit.catalog import read_model  # noqa: E402
from schemakit.server import embedded, shadow  # noqa: E402

SCHEMAKIT = [sys.executable, "-m", "schemakit"]


def timed(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one process (wait4: that process alone)."""
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(args)}\n{proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return seconds, usage.ru_maxrss / 1024, code


def url_of(admin: str, dbname: str) -> str:
    p = conninfo_to_dict(admin)
    return f"postgresql://{p['user']}@{p['host']}:{p['port']}/{dbname}"


def make_targets(admin: str, base_dir: Path, count: int, tag: str) -> list[str]:
    """``count`` databases cloned from the baseline template: even ones empty, odd ones
    holding the base schema (cloned from a template loaded once)."""
    loaded = f"fleet_bench_{tag}_base"
    template = shadow.ensure_template(admin)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(loaded), sql.Identifier(template)))
    with psycopg.connect(url_of(admin, loaded), autocommit=True) as conn:
        for path in sorted(base_dir.glob("*.sql")):
            conn.execute(path.read_text().encode())
    names = []
    with psycopg.connect(admin, autocommit=True) as conn:
        for i in range(count):
            name = f"fleet_bench_{tag}_{i:03d}"
            source = loaded if i % 2 else template
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(name), sql.Identifier(source))
            )
            names.append(name)
        names.append(loaded)
    return names


def drop_all(admin: str, names: list[str]) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def fingerprints(admin: str, names: list[str]) -> set[str]:
    out = set()
    for name in names:
        with psycopg.connect(url_of(admin, name), autocommit=True) as conn:
            out.add(read_model(conn).fingerprint())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--tables", type=int, default=10)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / "schemakit-bench" / "fleet-pg"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    was_running = embedded.status(data_dir) is not None
    server = embedded.start(data_dir, durable=False)
    admin = server.url()
    made: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            generate(args.tables, work / "base")
            generate(args.tables, work / "schema", changed=True)
            common = ["--schema-dir", str(work / "schema"), "--shadow-url", admin, "--yes", "--allow-hazards", "all"]
            fleet_dbs = make_targets(admin, work / "base", args.targets, "f")
            loop_dbs = make_targets(admin, work / "base", args.targets, "s")
            made = fleet_dbs + loop_dbs
            targets = work / "targets.txt"
            targets.write_text("".join(f"{url_of(admin, n)}\n" for n in fleet_dbs[:-1]))
            report = work / "report.json"
            fleet_args = [*SCHEMAKIT, "apply", *common, "--targets", str(targets), "--parallel", str(args.parallel), "--report", str(report)]

            fleet_s, fleet_rss, _ = timed(fleet_args)
            counts = json.loads(report.read_text())["counts"]
            loop_s, loop_rss = 0.0, 0.0
            for name in loop_dbs[:-1]:
                seconds, rss, _ = timed([*SCHEMAKIT, "apply", *common, "--db", url_of(admin, name)])
                loop_s += seconds
                loop_rss = max(loop_rss, rss)
            again_s, _, _ = timed(fleet_args)
            again = json.loads(report.read_text())["counts"]
            states = fingerprints(admin, fleet_dbs[:-1] + loop_dbs[:-1])
    finally:
        if made:
            drop_all(admin, made)
        if not was_running:
            embedded.stop(data_dir)
    print(f"PostgreSQL {server.version}; {args.targets} targets of {args.tables} tables (half empty, half the base schema)")
    print(f"apply --targets --parallel {args.parallel}: {fleet_s:.2f} s, peak RSS {fleet_rss:.0f} MB, {counts}")
    print(f"{args.targets} sequential apply --db:      {loop_s:.2f} s, peak RSS {loop_rss:.0f} MB (largest single run)")
    print(f"ratio fleet / sequential: {fleet_s / loop_s:.3f} (target <= 0.35)")
    print(f"second apply --targets (resume): {again_s:.2f} s, {again}")
    print(f"distinct final states over both sets: {len(states)}")
    if len(states) != 1:
        raise SystemExit("the two runs did not converge to one state")


if __name__ == "__main__":
    main()
