"""`schemakit lint` against `schemakit plan` on the same N-table schema, side by side, by ratio.

    .venv/bin/python bench/lint.py                 # N = 1000, 5 runs
    .venv/bin/python bench/lint.py --sizes 100,1000 --runs 3

Both run end to end in a new process on the same throw-away embedded server: `plan`
against an empty database (parse, shadow load, both catalogs, diff, render), `lint` from
the files (parse, shadow load, catalog read, every model rule, JSON report). The issue's
target: lint ≤ 1.2× plan. The median of --runs runs after a warm-up, the two taking
turns run by run (bench/run.py's side_by_side). The server is stopped at the end unless
it was already running.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate  # noqa: E402
from bench.run import SCHEMAKIT, drop, fresh, sh, side_by_side  # noqa: E402
from schemakit.server import embedded  # noqa: E402


def lint_run(args: list[str]) -> None:
    res = subprocess.run(args, capture_output=True, text=True)
    if res.returncode not in (0, 1):  # 1: findings reached --fail-on
        raise SystemExit(f"failed: {' '.join(args)}\n{res.stderr[-2000:]}")


def bench_size(n: int, admin: str, runs: int, work: Path) -> tuple[float | None, float | None, int]:
    schema_dir = work / f"schema_{n}"
    generate(n, schema_dir)
    target = fresh(admin)
    plan_args = [*SCHEMAKIT, "plan", "--schema-dir", str(schema_dir), "--db", target, "--shadow-url", admin, "--format", "sql"]
    lint_args = [*SCHEMAKIT, "lint", "--schema-dir", str(schema_dir), "--shadow-url", admin, "--format", "json"]
    try:
        plan_s, lint_s = side_by_side([lambda: sh(plan_args), lambda: lint_run(lint_args)], runs)
        report = subprocess.run(lint_args, capture_output=True, text=True).stdout
    finally:
        drop(admin, target)
    return plan_s, lint_s, report.count('"rule":')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / "schemakit-bench" / "pg"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.parent.chmod(0o755)
    was_running = embedded.status(data_dir) is not None
    server = embedded.start(data_dir, durable=False)
    try:
        print("| N | plan s | lint s | lint / plan | findings |")
        print("|---:|---:|---:|---:|---:|")
        with tempfile.TemporaryDirectory() as tmp:
            for n in (int(s) for s in args.sizes.split(",")):
                plan_s, lint_s, findings = bench_size(n, server.url(), args.runs, Path(tmp))
                ratio = f"{lint_s / plan_s:.2f}" if plan_s and lint_s else "-"
                print(f"| {n} | {plan_s or 0:.2f} | {lint_s or 0:.2f} | {ratio} | {findings} |", flush=True)
    finally:
        if not was_running:
            embedded.stop(data_dir)


if __name__ == "__main__":
    main()
