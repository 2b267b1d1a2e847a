"""Renames (issue 15): declared by ``-- schemakit: renamed-from <old>`` directives in the
schema files, planned as ``ALTER ... RENAME`` so that the data stays; and suggested,
when a plan drops one object and adds another of the same shape.

- ``directives``: the directives of the schema files (located, for errors);
- ``prepass``: before the diff, the current model with the renames done, and the
  rename changes (the diff then sees no drop and add);
- ``changes``: the rename changes, their guarded SQL and hazards;
- ``suggest``: the possible renames of a plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from schemakit.changes import Change
from schemakit.kinds.enum import AddEnumValue
from schemakit.model import Key, Model
from schemakit.phases import WITH_ENUM_VALUES
from schemakit.plan import Plan, Step
from schemakit.render.guard import render_change
from schemakit.renames.changes import RenameColumn, RenameObject, rename_hazards
from schemakit.renames.directives import Directive, declared_renames
from schemakit.renames.prepass import Renamed, apply_renames
from schemakit.renames.suggest import PossibleRename, possible_renames

__all__ = [
    "Directive",
    "PossibleRename",
    "RenameColumn",
    "RenameObject",
    "Renamed",
    "apply_renames",
    "declared_renames",
    "enum_renames",
    "possible_renames",
    "with_renames",
]


def enum_renames(
    asked: Mapping[str, Mapping[str, str]] | None, declared: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]]:
    """The enum value renames of the command line (``--rename-enum-value``) and of the
    directives, for the diff's RenameEnumValue."""
    out = {k: dict(v) for k, v in (asked or {}).items()}
    for enum, values in declared.items():
        out.setdefault(enum, {}).update(values)
    return out


def with_renames(plan: Plan, current: Model, done: Renamed, changes: Sequence[Change]) -> Plan:
    """The plan made from the renamed model, with the rename steps first (every other
    step was planned as if they had run), the fingerprint of the target as it is, and
    the possible renames of ``changes`` (the diff's)."""
    gaining = {c.key for c in changes if isinstance(c, AddEnumValue)}
    steps = tuple(
        Step(change=c, sql=_early(c, gaining, render_change(c)), hazards=tuple(rename_hazards(c))) for c in done.changes
    )
    return replace(
        plan,
        steps=steps + plan.steps,
        current_fingerprint=current.fingerprint(),
        possible_renames=possible_renames(changes),
    )


def _early(c: Change, gaining: set[Key], statements: list[str]) -> tuple[str, ...]:
    """A type that gains enum values is renamed in their phase, before they are added
    under its new name (schemakit.phases)."""
    if c.key in gaining:
        return tuple(WITH_ENUM_VALUES + s for s in statements)
    return tuple(statements)
