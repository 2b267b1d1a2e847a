"""``schemakit types typescript|python``: typer commands only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional

import psycopg
import typer

from schemakit.errors import SchemakitError
from schemakit.options import SchemaDir, ShadowUrl
from schemakit.typegen.introspect import Catalog
from schemakit.typegen.python import render_python
from schemakit.typegen.source import catalog_from_database, catalog_from_statements
from schemakit.typegen.typescript import render_typescript
from schemakit.workflow import Project, Target, load_sources, shadow_admin_url

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


def _schemas(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise SchemakitError("--schema needs at least one schema name")
    return list(dict.fromkeys(names))


def _catalog(db: str | None, schemas: str, schema_dir: Path | None, shadow_url: str | None) -> Catalog:
    from schemakit.cli import _note, _progress

    names = _schemas(schemas)
    if db is not None:
        return catalog_from_database(db, names)
    project = Project.find(schema_dir)
    statements = load_sources(project, _note)
    admin = shadow_admin_url(project, Target(url="", label="shadow"), shadow_url)
    _progress("loading the schema files into a shadow database ...")
    return catalog_from_statements(statements, admin, names)


def _run(db: str | None, schemas: str, schema_dir: Path | None, shadow_url: str | None, out: Path | None, render: Callable[[Catalog], str]) -> None:
    from schemakit.cli import _emit, _fail

    try:
        catalog = _catalog(db, schemas, schema_dir, shadow_url)
    except (SchemakitError, psycopg.Error) as exc:
        _fail(exc, db)
    _emit(render(catalog), out)


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
    _run(db, schema, schema_dir, shadow_url, out, lambda c: render_typescript(c, check_unions=check_unions))


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
    _run(db, schema, schema_dir, shadow_url, out, lambda c: render_python(c, pydantic=pydantic, check_unions=check_unions))
