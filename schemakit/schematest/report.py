"""The outcome of a test run, and its text: failures at ``file:line``, then ``N passed, N failed``."""

from __future__ import annotations

from dataclasses import dataclass

from schemakit.options import plural

_SHOWN = 300  # characters of a value shown in a failure


@dataclass(frozen=True)
class Outcome:
    """One check: an expectation, a pgTAP test, or a statement that failed unexpectedly."""

    file: str
    line: int  # of the expectation (or of the statement, when it has none)
    passed: bool
    check: str  # what was checked: "expect: 1 rows", "pgTAP test 3 - ..."
    detail: str = ""  # what happened, for a failure
    context: str = ""  # the role and the statement

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class FileResult:
    file: str
    outcomes: tuple[Outcome, ...] = ()
    skipped: str | None = None  # why the file did not run

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.passed)


@dataclass(frozen=True)
class SuiteReport:
    files: tuple[FileResult, ...]
    where: str = ""  # what the tests ran against, for the first line

    @property
    def passed(self) -> int:
        return sum(f.passed for f in self.files)

    @property
    def failed(self) -> int:
        return sum(f.failed for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(1 for f in self.files if f.skipped is not None)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for f in self.files for o in f.outcomes if not o.passed)


def shorten(text: str, limit: int = _SHOWN) -> str:
    """``text`` on one line, cut at ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def summary(report: SuiteReport) -> str:
    """``N passed, N failed`` (``, N skipped`` when files were skipped)."""
    line = f"{report.passed} passed, {report.failed} failed"
    return line + (f", {report.skipped} skipped" if report.skipped else "")


def render_report(report: SuiteReport) -> list[str]:
    """One line per file, each failure under it at its ``file:line``, then the summary line."""
    lines: list[str] = []
    for result in report.files:
        if result.skipped is not None:
            lines.append(f"{result.file}: skipped ({result.skipped})")
            continue
        counts = f"{result.passed} passed" + (f", {result.failed} failed" if result.failed else "")
        lines.append(f"{result.file}: {counts}" if result.outcomes else f"{result.file}: no checks")
        for o in result.outcomes:
            if o.passed:
                continue
            lines.append(f"  {o.location}: FAILED {shorten(o.check, 60)}: {shorten(o.detail)}")
            if o.context:
                lines.append(f"      {shorten(o.context)}")
    files = plural(len(report.files), "file")
    lines.append("")
    lines.append(f"{files} run" + (f" against {report.where}" if report.where else ""))
    lines.append(summary(report))
    return lines
