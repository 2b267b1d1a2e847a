"""Type generation: TypeScript (supabase-js ``Database``) and Python from a catalog.

introspect (catalog → Catalog) · checks (CHECK literal lists) · typescript, python
(Catalog → text) · source (schema files or --db → Catalog) · outputs (pyproject
``[tool.schemakit] types``, staleness for ``schemakit check``) · generate (``schemakit
types`` end to end; its typer commands are in ``schemakit.cli.types``).
"""

from schemakit.typegen.outputs import Output, Stale, configured_outputs, stale_outputs

__all__ = ["Output", "Stale", "configured_outputs", "stale_outputs"]
