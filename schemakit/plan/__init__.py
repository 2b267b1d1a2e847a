"""Changes → Plan: dependency-ordered steps, each with its SQL and hazards.

- ``order.py``: the order (the dependency graph, ties broken by the kinds' ranks);
- ``hazards.py``: each change's hazards (the kinds' hazard rules) and which gate;
- here: ``Step``, ``Plan`` and ``make_plan``, which puts them together with the SQL the
  caller's renderer gives (this package does not import ``schemakit.render``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from schemakit import hazards as hz
from schemakit.changes import Change
from schemakit.hazards import Hazard
from schemakit.kinds import KIND_RANK
from schemakit.model import Model
from schemakit.plan.hazards import decide, hazards_of, volatile_default_hazards
from schemakit.plan.order import ACTION_RANK, DEFAULTED_KINDS, RELATION_KINDS, PlanError, order_changes

if TYPE_CHECKING:
    from schemakit.renames.suggest import PossibleRename

__all__ = [
    "ACTION_RANK",
    "DEFAULTED_KINDS",
    "KIND_RANK",
    "RELATION_KINDS",
    "Plan",
    "PlanError",
    "Step",
    "StepsView",
    "hazards_of",
    "make_plan",
    "order_changes",
    "volatile_default_hazards",
]


@dataclass(frozen=True)
class Step:
    change: Change
    sql: tuple[str, ...]
    hazards: tuple[Hazard, ...] = ()
    transactional: bool = True  # False: runs after the main transaction commits (schemakit.online)

    @property
    def summary(self) -> str:
        return self.change.describe()

    @property
    def destructive(self) -> bool:
        return any(h.name == hz.DELETES_DATA for h in self.hazards)


class StepsView:
    """What a live plan and a saved plan share: reading their steps."""

    steps: tuple[Any, ...]

    @property
    def empty(self) -> bool:
        return not self.steps

    @property
    def statements(self) -> list[str]:
        return [s for step in self.steps for s in step.sql]


@dataclass(frozen=True)
class Plan(StepsView):
    steps: tuple[Step, ...]
    current_fingerprint: str
    desired_fingerprint: str
    warnings: tuple[str, ...] = field(default=())
    possible_renames: tuple[PossibleRename, ...] = ()  # schemakit.renames.suggest

    @property
    def hazards(self) -> list[Hazard]:
        return [h for step in self.steps for h in step.hazards]


def make_plan(
    current: Model,
    desired: Model,
    changes: list[Change],
    *,
    render: Callable[[Change], list[str]],
    tables_with_rows: frozenset[str] | None = None,
    warnings: tuple[str, ...] = (),
) -> Plan:
    """Order ``changes`` and attach SQL and hazards.

    ``render`` turns one change into its SQL (``schemakit.render.sql.render_change``:
    the renderer is a layer above the plan, so the caller hands it in).
    ``tables_with_rows`` names (by identity) the tables that hold rows; None
    means unknown, and then every existing table is assumed to hold rows.
    """
    ordered = order_changes(current, desired, changes)
    steps = tuple(
        Step(
            change=c,
            sql=tuple(render(c)),
            hazards=tuple(decide(h, current, tables_with_rows) for h in hazards_of(c, current)),
        )
        for c in ordered
    )
    return Plan(
        steps=steps,
        current_fingerprint=current.fingerprint(),
        desired_fingerprint=desired.fingerprint(),
        warnings=warnings,
    )
