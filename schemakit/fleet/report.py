"""What a fleet run shows: the live status table, the plans grouped by the targets'
state, and the JSON report.

The live table (rich) shows on standard error when it is a terminal that shows colour
(the command line's ``color_enabled``); elsewhere each target that finishes is one
plain line. Nothing here ever prints a URL's password: targets are shown by name.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from schemakit import __version__
from schemakit.fleet.run import FleetOutcome, State, TargetResult
from schemakit.plan import Plan
from schemakit.render.formats import as_grouped_markdown, as_json_data, summary_lines

REPORT_VERSION = 1
STATE_STYLES: dict[State, str] = {
    State.WAITING: "dim",
    State.PLANNING: "cyan",
    State.APPLYING: "yellow",
    State.APPLIED: "green",
    State.UNCHANGED: "green",
    State.PENDING: "yellow",
    State.FAILED: "bold red",
    State.UNREACHABLE: "bold red",
    State.SKIPPED: "magenta",
}
MAX_LIVE_ROWS = 20
ERROR_WIDTH = 70


def short(text: str, width: int = ERROR_WIDTH) -> str:
    """The first line of ``text``, cut to ``width`` characters."""
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= width else first[: width - 1] + "…"


def exit_code(outcome: FleetOutcome) -> int:
    """0 only if every target is applied or unchanged (pending, for a plan); else 1, or
    130 when interrupted (``schemakit.errors``)."""
    from schemakit.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK

    if outcome.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if all(r.state.ok for r in outcome.results) else EXIT_ERROR


def counts(results: Sequence[TargetResult]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        out[r.state.value] = out.get(r.state.value, 0) + 1
    return out


def counts_line(results: Sequence[TargetResult]) -> str:
    return ", ".join(f"{n} {state}" for state, n in counts(results).items())


# -- the live status ---------------------------------------------------------------------


class StatusBoard:
    """Listens to a run (``FleetRun``'s listener): a live table on a terminal, else a
    plain line per finished target. Use as a context manager around the run."""

    def __init__(self, total: int, stream: TextIO | None = None, *, live: bool = False) -> None:
        self._stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._results: dict[str, TargetResult] = {}
        self._order: list[str] = []
        self._total = total
        self._finished = 0
        self.live = live  # the caller knows whether the stream shows colour
        self._live: Live | None = None

    def __enter__(self) -> StatusBoard:
        if self.live:
            out = Console(file=self._stream, force_terminal=True, highlight=False, markup=False)
            self._live = Live(self._render(), console=out, refresh_per_second=8, transient=True)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
            out = Console(file=self._stream, force_terminal=True, highlight=False, markup=False)
            out.print(self._table(list(self._results.values())))

    def __call__(self, result: TargetResult) -> None:
        with self._lock:
            name = result.target.name
            if name not in self._results:
                self._order.append(name)
            self._results[name] = result
            if result.state.done:
                self._finished += 1
            if self._live is not None:
                self._live.update(self._render())
                return
            if result.state.done:
                self._stream.write(self._plain(result) + "\n")
                self._stream.flush()

    def _plain(self, r: TargetResult) -> str:
        error = f"  {short(r.error)}" if r.error else ""
        return f"[{self._finished}/{self._total}] {r.target.name}: {r.state.value} ({r.seconds:.2f}s){error}"

    def _render(self) -> Group:
        results = [self._results[n] for n in self._order]
        shown = [r for r in results if not r.state.done or r.state in (State.FAILED, State.UNREACHABLE)]
        shown = shown[-MAX_LIVE_ROWS:]
        footer = Text(f"{self._finished}/{self._total} done: {counts_line(results)}", style="dim")
        return Group(self._table(shown), footer)

    @staticmethod
    def _table(results: Sequence[TargetResult]) -> Table:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in ("target", "state", "time", "error"):
            table.add_column(column, no_wrap=True, overflow="ellipsis", justify="right" if column == "time" else "left")
        for r in results:
            table.add_row(
                r.target.name,
                Text(r.state.value, style=STATE_STYLES[r.state]),
                f"{r.seconds:.2f}s" if r.state.done else "",
                short(r.error),
            )
        return table


# -- plans by group ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanGroup:
    """Targets in the same state (their catalogs' fingerprint), and so with one plan."""

    current_fingerprint: str
    plan: Plan
    targets: tuple[TargetResult, ...]


def plan_groups(results: Sequence[TargetResult]) -> list[PlanGroup]:
    """The planned targets grouped by (current, desired) fingerprint, largest first
    (ties in file order); targets without a plan (unreachable, failed) are left out."""
    groups: dict[tuple[str, str], list[TargetResult]] = {}
    for r in results:
        if r.plan is not None:
            groups.setdefault((r.current_fingerprint, r.desired_fingerprint), []).append(r)
    ordered = sorted(groups.values(), key=lambda rs: (-len(rs), rs[0].target.index))
    out = []
    for members in ordered:
        plan = members[0].plan
        assert plan is not None
        out.append(PlanGroup(members[0].current_fingerprint, plan, tuple(members)))
    return out


def _not_planned(results: Sequence[TargetResult]) -> list[TargetResult]:
    return [r for r in results if r.plan is None]


def grouped_text(outcome: FleetOutcome) -> Iterator[tuple[str, str]]:
    """The text plan of a fleet: per group, its targets and its plan (styled lines)."""
    groups = plan_groups(outcome.results)
    total = len(outcome.results)
    yield ("heading", f"{total} targets in {len(groups)} state{'s' if len(groups) != 1 else ''} ({counts_line(outcome.results)})")
    for i, group in enumerate(groups, 1):
        names = ", ".join(r.target.name for r in group.targets)
        yield ("plain", "")
        yield ("heading", f"== group {i} of {len(groups)}: {len(group.targets)} target{'s' if len(group.targets) != 1 else ''}, state {group.current_fingerprint}")
        yield ("plain", f"targets: {names}")
        yield from summary_lines(group.plan)
    missing = _not_planned(outcome.results)
    if missing:
        yield ("plain", "")
        yield ("heading", f"== not planned: {len(missing)} target{'s' if len(missing) != 1 else ''}")
        for r in missing:
            yield ("error", f"  {r.target.name}: {r.state.value}: {short(r.error)}")


def grouped_markdown(outcome: FleetOutcome) -> Iterator[str]:
    groups = plan_groups(outcome.results)
    yield f"# Fleet plan: {len(outcome.results)} targets in {len(groups)} state{'s' if len(groups) != 1 else ''}\n\n"
    for i, group in enumerate(groups, 1):
        yield f"## Group {i}: {len(group.targets)} targets (state `{group.current_fingerprint}`)\n\n"
        yield "Targets: " + ", ".join(f"`{r.target.name}`" for r in group.targets) + "\n\n"
        yield from as_grouped_markdown(group.plan)
        yield "\n"
    missing = _not_planned(outcome.results)
    if missing:
        yield "## Not planned\n\n"
        for r in missing:
            yield f"- `{r.target.name}`: {r.state.value}: {short(r.error)}\n"


# -- the JSON report -----------------------------------------------------------------------


def target_data(r: TargetResult) -> dict[str, Any]:
    return {
        "name": r.target.name,
        "url": r.target.label,
        "group": r.target.group or None,
        "state": r.state.value,
        "seconds": round(r.seconds, 3),
        "current_fingerprint": r.current_fingerprint or None,
        "desired_fingerprint": r.desired_fingerprint or None,
        "changes": r.changes,
        "statements": r.statements,
        "error": r.error or None,
        "hint": r.hint or None,
        "failing_statement": r.statement or None,
        "rolled_back": r.rolled_back if r.state is State.FAILED else None,
    }


def report_data(outcome: FleetOutcome, *, command: str, with_plans: bool = False) -> dict[str, Any]:
    """The JSON report: every target's state and error, the counts, which were applied;
    with ``with_plans`` (``plan --targets --format json``), each group's plan too."""
    data: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "schemakit_version": __version__,
        "command": command,
        "seconds": round(outcome.seconds, 3),
        "interrupted": outcome.interrupted,
        "canary_failed": outcome.canary_failed,
        "shadow_loads": outcome.shadow_loads,
        "counts": counts(outcome.results),
        "applied": [r.target.name for r in outcome.results if r.state is State.APPLIED],
        "ok": exit_code(outcome) == 0,
        "targets": [target_data(r) for r in outcome.results],
    }
    if with_plans:
        data["groups"] = [
            {
                "current_fingerprint": g.current_fingerprint,
                "targets": [r.target.name for r in g.targets],
                "plan": as_json_data(g.plan),
            }
            for g in plan_groups(outcome.results)
        ]
    return data


def report_json(outcome: FleetOutcome, *, command: str, with_plans: bool = False) -> str:
    return json.dumps(report_data(outcome, command=command, with_plans=with_plans), indent=2) + "\n"


def final_lines(outcome: FleetOutcome) -> list[tuple[str, str]]:
    """The closing summary of ``apply --targets``: counts, then each failure with its error."""
    lines: list[tuple[str, str]] = []
    applied = [r for r in outcome.results if r.state is State.APPLIED]
    if outcome.interrupted:
        lines.append(("error", f"interrupted: in-flight targets were rolled back; applied before the interruption: {', '.join(r.target.name for r in applied) or 'none'}"))
    if outcome.canary_failed:
        lines.append(("error", "a canary failed: no other target was touched"))
    for r in outcome.results:
        if r.state in (State.FAILED, State.UNREACHABLE):
            undone = " (rolled back: nothing changed)" if r.state is State.FAILED and r.rolled_back else ""
            lines.append(("error", f"{r.target.name}: {r.state.value}{undone}: {r.error}"))
            if r.hint:
                lines.append(("hint", f"  hint: {r.hint}"))
    lines.append(("heading", f"{len(outcome.results)} targets in {outcome.seconds:.2f}s: {counts_line(outcome.results)}"))
    return lines
