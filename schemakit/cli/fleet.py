"""``plan --targets FILE`` and ``apply --targets FILE``: the typer side of
``schemakit.fleet``. ``schemakit.cli``'s plan and apply take the options below and,
when ``--targets`` is given, hand over to :func:`fleet_plan` / :func:`fleet_apply`."""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from schemakit.cli import console
from schemakit.errors import EXIT_ERROR, Interrupted, UsageError
from schemakit.options import plural
from schemakit.profile import Profile
from schemakit.workflow import Project, load_sources

if TYPE_CHECKING:
    from schemakit.fleet.run import FleetOptions, FleetOutcome
    from schemakit.fleet.targets import Fleet

# schemakit.fleet (and schemakit.deploy) are imported when --targets is given: not at
# every plan's start.

TargetsOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--targets",
        help="Plan or apply to every database of this file (one URL a line, `NAME = URL`, "
        "`query: URL SQL` returning URLs; or TOML with names, groups, order and a canary group). "
        "Passwords come from PGPASSWORD, ~/.pgpass or ${VAR} in a URL, and are never printed.",
        show_default=False,
    ),
]
ParallelOpt = Annotated[int, typer.Option("--parallel", min=1, help="With --targets: how many targets are planned or applied at once.")]
CanaryOpt = Annotated[
    int,
    typer.Option("--canary", min=0, help="With --targets: apply the first K targets (or the TOML file's canary group) first; the others only if they all succeed."),
]
ReportOpt = Annotated[
    Optional[Path],
    typer.Option("--report", help="With --targets: write the JSON report (every target's state, time and error) to this file.", show_default=False),
]


class OnError(str, enum.Enum):
    stop = "stop"
    continue_ = "continue"


OnErrorOpt = Annotated[
    OnError,
    typer.Option("--on-error", help="With --targets: after a failed target, `stop` starts no new one (those running finish), `continue` goes on."),
]


@dataclass(frozen=True)
class FleetFlags:
    """What ``plan``/``apply`` pass on besides the targets file."""

    schema_dir: Path | None = None
    shadow_url: str | None = None
    profile: Profile | None = None
    parallel: int = 4
    report: Path | None = None
    fmt: str = "text"
    conflicting: tuple[str, ...] = ()  # options given that do not apply with --targets


def _err(text: str) -> None:
    console.say(text, console.message_style(text))


def _prepare(targets: Path, flags: FleetFlags) -> tuple[Fleet, Project, FleetOptions]:
    if flags.conflicting:
        raise UsageError(f"--targets plans every database of the file; {', '.join(flags.conflicting)} do not apply with it")
    if flags.fmt == "sql":
        raise UsageError("--targets shows plans as text, json or markdown (a SQL script is per database)")
    from schemakit.fleet.run import FleetOptions
    from schemakit.fleet.targets import load_targets

    fleet = load_targets(targets)
    project = Project.find(flags.schema_dir)
    statements = tuple(load_sources(project, lambda text: _err(f"note: {text}")))
    options = FleetOptions(project, statements, flags.shadow_url, parallel=flags.parallel, profile=flags.profile)
    return fleet, project, options


def _run(fleet: Fleet, options: FleetOptions, verb: str) -> FleetOutcome:
    from schemakit.fleet.report import StatusBoard
    from schemakit.fleet.run import FleetRun

    _err(f"{verb} {plural(len(fleet.targets), 'target')}, {options.parallel} at a time ...")
    board = StatusBoard(len(fleet.targets), live=console.color_enabled(sys.stderr))
    with board:
        return FleetRun(fleet, options, board).run()


def _write_report(outcome: FleetOutcome, flags: FleetFlags, command: str) -> None:
    from schemakit.fleet.report import report_json

    if flags.report is not None:
        flags.report.parent.mkdir(parents=True, exist_ok=True)
        flags.report.write_text(report_json(outcome, command=command, with_plans=command == "plan"), encoding="utf-8")
        _err(f"wrote {flags.report}")


def _ended(outcome: FleetOutcome) -> None:
    from schemakit.fleet.report import exit_code

    code = exit_code(outcome)
    if outcome.interrupted:
        applied = [r.target.name for r in outcome.results if r.state.value == "applied"]
        raise Interrupted(
            "interrupted: the targets in flight were rolled back; "
            + (f"applied before: {', '.join(applied)}" if applied else "none was applied")
        )
    if code:
        raise typer.Exit(code)


def fleet_plan(targets: Path, flags: FleetFlags) -> None:
    """``plan --targets FILE``: every target's plan, grouped by the targets' state."""
    from schemakit.fleet.report import grouped_markdown, grouped_text, report_json

    fleet, _, options = _prepare(targets, flags)
    outcome = _run(fleet, options, "planning")
    if flags.fmt == "json":
        sys.stdout.write(report_json(outcome, command="plan", with_plans=True))
    elif flags.fmt == "markdown":
        sys.stdout.writelines(grouped_markdown(outcome))
    else:
        console.write_lines(grouped_text(outcome), sys.stdout)
    _write_report(outcome, flags, "plan")
    _ended(outcome)


@dataclass(frozen=True)
class ApplyFlags:
    yes: bool = False
    canary: int = 0
    on_error: OnError = OnError.continue_
    allow_destructive: bool = False
    allow_hazards: str = ""
    allow_drop_all: bool = False
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    lock_retries: int = 2


def fleet_apply(targets: Path, flags: FleetFlags, how: ApplyFlags) -> None:
    """``apply --targets FILE``: apply to every target, canaries first; a live status
    table, then the failures and a JSON report (``--report``, or ``--format json``)."""
    from schemakit.deploy import allowed_hazards
    from schemakit.fleet.report import final_lines, report_json

    fleet, _, base = _prepare(targets, flags)
    allowed = allowed_hazards(how.allow_hazards)
    options = replace(
        base,
        apply=True,
        canary=how.canary,
        stop_on_error=how.on_error is OnError.stop,
        allow_destructive=how.allow_destructive,
        allow_hazards=allowed,
        allow_drop_all=how.allow_drop_all,
        lock_timeout=how.lock_timeout,
        statement_timeout=how.statement_timeout,
        lock_retries=how.lock_retries,
    )
    if not how.yes:
        _confirm(fleet, base)
    outcome = _run(fleet, options, "applying to")
    if flags.fmt == "json":
        sys.stdout.write(report_json(outcome, command="apply"))
    console.write_lines(final_lines(outcome), sys.stderr if flags.fmt == "json" else sys.stdout)
    _write_report(outcome, flags, "apply")
    _ended(outcome)


def _confirm(fleet: Fleet, base: FleetOptions) -> None:
    """Without --yes: on a terminal, show the grouped plan and ask; else refuse (exit 1)."""
    from schemakit.fleet.report import grouped_text

    if not sys.stdin.isatty():
        _err("not applied: pass --yes to apply from a script or CI (no terminal to confirm on).")
        raise typer.Exit(EXIT_ERROR)
    planned = _run(fleet, base, "planning")
    console.write_lines(grouped_text(planned), sys.stdout)
    if not typer.confirm(f"\nApply to {plural(len(fleet.targets), 'target')}?"):
        _err("not applied.")
        raise typer.Exit(EXIT_ERROR)


__all__ = [
    "ApplyFlags",
    "CanaryOpt",
    "FleetFlags",
    "OnError",
    "OnErrorOpt",
    "ParallelOpt",
    "ReportOpt",
    "TargetsOpt",
    "fleet_apply",
    "fleet_plan",
]
