"""Saved plans: the JSON written by ``plan --format json``, loaded back for ``apply PLAN.json``.

The format is documented in ``docs/plan-format.md``. A saved plan carries everything
apply needs: each step's SQL, its hazards (and whether they gate), the fingerprint
of the state it was planned from and of the desired state. ``apply_plan`` accepts a
SavedPlan as it accepts a Plan, and refuses it when the target's fingerprint is
no longer the planned-from one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemakit.errors import EXIT_ERROR, SchemakitError
from schemakit.hazards import KINDS
from schemakit.plan import StepsView
from schemakit.snapshot import read_json
from schemakit.render.formats import OUTSIDE, PLAN_FORMAT_VERSION, SIGN, phased_statements
from schemakit.render.sql import render_script

ACTIONS = frozenset(SIGN)


class SavedPlanError(SchemakitError):
    """A saved plan that cannot be read or is not one: exit 1."""

    exit_code = EXIT_ERROR


@dataclass(frozen=True)
class SavedHazard:
    name: str
    message: str
    gates: bool


@dataclass(frozen=True)
class SavedStep:
    action: str
    kind: str
    object: str
    summary: str
    sql: tuple[str, ...]
    hazards: tuple[SavedHazard, ...] = ()
    transactional: bool = True  # False: runs in the online phase, after the main transaction


@dataclass(frozen=True)
class SavedPlan(StepsView):
    steps: tuple[SavedStep, ...]
    current_fingerprint: str
    desired_fingerprint: str
    warnings: tuple[str, ...] = ()
    schemakit_version: str = ""

    @property
    def hazards(self) -> list[SavedHazard]:
        return [h for step in self.steps for h in step.hazards]

    def sql_script(self) -> str:
        header = "\n".join(
            [
                f"-- saved plan (schemakit {self.schemakit_version or 'unknown'})",
                f"-- from state {self.current_fingerprint} to state {self.desired_fingerprint}",
            ]
        )
        return render_script(phased_statements(self.steps), header=header)

    def as_text(self) -> str:
        n = len(self.steps)
        lines = [f"warning: {w}" for w in self.warnings]
        if not n:
            return "\n".join([*lines, "No changes: the saved plan is empty."]) + "\n"
        lines.append(
            f"Saved plan: {n} change{'s' if n != 1 else ''}, "
            f"from state {self.current_fingerprint} to state {self.desired_fingerprint}."
        )
        lines.append("")
        for s in self.steps:
            warn = "!" if any(h.name == "DELETES_DATA" for h in s.hazards) else " "
            marks = " ".join(f"[{h.name}]" for h in s.hazards)
            where = "" if s.transactional else f"   {OUTSIDE}"
            lines.append(f"{warn}{SIGN[s.action]} {s.summary}" + (f"   {marks}" if marks else "") + where)
        return "\n".join(lines) + "\n"


def _need(data: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise SavedPlanError(f"{where}: missing or invalid {name!r}")
    return value


def parse_saved_plan(data: Any, source: str = "plan") -> SavedPlan:
    if not isinstance(data, dict) or "format_version" not in data:
        raise SavedPlanError(f"{source} is not a saved schemakit plan (no format_version)",
                             hint="write one with `schemakit plan --format json --out plan.json`")
    version = data["format_version"]
    if version != PLAN_FORMAT_VERSION:
        raise SavedPlanError(
            f"{source} has plan format_version {version!r}; this schemakit reads {PLAN_FORMAT_VERSION}",
            hint="plan again with this version of schemakit",
        )
    steps = []
    for i, raw in enumerate(_need(data, "steps", list, source)):
        where = f"{source}: step {i + 1}"
        if not isinstance(raw, dict):
            raise SavedPlanError(f"{where} is not an object")
        action = _need(raw, "action", str, where)
        if action not in ACTIONS:
            raise SavedPlanError(f"{where}: unknown action {action!r}")
        sql = _need(raw, "sql", list, where)
        transactional = raw.get("transactional", True)
        if not isinstance(transactional, bool):
            raise SavedPlanError(f"{where}: 'transactional' must be true or false")
        if not all(isinstance(s, str) for s in sql):
            raise SavedPlanError(f"{where}: 'sql' must be a list of strings")
        hazards = []
        for h in raw.get("hazards", []):
            if not isinstance(h, dict) or h.get("name") not in KINDS or not isinstance(h.get("gates"), bool):
                raise SavedPlanError(f"{where}: invalid hazard {h!r}")
            hazards.append(SavedHazard(h["name"], str(h.get("message", "")), h["gates"]))
        steps.append(
            SavedStep(
                action=action,
                kind=_need(raw, "kind", str, where),
                object=_need(raw, "object", str, where),
                summary=_need(raw, "summary", str, where),
                sql=tuple(sql),
                hazards=tuple(hazards),
                transactional=transactional,
            )
        )
    return SavedPlan(
        steps=tuple(steps),
        current_fingerprint=_need(data, "current_fingerprint", str, source),
        desired_fingerprint=_need(data, "desired_fingerprint", str, source),
        warnings=tuple(str(w) for w in data.get("warnings", [])),
        schemakit_version=str(data.get("schemakit_version", "")),
    )


def load_saved_plan(path: Path) -> SavedPlan:
    hint = "write a saved plan with `schemakit plan --format json --out plan.json`"
    return parse_saved_plan(read_json(path, "plan", SavedPlanError, hint), str(path))
