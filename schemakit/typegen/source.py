"""Where a catalog comes from: the schema files (through a shadow database) or a live database."""

from __future__ import annotations

from collections.abc import Sequence

from schemakit.connect import connect
from schemakit.desired import load_statements
from schemakit.server import shadow
from schemakit.source import SourceStatement
from schemakit.typegen.introspect import Catalog, introspect


def catalog_from_statements(
    statements: Sequence[SourceStatement], shadow_admin_url: str, schemas: Sequence[str]
) -> Catalog:
    """Load the schema files' statements into a fresh shadow (as ``plan`` does) and read it."""
    with shadow.temporary_database(shadow_admin_url, baseline=True) as url:
        with connect(url, autocommit=True) as conn:
            load_statements(conn, statements, shadow_admin_url)
            return introspect(conn, schemas)


def catalog_from_database(url: str, schemas: Sequence[str]) -> Catalog:
    with connect(url, autocommit=True) as conn:
        return introspect(conn, schemas)
