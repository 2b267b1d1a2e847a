"""What people see on a terminal: coloured plans and messages, and progress bars (rich);
and the helpers every command prints with (``err``, ``note``, ``progress``, ``emit``,
``show_plan``).

Colour only where it can be seen: a stream that is a terminal, no ``NO_COLOR`` (any
non-empty value) and no ``--no-color``. Elsewhere (a pipe, a file, CI logs) the text
is written as is, without a single escape code. The live progress bar follows the
same rule on standard error; without it, progress is a plain line now and then.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from schemakit.plan import Plan
from schemakit.render.formats import STYLE_OF_SIGN, RowCounts, script, summary_lines

STYLES: dict[str, str] = {
    "create": "green",
    "drop": "red",
    "alter": "yellow",
    "heading": "bold",
    "hazard": "magenta",
    "gating": "bold magenta",
    "warning": "yellow",
    "error": "bold red",
    "hint": "cyan",
    "refused": "bold magenta",
    "progress": "dim",
    "note": "dim",
    "plain": "",
}

_disabled = False


def disable_color() -> None:
    """``--no-color``: no escape codes anywhere, for the rest of the process."""
    global _disabled
    _disabled = True


def color_enabled(stream: IO[str]) -> bool:
    if _disabled or os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _console(stream: IO[str]) -> Console:
    return Console(file=stream, force_terminal=True, no_color=False, highlight=False, soft_wrap=True, emoji=False, markup=False)


def write_lines(lines: Iterable[tuple[str, str]], stream: IO[str] | None = None) -> None:
    """Write (style, text) lines; styled only when ``stream`` shows colour."""
    out = stream or sys.stdout
    if not color_enabled(out):
        out.writelines(text + "\n" for _, text in lines)
        out.flush()
        return
    console = _console(out)
    for style, text in lines:
        console.print(Text(text, style=STYLES.get(style, "")))


def say(text: str, style: str = "plain", *, err: bool = True) -> None:
    """One message line (on standard error unless ``err`` is false), styled on a terminal."""
    write_lines([(style, text)], sys.stderr if err else sys.stdout)


def message_style(text: str) -> str:
    """The style of a message by how it starts: errors, hints, refusals."""
    head = text.lstrip()
    first = head.split("\n", 1)[0]
    if ": error: " in first:  # file:line:col: error: ... (a located error)
        return "error"
    for prefix, style in (("error", "error"), ("hint:", "hint"), ("refused", "refused"), ("warning", "warning"), ("note:", "note")):
        if head.startswith(prefix):
            return style
    return "plain"


class Reporter:
    """Progress for people: ``reporter(text)`` says what happens next (a dim line);
    ``reporter.advance(done, total, current)`` drives a live bar on standard error
    naming the current object, with the elapsed time, when standard error shows
    colour; without one, ``advance`` does nothing (``live`` says which: the caller
    may write its own lines then).

    Thread-safe: the target is read in a background thread while the shadow loads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._title = ""
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @property
    def live(self) -> bool:
        """Whether ``advance`` shows a bar (standard error is a terminal that shows colour)."""
        return color_enabled(sys.stderr)

    def __call__(self, text: str) -> None:
        with self._lock:
            self._title = text.rstrip(" .")
            if self._progress is not None:
                self._progress.console.print(Text(text, style=STYLES["progress"]))
                return
        say(text, "progress")

    def advance(self, done: int, total: int, current: str) -> None:
        with self._lock:
            if self._progress is None:
                if done >= total or not self.live:
                    return
                self._progress = Progress(
                    TextColumn("{task.description}", markup=False),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    TextColumn("{task.fields[current]}", markup=False),
                    console=Console(file=sys.stderr, force_terminal=True, highlight=False, markup=False),
                    transient=True,
                )
                self._progress.start()
                self._task = self._progress.add_task(self._title or "working", total=total, current=current)
            assert self._task is not None
            self._progress.update(self._task, completed=done, total=total, current=current, refresh=True)
            if done >= total:
                self._stop()

    def _stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._progress = None
        self._task = None

    def close(self) -> None:
        """End a bar still showing (after a failure, or a total never reached)."""
        with self._lock:
            self._stop()


# -- what the commands print with ---------------------------------------------------


def err(text: str) -> None:
    """A message on standard error, styled by how it starts (``message_style``)."""
    say(text, message_style(text))


def note(text: str) -> None:
    """A notice about the input (not an error): on standard error, prefixed ``note:``."""
    err(f"note: {text}")


progress = Reporter()
"""Progress lines (dim on a terminal) and, on a terminal, live bars."""


def emit(text: str | Iterable[str], out: Path | None) -> None:
    """Write output to ``out`` or standard output, piece by piece (a large plan is never
    joined into one string)."""
    chunks = [text] if isinstance(text, str) else text
    if out is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as f:
            f.writelines(chunks)
        progress(f"wrote {out}")


def show_plan(the_plan: Plan, *, sql: bool, rows: RowCounts | None, sql_first: bool = False) -> None:
    """The text plan on standard output: the grouped summary and hazards (coloured on a
    terminal), and with ``sql`` the script, after the summary (or before, ``sql_first``:
    apply's summary stays right above its prompt)."""
    if sql and sql_first and not the_plan.empty:
        sys.stdout.write(script(the_plan) + "\n")
    write_lines(summary_lines(the_plan, rows), sys.stdout)
    if sql and not sql_first and not the_plan.empty:
        sys.stdout.write("\nSQL:\n\n" + script(the_plan))
    sys.stdout.flush()


def saved_style(line: str) -> str:
    """A saved plan's summary line's style, by its symbol (``" + ..."``, ``"!- ..."``)."""
    return STYLE_OF_SIGN.get(line[1:2], "plain") if line[2:3] == " " else "plain"
