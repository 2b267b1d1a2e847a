"""Command-line options shared by the commands (typer annotations)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

SchemaDir = Annotated[
    Optional[Path],
    typer.Option("--schema-dir", help="Folder of *.sql files (default: schema/, or supabase/schemas/).", show_default=False),
]
ShadowUrl = Annotated[
    Optional[str],
    typer.Option(
        "--shadow-url",
        help="A server where schemakit may create throw-away databases to normalize the schema files "
        "(default: the local server).",
        show_default=False,
    ),
]
