"""Hazards: what can go wrong when a statement runs on a live database.

Names follow pg-schema-diff. Each has a one-line explanation and a safer path.
Which hazards stop ``apply`` (DESIGN.md section 7):

- ``DELETES_DATA`` unless ``--allow-destructive``;
- the lock and rewrite hazards, on tables that hold rows, unless
  ``--allow-hazards NAME,...|all``;
- the others are shown but never stop ``apply``.
"""

from __future__ import annotations

from dataclasses import dataclass

DELETES_DATA = "DELETES_DATA"
TABLE_REWRITE = "TABLE_REWRITE"
ACQUIRES_ACCESS_EXCLUSIVE_LOCK = "ACQUIRES_ACCESS_EXCLUSIVE_LOCK"
ACQUIRES_SHARE_LOCK = "ACQUIRES_SHARE_LOCK"
INDEX_BUILD = "INDEX_BUILD"
INDEX_DROPPED = "INDEX_DROPPED"
AUTHZ_UPDATE = "AUTHZ_UPDATE"
HAS_UNTRACKABLE_DEPENDENCIES = "HAS_UNTRACKABLE_DEPENDENCIES"
EXTENSION_VERSION = "EXTENSION_VERSION"
RENAMES_OBJECT = "RENAMES_OBJECT"


@dataclass(frozen=True)
class HazardKind:
    name: str
    explanation: str
    safer: str
    gated_by_rows: bool = False  # gates only when the table holds rows


KINDS: dict[str, HazardKind] = {
    k.name: k
    for k in (
        HazardKind(
            DELETES_DATA,
            "permanently deletes data (a table, a column, a bucket or values that no longer fit)",
            "back the data up or migrate it first; pass --allow-destructive when it is intended",
        ),
        HazardKind(
            TABLE_REWRITE,
            "rewrites the whole table while holding an ACCESS EXCLUSIVE lock",
            "add a new column, backfill it in batches, then swap",
            gated_by_rows=True,
        ),
        HazardKind(
            ACQUIRES_ACCESS_EXCLUSIVE_LOCK,
            "blocks all reads and writes of the table while it runs",
            "run it in a quiet window, or use a NOT VALID constraint validated later",
            gated_by_rows=True,
        ),
        HazardKind(
            ACQUIRES_SHARE_LOCK,
            "blocks writes to the table while it runs",
            "run it in a quiet window, or build the index CONCURRENTLY (--online)",
            gated_by_rows=True,
        ),
        HazardKind(
            INDEX_BUILD,
            "builds an index on an existing table, which takes time and I/O",
            "build it CONCURRENTLY outside the transaction (--online)",
            gated_by_rows=True,
        ),
        HazardKind(
            INDEX_DROPPED,
            "drops an index: queries that used it may become slow",
            "check that no query plan relies on it",
        ),
        HazardKind(
            AUTHZ_UPDATE,
            "changes who may read or write data (policy, grant or row level security)",
            "review the policy change with the security owner",
        ),
        HazardKind(
            HAS_UNTRACKABLE_DEPENDENCIES,
            "changes a function whose callers PostgreSQL does not track",
            "check the callers (other functions, application code) still work",
        ),
        HazardKind(
            EXTENSION_VERSION,
            "changes an extension's version",
            "read the extension's upgrade notes",
        ),
        HazardKind(
            RENAMES_OBJECT,
            "renames an object (a declared rename): queries, function bodies and application code that use the old name stop working",
            "deploy code that works with both names first, then rename",
        ),
    )
}

ROW_GATED = frozenset(k.name for k in KINDS.values() if k.gated_by_rows)


@dataclass(frozen=True)
class Hazard:
    name: str
    detail: str = ""
    table: str | None = None  # the table whose rows decide whether it gates
    gates: bool = False  # decided by the plan: does it stop apply unless allowed?

    @property
    def kind(self) -> HazardKind:
        return KINDS[self.name]

    @property
    def message(self) -> str:
        text = self.kind.explanation
        return f"{text} ({self.detail})" if self.detail else text


def blocked(hazards: list[Hazard], *, allow_destructive: bool, allow: frozenset[str]) -> list[Hazard]:
    """The gating hazards the given flags do not allow. ``all`` allows every hazard
    but data loss, which needs ``--allow-destructive`` (or naming DELETES_DATA)."""
    out = []
    for h in hazards:
        if not h.gates:
            continue
        if h.name == DELETES_DATA:
            if allow_destructive or DELETES_DATA in allow:
                continue
        elif h.name in allow or "all" in allow:
            continue
        out.append(h)
    return out
