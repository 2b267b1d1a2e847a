"""Side-by-side benchmark: schemakit against PostgreSQL's own tools, in one run, by ratio.

    .venv/bin/python bench/run.py                    # N = 100, 1000; 5 runs each
    .venv/bin/python bench/run.py --sizes 100,1000,5000 --runs 5

For every N it measures (median of --runs after one warm-up, same server for all):

- plan:   `schemakit plan` end to end (parse, shadow load, both catalogs, diff, render)
          against `psql -1 -f` loading the same files into an empty database (the floor
          for any shadow-based tool);
- read:   catalog introspection of the loaded database against `pg_dump --schema-only`;
- apply:  `schemakit apply plan.json` (a saved plan) against `psql -1 -f` of the same SQL;
- rss:    peak memory of `schemakit plan`.

It prints a table of times and ratios and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate  # noqa: E402
from schemakit.server import embedded, shadow  # noqa: E402
from schemakit.server.embedded import bin_path  # noqa: E402

ROOT = Path(__file__).resolve().parent
SCHEMAKIT = [sys.executable, "-m", "schemakit"]


def timed(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def sh(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(args, capture_output=True, text=True, **kw)
    if res.returncode not in (0, 2):
        raise SystemExit(f"failed: {' '.join(args)}\n{res.stderr[-2000:]}")
    return res


def fresh(admin: str) -> str:
    name = shadow.create_database(admin, baseline=True)
    return shadow.database_url(admin, name)


def drop(admin: str, url: str) -> None:
    from psycopg.conninfo import conninfo_to_dict

    shadow.drop_database(admin, str(conninfo_to_dict(url)["dbname"]))


def bench_size(n: int, admin: str, runs: int, work: Path) -> dict[str, float]:
    schema_dir = work / f"schema_{n}"
    generate(n, schema_dir)
    files = str(schema_dir / "schema.sql")
    psql = str(bin_path("psql"))
    env = {**os.environ, "PGOPTIONS": "-c check_function_bodies=off"}
    out: dict[str, float] = {"n": n}

    def psql_load() -> None:
        url = fresh(admin)
        try:
            sh([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", url, "-f", files], env=env)
        finally:
            drop(admin, url)

    target = fresh(admin)
    plan_args = [*SCHEMAKIT, "plan", "--schema-dir", str(schema_dir), "--db", target, "--shadow-url", admin,
                 "--format", "sql"]

    def plan() -> None:
        sh(plan_args)

    out["psql_load_s"] = timed(psql_load, runs)
    out["plan_s"] = timed(plan, runs)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    script = sh(plan_args).stdout
    out["plan_peak_rss_mb"] = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    script_path = work / f"plan_{n}.sql"
    script_path.write_text(script)

    saved = work / f"plan_{n}.json"
    sh([*plan_args[:-2], "--format", "json", "--out", str(saved)])

    def schemakit_apply() -> None:
        url = fresh(admin)
        try:
            sh([*SCHEMAKIT, "apply", str(saved), "--yes", "--db", url])
        finally:
            drop(admin, url)

    def psql_apply() -> None:
        url = fresh(admin)
        try:
            sh([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", url, "-f", str(script_path)])
        finally:
            drop(admin, url)

    out["apply_s"] = timed(schemakit_apply, runs)
    out["psql_apply_s"] = timed(psql_apply, runs)

    # Introspection of one loaded database against pg_dump -s.
    sh([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", target, "-f", str(script_path)])
    pg_dump = str(bin_path("pg_dump"))
    out["pg_dump_s"] = timed(lambda: sh([pg_dump, "--schema-only", "-d", target]), runs)
    reader = (
        "import sys, psycopg; from schemakit.catalog import read_model; "
        "c = psycopg.connect(sys.argv[1]); read_model(c)"
    )
    out["introspect_s"] = timed(lambda: sh([sys.executable, "-c", reader, target]), runs)
    drop(admin, target)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / "schemakit-bench" / "pg"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.parent.chmod(0o755)
    server = embedded.start(data_dir, durable=False)
    admin = server.url()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            print(f"N = {n} ...", file=sys.stderr, flush=True)
            rows.append(bench_size(n, admin, args.runs, Path(tmp)))
    header = f"{'N':>6} {'plan':>8} {'psql -f':>8} {'ratio':>6} {'read':>7} {'pg_dump':>8} {'ratio':>6} {'apply':>7} {'psql -1':>8} {'ratio':>6} {'RSS MB':>7}"
    print(header)
    for r in rows:
        print(
            f"{r['n']:>6} {r['plan_s']:>8.2f} {r['psql_load_s']:>8.2f} {r['plan_s'] / r['psql_load_s']:>6.2f} "
            f"{r['introspect_s']:>7.2f} {r['pg_dump_s']:>8.2f} {r['introspect_s'] / r['pg_dump_s']:>6.2f} "
            f"{r['apply_s']:>7.2f} {r['psql_apply_s']:>8.2f} {r['apply_s'] / r['psql_apply_s']:>6.2f} "
            f"{r['plan_peak_rss_mb']:>7.0f}"
        )
    if len(rows) > 1:
        big, small = rows[-1], rows[-2]
        print(f"plan scaling N={big['n']}/N={small['n']}: {big['plan_s'] / small['plan_s']:.2f}")
    (ROOT / "results.json").write_text(json.dumps({"server": f"PostgreSQL {server.version}", "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
