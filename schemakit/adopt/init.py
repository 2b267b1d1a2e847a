"""``schemakit init``: set a project up for schemakit.

- The schema folder: ``schema/``, or ``supabase/schemas`` where a ``supabase/`` folder
  exists (the Supabase CLI's declarative folder, adopted as it is); migrations go to
  ``migrations/``, or ``supabase/migrations``.
- ``.schemakit/`` in ``.gitignore``, and ``.schemakit/.gitignore`` (``*``).
- A ``[tool.schemakit]`` table in ``pyproject.toml`` (created if missing).
- The CI workflow of docs/ci.md in ``.github/workflows/schema.yml``.
- When the migrations folder holds files and the schema folder none, the ``import``
  command that turns them into schema files.

Nothing that exists is overwritten: each step says whether it wrote or kept.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from schemakit.migrations import list_migrations
from schemakit.server.statedir import ensure_state_dir

STATE_DIR = ".schemakit"

SCHEMA_README = """\
# Schema files

The desired state of the database, as plain SQL (`CREATE TABLE`, `CREATE POLICY`, ...), in
any number of `*.sql` files, in any order. `schemakit plan` shows what would change in a
database, `schemakit apply` makes it so, and `schemakit plan --write` records the change
as a migration file.
"""

PYPROJECT_TABLE = """\
[tool.schemakit]
# Generated types that `schemakit check` keeps up to date, for example:
# types = [{ language = "typescript", out = "src/database.types.ts" }]
types = []
"""


def workflow_yaml(schema_dir: str, migrations_dir: str) -> str:
    """The pull-request workflow of docs/ci.md, for this project's folders."""
    paths = ", ".join(f'"{p}/**"' for p in dict.fromkeys([schema_dir, migrations_dir, "snapshots"]))
    return f"""\
name: schema

on:
  pull_request:
    paths: [{paths}]

permissions:
  contents: read
  pull-requests: write   # to post the plan comment

jobs:
  schemakit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"

      - name: Install schemakit
        run: pip install schemakit

      - name: {schema_dir}/ and {migrations_dir}/ agree
        run: schemakit check

      - name: Plan against production
        if: ${{{{ secrets.DATABASE_URL != '' }}}}
        env:
          DATABASE_URL: ${{{{ secrets.DATABASE_URL }}}}
        run: |
          schemakit plan --format markdown --out plan.md
          schemakit plan --format json --out plan.json

      - name: Post the plan as a PR comment
        if: ${{{{ secrets.DATABASE_URL != '' }}}}
        uses: marocchino/sticky-pull-request-comment@v2
        with:
          header: schemakit-plan     # one comment, updated on every push
          path: plan.md

      - name: Upload the plan
        if: ${{{{ secrets.DATABASE_URL != '' }}}}
        uses: actions/upload-artifact@v4
        with:
          name: schemakit-plan
          path: |
            plan.json
            plan.md
"""


@dataclass(frozen=True)
class InitReport:
    root: Path
    schema_dir: Path
    migrations_dir: Path
    supabase: bool
    written: tuple[Path, ...]  # files created or changed
    kept: tuple[Path, ...]  # files that already were as needed
    migrations: int  # files in the migrations folder
    import_command: str | None  # offered when there are migrations and no schema files


def _add_line(path: Path, line: str, written: list[Path], kept: list[Path]) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if any(existing.strip() in (line, line.rstrip("/"), "/" + line) for existing in text.splitlines()):
        kept.append(path)
        return
    sep = "" if not text or text.endswith("\n") else "\n"
    path.write_text(f"{text}{sep}{line}\n", encoding="utf-8")
    written.append(path)


def _write_new(path: Path, text: str, written: list[Path], kept: list[Path]) -> None:
    if path.exists():
        kept.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    written.append(path)


def _pyproject(path: Path, written: list[Path], kept: list[Path]) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if any(line.strip() == "[tool.schemakit]" for line in text.splitlines()):
        kept.append(path)
        return
    sep = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    path.write_text(f"{text}{sep}{PYPROJECT_TABLE}", encoding="utf-8")
    written.append(path)


def init_project(root: Path) -> InitReport:
    root = root.resolve()
    supabase = (root / "supabase").is_dir()
    schema_dir = root / "supabase" / "schemas" if supabase else root / "schema"
    migrations_dir = root / "supabase" / "migrations" if supabase else root / "migrations"
    written: list[Path] = []
    kept: list[Path] = []
    had_schema = schema_dir.is_dir() and any(schema_dir.glob("*.sql"))
    if not schema_dir.is_dir():
        schema_dir.mkdir(parents=True)
        written.append(schema_dir)
    if not had_schema:
        _write_new(schema_dir / "README.md", SCHEMA_README, written, kept)
    _add_line(root / ".gitignore", f"{STATE_DIR}/", written, kept)
    state = root / STATE_DIR
    existed = (state / ".gitignore").exists()
    ensure_state_dir(state)
    (kept if existed else written).append(state / ".gitignore")
    _pyproject(root / "pyproject.toml", written, kept)
    rel_schema = schema_dir.relative_to(root).as_posix()
    rel_migrations = migrations_dir.relative_to(root).as_posix()
    _write_new(root / ".github" / "workflows" / "schema.yml", workflow_yaml(rel_schema, rel_migrations), written, kept)
    migrations = list_migrations(migrations_dir)
    command = None
    if migrations and not had_schema:
        command = shlex.join(["schemakit", "import", rel_migrations, "--out", rel_schema])
    return InitReport(
        root=root,
        schema_dir=schema_dir,
        migrations_dir=migrations_dir,
        supabase=supabase,
        written=tuple(written),
        kept=tuple(kept),
        migrations=len(migrations),
        import_command=command,
    )
