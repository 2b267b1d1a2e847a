"""Side-by-side benchmark: schemakit against PostgreSQL's own tools, in one run, by ratio.

    .venv/bin/python bench/run.py                    # N = 100, 1000; 5 runs each
    .venv/bin/python bench/run.py --sizes 100,1000,5000 --runs 5

For every N it measures (median of --runs after one warm-up, same server for all, the
contenders of a measure taking turns run by run):

- diff:   `schemakit diff A B` against `migra --unsafe A B` (A: the N-table schema,
          B: the variant with ~10% of the tables changed). migra runs from its own
          venv, bench/.venv, created on first use (migra, sqlalchemy<2, psycopg2-binary);
- plan:   `schemakit plan` end to end (parse, shadow load, both catalogs, diff, render)
          against `psql -f` loading the same files into an empty database (the floor
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
MIGRA_VENV = ROOT / ".venv"
MIGRA_PACKAGES = ["migra", "sqlalchemy<2", "psycopg2-binary", "setuptools"]


def ensure_migra() -> Path:
    """bench/.venv/bin/migra, installed on first use (migra needs SQLAlchemy 1.x)."""
    migra = MIGRA_VENV / "bin" / "migra"
    if not migra.exists():
        print("installing migra into bench/.venv ...", file=sys.stderr, flush=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(MIGRA_VENV)], check=True)
        pip = [str(MIGRA_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, *MIGRA_PACKAGES], check=True)
    return migra


def side_by_side(fns: list[Callable[[], Any]], runs: int, slow: float = 60.0) -> list[float | None]:
    """The median of ``runs`` timed calls of each contender after a warm-up call, the
    contenders taking turns (a, b, a, b, ...) so that a change in the machine's load
    weighs on each alike: the ratio is what is compared.

    A contender whose warm-up takes more than ``slow`` seconds is not repeated: that
    time is its result. One that times out (subprocess.TimeoutExpired) gives None.
    """
    samples: list[list[float]] = [[] for _ in fns]
    alive = [True] * len(fns)
    for round_ in range(runs + 1):  # round 0 is the warm-up
        for i, fn in enumerate(fns):
            if not alive[i]:
                continue
            t = time.perf_counter()
            try:
                fn()
            except subprocess.TimeoutExpired:
                alive[i], samples[i] = False, []
                continue
            took = time.perf_counter() - t
            if round_ == 0:
                if took > slow:  # too slow to repeat: its one time is the result
                    samples[i], alive[i] = [took], False
                continue
            samples[i].append(took)
    return [statistics.median(s) if s else None for s in samples]


def sh(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(args, capture_output=True, text=True, **kw)
    if res.returncode not in (0, 2):
        raise SystemExit(f"failed: {' '.join(args)}\n{res.stderr[-2000:]}")
    return res


def peak_rss_mb(args: list[str]) -> float:
    """Peak resident memory of one run of ``args`` (that process alone, by wait4)."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"failed: {' '.join(args)}")
    return usage.ru_maxrss / 1024  # kB on Linux


def fresh(admin: str) -> str:
    name = shadow.create_database(admin, baseline=True)
    return shadow.database_url(admin, name)


def as_url(conninfo: str) -> str:
    """A postgresql:// URL for a key=value conninfo (migra takes URLs only)."""
    from psycopg.conninfo import conninfo_to_dict

    p = conninfo_to_dict(conninfo)
    return f"postgresql://{p['user']}@{p['host']}:{p['port']}/{p['dbname']}"


def drop(admin: str, url: str) -> None:
    from psycopg.conninfo import conninfo_to_dict

    shadow.drop_database(admin, str(conninfo_to_dict(url)["dbname"]))


