"""The parts of the kinds not moved into their own module yet, as the registry needs
them: each one's differ (still in ``schemakit.diff``, reached through
``pending_differ``) and each one's hazard rule (here, split per kind out of what was
one ``elif`` chain in ``plan.py``).

Moving a kind (docs/architecture.md) takes its rule from here into its module, and its
differ out of ``schemakit.diff``; when every kind has moved, this module is gone.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from schemakit import hazards as hz
from schemakit.changes import (
    Change,
    RebuildComposite,
    RebuildDomain,
    RebuildEnum,
)
from schemakit.hazards import Hazard
from schemakit.kinds.base import Context, Differ, on_table
from schemakit.model import Model


def pending_differ(name: str) -> Differ:
    """The differ ``schemakit.diff.<name>``, looked up when it runs (``schemakit.diff``
    imports the registry, so the registry cannot import it)."""

    def differ(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
        found: Differ = getattr(importlib.import_module("schemakit.diff"), name)
        return found(current, desired, ctx)

    differ.__name__ = differ.__qualname__ = name
    return differ


# -- hazard rules, one per kind ----------------------------------------------------------

_WIDENINGS = {
    ("smallint", "integer"),
    ("smallint", "bigint"),
    ("integer", "bigint"),
    ("real", "double precision"),
    ("character varying", "text"),
    ("character", "text"),
}


def widening(old: str, new: str) -> bool:
    """True when every value of type ``old`` fits ``new`` unchanged."""
    if (old, new) in _WIDENINGS:
        return True
    for base in ("character varying", "numeric"):
        if old.startswith(base + "(") and new in (base, "text" if base != "numeric" else base):
            return True
        if old.startswith(base + "(") and new.startswith(base + "("):
            o = [int(x) for x in old[len(base) + 1 : -1].split(",")]
            n = [int(x) for x in new[len(base) + 1 : -1].split(",")]
            return all(b >= a for a, b in zip(o, n)) and (len(o) < 2 or o[1] == n[1])
    return False


def type_rebuild_hazards(c: Change, current: Model) -> list[Hazard]:
    """Enums, domains and composites rebuilt: the columns of the type are converted."""
    if not isinstance(c, (RebuildEnum, RebuildDomain, RebuildComposite)):
        return []
    out: list[Hazard] = []
    narrowing = isinstance(c, RebuildDomain) and not widening(c.old.base_type, c.new.base_type)
    for t, col in c.columns:
        if narrowing:
            assert isinstance(c, RebuildDomain)
            out.append(
                Hazard(
                    hz.DELETES_DATA,
                    f"{col.name}: {c.old.base_type} → {c.new.base_type} may not fit every value",
                    t.identity,
                )
            )
        out.append(Hazard(hz.TABLE_REWRITE, f"{col.name} is converted to the rebuilt {c.key[1]}", t.identity))
        out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"altering column type of {t.identity}", t.identity))
    return out
