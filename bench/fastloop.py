"""Issue 18's measures (the fast loop), side by side in one run, each as a ratio:

    .venv/bin/python bench/run.py --fast-loop --sizes 1000,5000 --runs 5

- no-op plan, warm cache: `schemakit plan` of the N-table files against a database that
  already holds them (nothing to do), its desired-state cache filled by one plan before
  (.schemakit/cache/), against the same run's `pg_dump --schema-only` of that database
  (target ≤ 2.0×);
- catalog read in-process (read_model, without the interpreter's start-up) against the
  same `pg_dump --schema-only` (target ≤ 1.3×);
- `schemakit diff A B` against `migra --unsafe A B` (B: ~10% of the tables changed),
  when migra can be installed into bench/.venv (target ≤ 0.35×): `diff` as it runs again
  on unchanged databases (the catalog cache holds both models: schemakit.catalog.memo),
  and `diff --no-cache` (both catalogs read);
- the no-op plan at the largest N against the smallest (target ≤ 5.5× for 5,000 / 1,000).

- one-file-changed plan: the same N tables as one file per table, one table's file gaining
  a new column before every run (so the cache misses each time), planned with the kept
  shadow (schemakit.keptshadow: it reloads that file's statements and their dependents),
  against the full plan of the same change (``SCHEMAKIT_KEEP_SHADOW=0``: the whole shadow
  loads) (target ≤ 0.3×).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.generate import generate, generate_files
from bench.run import ROOT, SCHEMAKIT, as_url, drop, ensure_migra, fresh, read_in_process, sh, side_by_side, table
from schemakit.server.embedded import bin_path

COLUMNS: list[tuple[str, str | tuple[str, str], str]] = [
    ("N", "n", "{:.0f}"),
    ("cold plan", "cold_plan_s", "{:.2f}"),
    ("no-op plan (warm)", "noop_plan_s", "{:.2f}"),
    ("pg_dump -s", "pg_dump_s", "{:.2f}"),
    ("ratio (≤ 2.0)", ("noop_plan_s", "pg_dump_s"), "{:.2f}"),
    ("read in-proc", "read_inproc_s", "{:.2f}"),
    ("ratio (≤ 1.3)", ("read_inproc_s", "pg_dump_s"), "{:.2f}"),
    ("diff", "diff_s", "{:.2f}"),
    ("diff --no-cache", "diff_cold_s", "{:.2f}"),
    ("migra", "migra_s", "{:.2f}"),
    ("ratio (≤ 0.35)", ("diff_s", "migra_s"), "{:.2f}"),
    ("cold ratio", ("diff_cold_s", "migra_s"), "{:.2f}"),
    ("1-file plan", "one_file_plan_s", "{:.2f}"),
    ("full plan", "full_plan_s", "{:.2f}"),
    ("ratio (≤ 0.3)", ("one_file_plan_s", "full_plan_s"), "{:.2f}"),
]


def load(url: str, path: Path) -> None:
    """``path`` loaded by psql in one transaction, function bodies unchecked (as a dump loads)."""
    sh([str(bin_path("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", url, "-f", str(path)],
       env={**os.environ, "PGOPTIONS": "-c check_function_bodies=off"})


def _migra() -> Path | None:
    try:
        return ensure_migra()
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"migra could not be installed into bench/.venv ({exc}): diff is not compared", file=sys.stderr)
        return None


def fast_loop_size(n: int, admin: str, runs: int, work: Path, migra: Path | None, limit: float) -> dict[str, Any]:
    schema_dir = work / f"schema_{n}"
    generate(n, schema_dir)
    changed_dir = work / f"changed_{n}"
    generate(n, changed_dir, changed=True)
    pg_dump = str(bin_path("pg_dump"))
    env = {k: v for k, v in os.environ.items() if k not in ("SCHEMAKIT_NO_CACHE", "DATABASE_URL")}
    project = work / f"project_{n}"  # the plans' working directory: its .schemakit/cache/
    project.mkdir()

    out: dict[str, Any] = {"n": n}
    target = fresh(admin)
    load(target, schema_dir / "schema.sql")
    plan_args = [*SCHEMAKIT, "plan", "--schema-dir", str(schema_dir), "--db", target, "--shadow-url", admin,
                 "--format", "sql", "--detailed-exitcode"]
    started = time.perf_counter()
    cold = sh(plan_args, cwd=project, env=env)  # fills the cache
    out["cold_plan_s"] = time.perf_counter() - started
    out["noop"] = cold.returncode == 0
    if not out["noop"]:
        print(f"N = {n}: the plan is not empty (exit {cold.returncode})", file=sys.stderr)

    def warm_plan() -> None:
        res = sh(plan_args, cwd=project, env=env)
        if "comes from the cache" not in res.stderr and "nothing to plan" not in res.stderr:
            raise SystemExit(f"the warm plan did not hit the cache:\n{res.stderr}")

    out["noop_plan_s"], out["read_inproc_s"], out["pg_dump_s"] = side_by_side(
        [warm_plan, lambda: read_in_process(target), lambda: sh([pg_dump, "--schema-only", "-d", target])], runs
    )
    if migra is not None:
        other = fresh(admin)
        load(other, changed_dir / "schema.sql")
        url_a, url_b = as_url(target), as_url(other)
        diff = [*SCHEMAKIT, "diff", url_a, url_b]
        out["diff_s"], out["diff_cold_s"], out["migra_s"] = side_by_side(
            [lambda: sh(diff, timeout=limit, env=env, cwd=project),  # the catalog cache: warm after the warm-up
             lambda: sh([*diff, "--no-cache"], timeout=limit, env=env, cwd=project),
             lambda: sh([str(migra), "--unsafe", url_a, url_b])],
            runs,
        )
        drop(admin, other)
    drop(admin, target)
    out["one_file_plan_s"], out["full_plan_s"] = one_file_changed(n, admin, runs, work, env)
    return out


def one_file_changed(n: int, admin: str, runs: int, work: Path, env: dict[str, str]) -> list[float | None]:
    """The one-file-changed plan (the kept shadow) and the full plan of the same kind of change."""
    files = work / f"files_{n}"
    paths = generate_files(n, files)
    whole = work / f"files_{n}.sql"
    whole.write_text("".join(p.read_text() for p in paths))
    target = fresh(admin)
    load(target, whole)
    project = work / f"project_files_{n}"
    project.mkdir()
    victim = paths[len(paths) // 2]
    original = victim.read_text()
    counter = itertools.count()

    def change() -> None:  # a new column each time: the cache misses, and one file changed
        victim.write_text(original.replace("    created_at", f"    extra_{next(counter)} text,\n    created_at", 1))

    args = [*SCHEMAKIT, "plan", "--schema-dir", str(files), "--db", target, "--shadow-url", admin, "--format", "sql"]
    sh(args, cwd=project, env=env)  # fills the cache and the kept shadow

    def incremental() -> None:
        change()
        res = sh(args, cwd=project, env=env)
        if "shadow: incremental" not in res.stderr:
            raise SystemExit(f"the plan did not load incrementally:\n{res.stderr}")

    def full() -> None:
        change()
        sh(args, cwd=project, env={**env, "SCHEMAKIT_KEEP_SHADOW": "0"})

    times = side_by_side([incremental, full], runs)
    drop(admin, target)
    return times


def compile_bytecode(migra: Path | None) -> None:
    """Bytecode for schemakit and migra, as an installed package has it (and schemakit's
    memo of its dataclasses' methods, as its first run writes it): this environment may set
    PYTHONDONTWRITEBYTECODE, and then each CLI run would compile its modules again."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    jobs = [[sys.executable, "-m", "compileall", "-q", str(ROOT.parent / "schemakit")]]
    if migra is not None:
        jobs.append([str(migra.parent / "python"), "-m", "compileall", "-q", str(migra.parent.parent / "lib")])
    jobs.append([*SCHEMAKIT, "--help"])  # and the dataclasses' compiled methods (schemakit.codecache)
    for args in jobs:  # a file that does not compile (a test of some package) is no matter
        subprocess.run(args, env=env, capture_output=True, check=False)


def run_fast_loop(sizes: list[int], admin: str, runs: int, limit: float, version: str) -> None:
    migra = _migra()
    compile_bytecode(migra)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            print(f"N = {n} ...", file=sys.stderr, flush=True)
            rows.append(fast_loop_size(n, admin, runs, Path(tmp), migra, limit))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)  # kept if a later size fails
    print(table(rows, COLUMNS, missing="n/a"))
    if migra is None:
        print("diff against migra: not measured (migra is not installed)")
    if len(rows) > 1 and rows[0]["noop_plan_s"] and rows[-1]["noop_plan_s"]:
        ratio = rows[-1]["noop_plan_s"] / rows[0]["noop_plan_s"]
        print(f"no-op plan (warm) N={rows[-1]['n']} / N={rows[0]['n']}: {ratio:.2f} (target ≤ 5.5)")
    (ROOT / "results-fastloop.json").write_text(json.dumps({"server": f"PostgreSQL {version}", "rows": rows}, indent=2) + "\n")
