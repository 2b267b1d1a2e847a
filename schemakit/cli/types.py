"""``schemakit types typescript|python``: typer commands only (the pipeline is
``schemakit.typegen.generate.generate_types``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from schemakit.cli.console import emit, note, progress
from schemakit.cli.options import SchemaDir, ShadowUrl

types_app = typer.Typer(
    help="Generate types from the schema files (through a shadow database) or from a database (--db).",
    no_args_is_help=True,
)

Db = Annotated[
    Optional[str],
    typer.Option("--db", help="Read this database instead of the schema files (DATABASE_URL is not used: without --db the types come from schema/).", show_default=False),
]
Schemas = Annotated[str, typer.Option("--schema", help="Comma-separated schemas to generate.")]
Out = Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file (default: standard output).", show_default=False)]
CheckUnions = Annotated[
    bool,
    typer.Option("--check-unions", help="Type a column whose CHECK constraint restricts it to a literal list as that union instead of string."),
]


@types_app.command("typescript")
def typescript(
    db: Db = None,
    schema: Schemas = "public",
    out: Out = None,
    check_unions: CheckUnions = False,
    schema_dir: SchemaDir = None,
    shadow_url: ShadowUrl = None,
) -> None:
    """The Database type for @supabase/supabase-js (the shape of `supabase gen types typescript`)."""
    from schemakit.typegen.generate import TypesRequest, generate_types  # imported when the command runs

    request = TypesRequest("typescript", db, schema, schema_dir, shadow_url, check_unions)
    emit(generate_types(request, progress, note), out)


@types_app.command("python")
def python(
    db: Db = None,
    schema: Schemas = "public",
    out: Out = None,
    check_unions: CheckUnions = False,
    pydantic: Annotated[bool, typer.Option("--pydantic", help="pydantic v2 models instead of TypedDicts.")] = False,
    schema_dir: SchemaDir = None,
    shadow_url: ShadowUrl = None,
) -> None:
    """A module of TypedDicts (Row, Insert, Update per table) typed as psycopg returns values."""
    from schemakit.typegen.generate import TypesRequest, generate_types  # imported when the command runs

    request = TypesRequest("python", db, schema, schema_dir, shadow_url, check_unions, pydantic)
    emit(generate_types(request, progress, note), out)
