"""The hazards of one change: each kind's hazard rule (``Kind.hazards``, from the
registry in ``schemakit.kinds``) plus the rules shared by every kind (ownership), and
which of them gate an apply (``decide``)."""

from __future__ import annotations

from schemakit import hazards as hz
from schemakit.changes import Change
from schemakit.hazards import Hazard
from schemakit.kinds import HAZARD_RULES
from schemakit.kinds.columns import volatile_default_hazards
from schemakit.kinds.columns import widening
from schemakit.model import Model

__all__ = ["decide", "hazards_of", "volatile_default_hazards", "widening"]


def hazards_of(c: Change, current: Model) -> list[Hazard]:
    """The hazards of one change, given the state it starts from: what the rule of its
    kind says (a rule answers [] for the changes of other kinds)."""
    out: list[Hazard] = []
    for rule in HAZARD_RULES:
        out.extend(rule(c, current))
    return out


def decide(h: Hazard, current: Model, tables_with_rows: frozenset[str] | None) -> Hazard:
    """Whether ``h`` gates the apply: always for lost data; for the row-gated hazards,
    only on a table that holds rows (or when that is unknown)."""
    if h.name == hz.DELETES_DATA:
        gates = True
    elif h.name in hz.ROW_GATED:
        gates = h.table is None or tables_with_rows is None or h.table in tables_with_rows
    else:
        gates = False
    return Hazard(name=h.name, detail=h.detail, table=h.table, gates=gates)
