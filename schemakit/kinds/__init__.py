"""KINDS: the one ordered registry of object kinds (docs/architecture.md).

Two orders live here, and both are kept exactly as they were before the registry, so
that plans stay byte-identical:

- **the registry's order is the differ order**: ``diff_models`` runs the kinds'
  differs in this order (the changes list, and so the plan's last tie-break, follows
  it);
- **each kind carries its rank(s)**: the plan orders ready changes by the rank of their
  key kind (``Kind.ranks``; ``KIND_RANK`` below is derived from them). Ranks tie
  (buckets, publications and rows share 12) and do not follow the differ order (default
  privileges are diffed late but ranked 1), which is why a rank is not a position.

Who reads the registry: ``schemakit.diff`` (differs), ``schemakit.plan`` (ranks and
hazard rules), ``schemakit.catalog.reader`` (the queries of the kinds whose reading has
moved), ``schemakit.source.classify`` (its accepted statement kinds are checked against
``Kind.statements``; tests/test_registry.py). A kind module registers its renderers on
``render_change`` when it is imported, which importing this package does.
"""

from __future__ import annotations

from schemakit.kinds.base import SHARED_HAZARDS, SHARED_STATEMENTS, HazardRule, Kind, no_hazards
from schemakit.kinds.collation import COLLATION
from schemakit.kinds.composite import COMPOSITE
from schemakit.kinds.domain import DOMAIN
from schemakit.kinds.enum import ENUM
from schemakit.kinds.event_trigger import EVENT_TRIGGER
from schemakit.kinds.pending import (
    bucket_hazards,
    constraint_hazards,
    extension_hazards,
    function_hazards,
    grant_hazards,
    index_hazards,
    pending_differ,
    rows_hazards,
    table_hazards,
)
from schemakit.kinds.policy import POLICY
from schemakit.kinds.range import RANGE
from schemakit.kinds.trigger import TRIGGER
from schemakit.model import (
    Bucket,
    Constraint,
    DefaultPrivilege,
    Extension,
    Function,
    Grant,
    Index,
    Publication,
    Schema,
    Sequence,
    Table,
    TableRows,
    View,
)


def _pending(
    name: str,
    ranks: tuple[tuple[str, int], ...],
    classes: tuple[type, ...],
    differ: str,
    statements: set[str],
    hazards: HazardRule = no_hazards,
) -> Kind:
    """A kind whose code still lives across the layers (schemakit.kinds.pending)."""
    return Kind(name, ranks, classes, pending_differ(differ), hazards, frozenset(statements))


KINDS: tuple[Kind, ...] = (
    _pending("schema", (("schema", 0),), (Schema,), "_schemas", {"create_schema"}),
    _pending("extension", (("extension", 1),), (Extension,), "_extensions", {"create_extension"}, extension_hazards),
    ENUM,
    DOMAIN,
    COMPOSITE,
    RANGE,
    COLLATION,
    _pending("sequence", (("sequence", 3),), (Sequence,), "_sequences", {"create_sequence", "alter_sequence"}),
    _pending("table", (("table", 5),), (Table,), "_tables", {"create_table", "alter_table"}, table_hazards),
    _pending(
        "view", (("view", 8), ("materialized view", 9)), (View,), "_views",
        {"create_view", "create_materialized_view", "alter_view", "alter_materialized_view"},
    ),
    _pending("constraint", (("table constraint", 6),), (Constraint,), "_constraints", {"alter_table"}, constraint_hazards),
    _pending("index", (("index", 7),), (Index,), "_indexes", {"create_index", "alter_index"}, index_hazards),
    _pending(
        "function", (("function", 4), ("procedure", 4)), (Function,), "_functions",
        {"create_function", "create_procedure", "alter_function", "alter_procedure"}, function_hazards,
    ),
    TRIGGER,
    EVENT_TRIGGER,
    POLICY,
    _pending("bucket", (("bucket", 12),), (Bucket,), "_buckets", {"bucket"}, bucket_hazards),
    _pending(
        "publication", (("publication", 12),), (Publication,), "_publications",
        {"create_publication", "alter_publication"},
    ),
    _pending("rows", (("rows", 12),), (TableRows,), "_rows", {"declared_rows"}, rows_hazards),
    _pending(
        "default privilege", (("default privilege", 1),), (DefaultPrivilege,), "_default_privileges",
        {"alter_default_privileges"},
    ),
    _pending("grant", (("grant", 13),), (Grant,), "_grants", {"grant", "revoke"}, grant_hazards),
)
"""Every object kind, in differ order (see the module's comment)."""

KIND_RANK: dict[str, int] = {key: rank for kind in KINDS for key, rank in kind.ranks}
"""Key kind → rank, from the kinds' own ranks (a key kind shared by several kinds has
one rank: tests/test_registry.py checks they agree)."""

HAZARD_RULES: tuple[HazardRule, ...] = tuple(dict.fromkeys([*(k.hazards for k in KINDS), *SHARED_HAZARDS]))
"""Every distinct hazard rule, each once (enums, domains and composites share one)."""

READ_STATEMENTS: frozenset[str] = frozenset().union(*(k.statements for k in KINDS)) | SHARED_STATEMENTS
"""Every statement kind some registered kind (or the shared rules) reads back."""

__all__ = ["HAZARD_RULES", "KINDS", "KIND_RANK", "Kind", "READ_STATEMENTS"]