def bench_size(
    n: int, admin: str, runs: int, work: Path, migra: Path, limit: float
) -> dict[str, float | None]:
    schema_dir = work / f"schema_{n}"
    generate(n, schema_dir)
    changed_dir = work / f"changed_{n}"
    generate(n, changed_dir, changed=True)
    files = str(schema_dir / "schema.sql")
    psql = str(bin_path("psql"))
    env = {**os.environ, "PGOPTIONS": "-c check_function_bodies=off"}
    out: dict[str, float | None] = {"n": n}

    def load(url: str, path: str, *, one_transaction: bool = True) -> None:
        single = ["-1"] if one_transaction else []
        sh([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *single, "-d", url, "-f", path], env=env)

    def psql_load() -> None:
        # The floor: `psql -f` loading the files into an empty database.
        url = fresh(admin)
        try:
            load(url, files, one_transaction=False)
        finally:
            drop(admin, url)

    # 1. diff of two loaded databases: schemakit against migra.
    db_a, db_b = fresh(admin), fresh(admin)
    load(db_a, files)
    load(db_b, str(changed_dir / "schema.sql"))
    url_a, url_b = as_url(db_a), as_url(db_b)
    out["diff_s"], out["migra_s"] = side_by_side(
        [lambda: sh([*SCHEMAKIT, "diff", url_a, url_b], timeout=limit), lambda: sh([str(migra), "--unsafe", url_a, url_b])],
        runs,
    )
    drop(admin, db_a)
    drop(admin, db_b)

    target = fresh(admin)
    plan_args = [*SCHEMAKIT, "plan", "--schema-dir", str(schema_dir), "--db", target, "--shadow-url", admin,
                 "--format", "sql"]

    def plan() -> None:
        sh(plan_args)

    out["plan_s"], out["psql_load_s"] = side_by_side([plan, psql_load], runs)
    out["plan_peak_rss_mb"] = peak_rss_mb(plan_args)
    script = sh(plan_args).stdout
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

    out["apply_s"], out["psql_apply_s"] = side_by_side([schemakit_apply, psql_apply], runs)

    # Introspection of one loaded database against pg_dump -s.
    sh([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", target, "-f", str(script_path)])
    pg_dump = str(bin_path("pg_dump"))
    reader = (
        "import sys, psycopg; from schemakit.catalog import read_model; "
        "c = psycopg.connect(sys.argv[1]); read_model(c)"
    )
    out["introspect_s"], out["introspect_inproc_s"], out["pg_dump_s"] = side_by_side(
        [
            lambda: sh([sys.executable, "-c", reader, target]),
            lambda: read_in_process(target),
            lambda: sh([pg_dump, "--schema-only", "-d", target]),
        ],
        runs,
    )
    out["catalog_queries"] = catalog_queries(target)
    drop(admin, target)
    return out


def read_in_process(url: str) -> None:
    """Introspection without the interpreter's start-up and imports."""
    import psycopg

    from schemakit.catalog import read_model

    with psycopg.connect(url) as conn:
        read_model(conn)


def catalog_queries(url: str) -> int:
    import psycopg

    from schemakit.catalog.reader import CatalogReader

    with psycopg.connect(url) as conn:
        reader = CatalogReader(conn)
        reader.read()
        return reader.queries_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="give up on one `schemakit diff` after this many seconds"
    )
    parser.add_argument(
        "--fast-loop", action="store_true",
        help="issue 18's measures instead (bench/fastloop.py): a no-op plan with a warm cache, the "
        "in-process catalog read and diff, against pg_dump -s and migra",
    )
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / "schemakit-bench" / "pg"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.parent.chmod(0o755)
    was_running = embedded.status(data_dir) is not None
    server = embedded.start(data_dir, durable=False)
    try:
        if args.fast_loop:
            from bench.fastloop import run_fast_loop

            run_fast_loop([int(s) for s in args.sizes.split(",")], server.url(), args.runs, args.timeout, server.version)
        else:
            run_bench(args, server)
    finally:  # the server outlives the bench only when it was running before
        if not was_running:
            embedded.stop(data_dir)


def run_bench(args: argparse.Namespace, server: embedded.LocalServer) -> None:
    admin = server.url()
    migra = ensure_migra()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            print(f"N = {n} ...", file=sys.stderr, flush=True)
            rows.append(bench_size(n, admin, args.runs, Path(tmp), migra, args.timeout))
    print(table(rows))
    if len(rows) > 1:
        big, small = rows[-1], rows[-2]
        if big["plan_s"] and small["plan_s"]:
            print(f"plan time N={big['n']} / N={small['n']}: {big['plan_s'] / small['plan_s']:.2f}")
    (ROOT / "results.json").write_text(json.dumps({"server": f"PostgreSQL {server.version}", "rows": rows}, indent=2) + "\n")


COLUMNS: list[tuple[str, str | tuple[str, str], str]] = [
    # (header, key or (numerator, denominator) for a ratio, format)
    ("N", "n", "{:.0f}"),
    ("diff", "diff_s", "{:.2f}"),
    ("migra", "migra_s", "{:.2f}"),
    ("ratio", ("diff_s", "migra_s"), "{:.2f}"),
    ("plan", "plan_s", "{:.2f}"),
    ("psql -f", "psql_load_s", "{:.2f}"),
    ("ratio", ("plan_s", "psql_load_s"), "{:.2f}"),
    ("read", "introspect_s", "{:.2f}"),
    ("in-proc", "introspect_inproc_s", "{:.2f}"),
    ("pg_dump", "pg_dump_s", "{:.2f}"),
    ("ratio", ("introspect_s", "pg_dump_s"), "{:.2f}"),
    ("apply", "apply_s", "{:.2f}"),
    ("psql -1", "psql_apply_s", "{:.2f}"),
    ("ratio", ("apply_s", "psql_apply_s"), "{:.2f}"),
    ("RSS MB", "plan_peak_rss_mb", "{:.0f}"),
    ("queries", "catalog_queries", "{:.0f}"),
]


def table(
    rows: list[dict[str, Any]],
    columns: list[tuple[str, str | tuple[str, str], str]] | None = None,
    missing: str = "timeout",
) -> str:
    """A Markdown table of the times (seconds), the ratios and the peak RSS (``columns``:
    (header, key or (numerator, denominator), format); default ``COLUMNS``; ``missing``:
    what a cell without a value says)."""
    columns = COLUMNS if columns is None else columns
    lines = ["| " + " | ".join(h for h, _, _ in columns) + " |", "|" + "---:|" * len(columns)]
    for r in rows:
        cells = []
        for _, key, fmt in columns:
            if isinstance(key, tuple):
                num, den = r.get(key[0]), r.get(key[1])
                value = None if num is None or den is None else num / den
            else:
                value = r.get(key)
            cells.append(missing if value is None else fmt.format(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
