"""Command-line options shared by the commands (typer annotations)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

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
