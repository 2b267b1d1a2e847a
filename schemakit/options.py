"""Wording and rules the commands' library functions share: ``plural``, the plan that
drops everything (warned by ``plan``, refused by ``apply``), and a plan's first line.

The command-line options themselves (typer annotations) are in ``schemakit.cli.options``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def plural(n: int, word: str, *, with_count: bool = True, many: str | None = None) -> str:
    """``1 change``, ``2 changes``; ``with_count=False`` gives the word alone."""
    form = word if n == 1 else (many or word + "s")
    return f"{n} {form}" if with_count else form


def drops_everything(plan: Any, statements: Any) -> bool:
    """Whether the plan drops everything the target holds and creates or keeps nothing:
    only drops, and the schema files declare nothing (an empty folder, or the wrong one)."""
    steps = list(plan.steps)
    return bool(steps) and all(s.change.action == "drop" for s in steps) and not any(s.provides for s in statements)


def drop_all_warning(plan: Any) -> str:
    """What ``plan`` (which changes nothing) says of a plan that drops everything."""
    return (
        f"warning: the plan drops every object of the target ({plural(len(plan.steps), 'change')}) "
        "and creates nothing; `apply` refuses it without --allow-drop-all"
    )


def refuse_drop_all(plan: Any, statements: Any, allowed: bool) -> None:
    """Refuse (exit 3) to apply a plan that drops everything (``drops_everything``),
    unless ``--allow-drop-all``."""
    from schemakit.errors import RefusedError

    if allowed or not drops_everything(plan, statements):
        return
    steps = list(plan.steps)
    raise RefusedError(
        f"the plan drops every object of the target ({plural(len(steps), 'change')}) and creates nothing",
        hint="check --schema-dir names the schema folder; pass --allow-drop-all if this is intended",
    )


def announce(progress: Any, schema_dir: Path, statements: Any, against: str) -> None:
    """The first line of a plan: which folder, how many files, against what; an empty
    folder is a warning (the plan would drop what the target holds)."""
    files = sorted({str(s.location.file) for s in statements})
    try:
        shown = schema_dir.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = schema_dir
    progress(f"planning {shown}/ ({plural(len(files), 'file')}) against {against}")
    if not statements:
        sys.stderr.write(
            f"warning: {shown}/ holds no schema statements (no .sql files, or only comments): "
            "the plan removes whatever the target holds\n"
        )
        sys.stderr.flush()
