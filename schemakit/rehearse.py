"""Rehearsal: run a plan on a shadow copy of the target before touching the target.

1. Build the target's current model in a fresh shadow database: plan from the
   shadow's empty state to the target's model, and apply that plan there.
   (Schema only: rows are not copied.)
2. Apply the plan under test there, every phase, as ``apply`` would.
3. Read the shadow back: its model must have the plan's desired fingerprint.

Any failure or leftover difference is a :class:`RehearsalError` carrying the
changes that would still be needed; nothing has touched the target yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from schemakit.apply import ApplyError, PlanLike, Settings, execute_plan
from schemakit.catalog import read_model
from schemakit.changes import Change
from schemakit.connect import connect
from schemakit.diff import diff_models
from schemakit.errors import EXIT_REFUSED, SchemakitError
from schemakit.model import Model
from schemakit.options import plural
from schemakit.plan import Plan
from schemakit.server import shadow
from schemakit.workflow import plan_models


class RehearsalError(SchemakitError):
    """The plan did not do what it promised on the shadow copy."""

    exit_code = EXIT_REFUSED

    def __init__(self, message: str, *, hint: str | None = None, leftover: tuple[Change, ...] = ()) -> None:
        super().__init__(message, hint=hint)
        self.leftover = leftover

    def lines(self) -> list[str]:
        out = [f"\nrefused: {self.message}"]
        if self.leftover:
            out.append(f"still to do after the plan ({plural(len(self.leftover), 'change')}):")
            out += [f"  {change.action} {change.describe()}" for change in self.leftover]
        if self.hint:
            out.append(f"hint: {self.hint}")
        return out + ["nothing was changed."]


def rehearse(
    plan: Plan | PlanLike,
    current: Model,
    shadow_admin_url: str,
    *,
    baseline: bool,
    desired: Callable[[], Model | None],
    settings: Settings = Settings(),
) -> None:
    """Raise :class:`RehearsalError` unless ``plan`` takes a copy of ``current`` to its
    desired state. ``desired`` gives the desired model (or None when unknown), only
    called to explain a failure."""
    with shadow.temporary_database(shadow_admin_url, baseline=baseline, prefix="schemakit_rehearsal") as url:
        with connect(url, autocommit=True, given_by="--shadow-url (or the local server)") as conn:
            _reproduce(conn, current, settings)
            try:
                execute_plan(conn, plan, settings, history=False)
            except ApplyError as exc:
                raise RehearsalError(
                    f"the plan failed when rehearsed on a shadow copy of the target: {exc.message}",
                    hint="the target was not touched; plan again, or report a schemakit bug "
                    "(pass --no-rehearse to skip the rehearsal)",
                ) from None
            result = read_model(conn)
    if result.fingerprint() == plan.desired_fingerprint:
        return
    wanted = desired()
    leftover = tuple(diff_models(result, wanted)) if wanted is not None else ()
    raise RehearsalError(
        "rehearsal failed: after the plan ran on a shadow copy of the target, the schema is not "
        f"the desired state (expected state {plan.desired_fingerprint}, got {result.fingerprint()})",
        hint="the target was not touched; the plan is wrong: plan again from the schema files "
        "(pass --no-rehearse to skip the rehearsal)",
        leftover=leftover,
    )


def _reproduce(conn: psycopg.Connection[Any], current: Model, settings: Settings) -> None:
    start = read_model(conn)
    setup = plan_models(start, current)
    try:
        execute_plan(conn, setup, settings, history=False)
    except ApplyError as exc:
        raise RehearsalError(
            f"could not rebuild the target's schema on a shadow database for the rehearsal: {exc.message}",
            hint="pass --no-rehearse to apply without a rehearsal",
        ) from None
    rebuilt = read_model(conn)
    missing = diff_models(rebuilt, current)
    if missing:
        raise RehearsalError(
            "could not rebuild the target's schema on a shadow database for the rehearsal: "
            f"{plural(len(missing), 'difference')} {'remains' if len(missing) == 1 else 'remain'}, first: {missing[0].describe()}",
            hint="pass --no-rehearse to apply without a rehearsal",
            leftover=tuple(missing),
        )


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_remote(url: str, embedded: bool) -> bool:
    """Whether a target is reached over the network: not the embedded local server,
    not a Unix socket, not a loopback address. ``apply`` rehearses remote targets
    by default."""
    if embedded:
        return False
    try:
        host = conninfo_to_dict(url).get("host") or ""
    except psycopg.ProgrammingError:
        return True
    hosts = [h.strip() for h in str(host).split(",") if h.strip()]
    return any(not (h.startswith("/") or h.startswith("@") or h in LOCAL_HOSTS) for h in hosts)
