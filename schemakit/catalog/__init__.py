"""Live catalog → Model. One set-based query per object kind (``queries/<kind>.sql``)."""

from schemakit.catalog.reader import MANAGED_SCHEMAS, CatalogReader, is_managed_schema, read_model

__all__ = ["MANAGED_SCHEMAS", "CatalogReader", "is_managed_schema", "read_model"]
