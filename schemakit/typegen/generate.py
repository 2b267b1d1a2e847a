"""``schemakit types``, end to end: the catalog of the schema files (through a shadow
database) or of a database (``--db``), rendered as TypeScript or Python."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemakit.errors import SchemakitError
from schemakit.typegen.introspect import Catalog
from schemakit.typegen.python import render_python
from schemakit.typegen.source import catalog_from_database, catalog_from_statements
from schemakit.typegen.typescript import render_typescript
from schemakit.workflow import Progress, Project, Target, load_sources, shadow_admin_url


def _quiet(text: str) -> None:
    """A callback that hears nothing."""


@dataclass(frozen=True)
class TypesRequest:
    """``language`` is ``typescript`` or ``python``; ``schemas`` as given (comma-separated)."""

    language: str
    db: str | None = None
    schemas: str = "public"
    schema_dir: Path | None = None
    shadow_url: str | None = None
    check_unions: bool = False
    pydantic: bool = False


def schema_names(text: str) -> list[str]:
    """``--schema a,b``: the names, in order, once each."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise SchemakitError("--schema needs at least one schema name")
    return list(dict.fromkeys(names))


def catalog_for(request: TypesRequest, progress: Progress = _quiet, note: Progress = _quiet) -> Catalog:
    """The catalog of ``--db``, else of the schema files loaded into a shadow."""
    names = schema_names(request.schemas)
    if request.db is not None:
        return catalog_from_database(request.db, names)
    project = Project.find(request.schema_dir)
    statements = load_sources(project, note)
    admin = shadow_admin_url(project, Target(url="", label="shadow"), request.shadow_url)
    progress("loading the schema files into a shadow database ...")
    return catalog_from_statements(statements, admin, names)


def generate_types(request: TypesRequest, progress: Progress = _quiet, note: Progress = _quiet) -> str:
    """The types module's text."""
    catalog = catalog_for(request, progress, note)
    if request.language == "typescript":
        return render_typescript(catalog, check_unions=request.check_unions)
    return render_python(catalog, pydantic=request.pydantic, check_unions=request.check_unions)
