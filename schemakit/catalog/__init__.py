"""Live catalog → Model. One set-based query per object kind (``queries/<kind>.sql``)."""

from schemakit.catalog.reader import CatalogReader, read_model
from schemakit.platform import MANAGED_SCHEMAS, is_managed_schema

__all__ = ["MANAGED_SCHEMAS", "CatalogReader", "is_managed_schema", "read_model"]
