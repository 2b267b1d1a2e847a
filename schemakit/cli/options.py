"""The command-line options the commands share (typer annotations), and their formats."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from schemakit import cache
from schemakit.cli import console
from schemakit.profile import Profile


class Format(str, Enum):
    text = "text"
    sql = "sql"
    json = "json"
    markdown = "markdown"


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
DbUrl = Annotated[
    Optional[str],
    typer.Option("--db", help="Target database URL (default: $DATABASE_URL, else the local server).", show_default=False),
]
RenameEnumValues = Annotated[
    Optional[list[str]],
    typer.Option(
        "--rename-enum-value",
        metavar="TYPE:OLD=NEW",
        help="TYPE:OLD=NEW, repeatable: plan ALTER TYPE ... RENAME VALUE for this enum value instead "
        "of removing OLD and adding NEW (a diff cannot tell a rename). Example: public.mood:sad=unhappy.",
        show_default=False,
    ),
]
InstallBaseline = Annotated[
    bool,
    typer.Option("--install-baseline", help="Plan the installation of the minimal Supabase baseline (auth, storage, roles, Supabase's grants) into a plain target that lacks it, as the plan's first step: nothing is written before the apply, and it runs in the apply's transaction. For local and test databases."),
]
PlanSql = Annotated[
    bool,
    typer.Option("--sql", help="Also show the plan's SQL script (after the summary for `plan`, before it for `apply`)."),
]
Out = Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the output to this file.")]
MigrationsDir = Annotated[
    Optional[Path],
    typer.Option("--migrations-dir", help="Folder of migration files (default: migrations/, or supabase/migrations/).", show_default=False),
]


# -- the desired-state cache (schemakit.cache) ----------------------------------------


def _cache_progress(text: str) -> None:
    console.say(text, "progress")


def _set_cache(ctx: typer.Context, value: bool) -> bool:
    """Options callback: the cache on (or off with ``--no-cache``) until the command ends."""
    from schemakit.workflow import STATE_DIR, find_root

    settings = None if value else cache.Settings(find_root(Path.cwd()) / STATE_DIR / "cache", _cache_progress)
    previous = cache.configure(settings)
    ctx.call_on_close(lambda: cache.configure(previous))
    return value


NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Read everything again: load the schema files into a shadow even when "
        ".schemakit/cache/ holds their state (keyed on the files' bytes, the profile and baseline, "
        "the shadow server and schemakit's version), and read a database's catalog even when the "
        "cache holds its model under the same catalog stamp. SCHEMAKIT_NO_CACHE=1 does the same.",
        callback=_set_cache,
    ),
]
