"""Command-line options shared by the commands (typer annotations)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from schemakit.profile import Profile

SchemaDir = Annotated[
    Optional[Path],
    typer.Option("--schema-dir", help="Folder of *.sql files (default: schema/, or supabase/schemas/).", show_default=False),
]
ShadowUrl = Annotated[
    Optional[str],
    typer.Option(
        "--shadow-url",
        help="A server where schemakit may create throw-away databases to normalize the schema files "
        "(default: one of the target's major version: a temporary database on the target's own server "
        "when it is plain and its role may create databases, else a server of that major started in "
        ".schemakit/pg<major>, else the local server, with a warning).",
        show_default=False,
    ),
]
ProfileOpt = Annotated[
    Optional[Profile],
    typer.Option(
        "--profile",
        help="The target's platform: postgres (plain) or supabase. Default: detected from the target "
        "(its auth schema and the platform roles) or read from the snapshot. The shadow gets the same "
        "platform, so a plain target's plan holds nothing the schema files don't declare.",
        show_default=False,
        case_sensitive=False,
    ),
]


def _set_connect_timeout(value: int) -> int:
    """Options callback: every connection of this run waits at most ``value`` seconds."""
    from schemakit.connect import ConnectSettings, configure

    configure(ConnectSettings(timeout=value, progress=_stderr_progress))
    return value


def _stderr_progress(text: str) -> None:
    typer.echo(text, err=True)


ConnectTimeout = Annotated[
    int,
    typer.Option(
        "--connect-timeout",
        min=1,
        metavar="SECONDS",
        help="Give up connecting to a server that does not answer within this many seconds.",
        callback=_set_connect_timeout,
    ),
]
AllowDropAll = Annotated[
    bool,
    typer.Option(
        "--allow-drop-all",
        help="Apply a plan that drops every object of the target and creates nothing (refused, "
        "exit 3, otherwise: an empty or wrong --schema-dir is the usual cause).",
    ),
]


def plural(n: int, word: str, *, with_count: bool = True, many: str | None = None) -> str:
    """``1 change``, ``2 changes``; ``with_count=False`` gives the word alone."""
    form = word if n == 1 else (many or word + "s")
    return f"{n} {form}" if with_count else form


def drops_everything(plan: Any, statements: Any) -> bool:
    """Whether the plan drops everything the target holds and creates or keeps nothing:
    only drops, and the schema files declare nothing (an empty folder, or the wrong one)."""
    steps = list(plan.steps)
    return bool(steps) and all(s.change.action == "drop" for s in steps) and not any(s.provides for s in statements)


def warn_drop_all(plan: Any, statements: Any) -> None:
    """``plan`` (which changes nothing) only warns of a plan that drops everything."""
    if drops_everything(plan, statements):
        typer.echo(
            f"warning: the plan drops every object of the target ({plural(len(plan.steps), 'change')}) "
            "and creates nothing; `apply` refuses it without --allow-drop-all",
            err=True,
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
        typer.echo(f"warning: {shown}/ holds no schema statements (no .sql files, or only comments): "
                   "the plan removes whatever the target holds", err=True)
