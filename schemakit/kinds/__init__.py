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
from schemakit.kinds.bucket import BUCKET
from schemakit.kinds.default_privilege import DEFAULT_PRIVILEGE
from schemakit.kinds.constraint import CONSTRAINT
from schemakit.kinds.collation import COLLATION
from schemakit.kinds.composite import COMPOSITE
from schemakit.kinds.domain import DOMAIN
from schemakit.kinds.enum import ENUM
from schemakit.kinds.event_trigger import EVENT_TRIGGER
from schemakit.kinds.extension import EXTENSION
from schemakit.kinds.function import FUNCTION
from schemakit.kinds.grant import GRANT
from schemakit.kinds.index import INDEX
from schemakit.kinds.policy import POLICY
from schemakit.kinds.sequence import SEQUENCE
from schemakit.kinds.table import TABLE
from schemakit.kinds.publication import PUBLICATION
from schemakit.kinds.rows import ROWS
from schemakit.kinds.schema import SCHEMA
from schemakit.kinds.range import RANGE
from schemakit.kinds.trigger import TRIGGER
from schemakit.kinds.view import VIEW


KINDS: tuple[Kind, ...] = (
    SCHEMA,
    EXTENSION,
    ENUM,
    DOMAIN,
    COMPOSITE,
    RANGE,
    COLLATION,
    SEQUENCE,
    TABLE,
    VIEW,
    CONSTRAINT,
    INDEX,
    FUNCTION,
    TRIGGER,
    EVENT_TRIGGER,
    POLICY,
    BUCKET,
    PUBLICATION,
    ROWS,
    DEFAULT_PRIVILEGE,
    GRANT,
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
