"""``--no-cache`` on the commands that plan: the cache (schemakit.cache) is on for the
command's run, in the project's ``.schemakit/cache/``, unless the option is given."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from schemakit import cache, console


def _progress(text: str) -> None:
    console.say(text, "progress")


def _set_cache(ctx: typer.Context, value: bool) -> bool:
    """Options callback: the cache on (or off with ``--no-cache``) until the command ends."""
    from schemakit.workflow import STATE_DIR, find_root

    settings = None if value else cache.Settings(find_root(Path.cwd()) / STATE_DIR / "cache", _progress)
    previous = cache.configure(settings)
    ctx.call_on_close(lambda: cache.configure(previous))
    return value


NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Load the schema files into a shadow even when .schemakit/cache/ holds their state "
        "(the cache is keyed on the files' bytes, the profile and baseline, the shadow server and "
        "schemakit's version; SCHEMAKIT_NO_CACHE=1 does the same).",
        callback=_set_cache,
    ),
]
