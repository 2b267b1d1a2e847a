"""The ``schemakit`` executable: fast start, one table of exit codes, one error handler.

This module imports nothing heavy at import time: ``schemakit --version`` answers
without loading typer, psycopg, pglast or the engine. Every other invocation loads
the commands (``schemakit.cli``) and runs them with click's standalone mode off; the
errors that end a command are mapped to exit codes by the command line's one handler
(``schemakit.cli.handle_error``, from ``SchemakitError.exit_code``), click's own here:

- ``0`` success or no changes;
- ``1`` an error (nothing was changed), or a declined confirmation;
- ``2`` changes pending (``plan --detailed-exitcode``);
- ``3`` refused (hazards not allowed, a stale plan, a failed rehearsal, a plan that
  would drop everything);
- ``64`` a usage error (an unknown option or value: EX_USAGE of sysexits.h);
- ``130`` interrupted (Ctrl-C): the transaction was rolled back.
"""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any, NoReturn

from schemakit import __version__, codecache
from schemakit.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE

EXIT_CODES_HELP = (
    "Exit codes: 0 success or no changes · 1 error (nothing was changed) · 2 changes pending "
    "(with --detailed-exitcode) · 3 refused (hazards not allowed, a stale plan, a failed "
    "rehearsal, a plan that drops everything) · 64 usage error · 130 interrupted (rolled back)."
)
INTERRUPTED = "interrupted: rolled back, nothing was changed"


class _Interrupts:
    """Counts SIGINTs, then raises KeyboardInterrupt as Python's default handler does:
    whatever error a cancelled statement turns into, the process still knows it was
    interrupted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> NoReturn:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        sys.stdout.write(f"schemakit {__version__}\n")
        sys.exit(0)
    args = _no_color_first(args)
    codecache.install()
    interrupts = _Interrupts()
    signal.signal(signal.SIGINT, interrupts)
    said: list[str] = []
    try:
        code = _run(args, said)
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    if interrupts.count and code not in (0, EXIT_INTERRUPTED):
        code = EXIT_INTERRUPTED  # an error caused by the cancelled statement
    if code == EXIT_INTERRUPTED and not said:
        _say(INTERRUPTED)
    codecache.save()
    sys.stdout.flush()
    sys.exit(code)


def _no_color_first(args: list[str]) -> list[str]:
    """``--no-color`` anywhere before ``--`` (``schemakit plan --no-color``, as ``terraform
    plan -no-color``) is the top-level option."""
    head = args[: args.index("--")] if "--" in args else args
    if "--no-color" not in head or head[:1] == ["--no-color"]:
        return args
    return ["--no-color", *(a for a in head if a != "--no-color"), *args[len(head) :]]


def _say(text: str) -> None:
    sys.stdout.flush()
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _run(args: list[str], said: list[str]) -> int:
    """Run the command; ``said`` gets the message of an interruption that ended it.
    Errors are reported by the one handler of the command line (``schemakit.cli``);
    here only click's (usage, abort) are."""
    import typer.main
    from typer import Abort
    from typer._click.exceptions import ClickException, UsageError

    from schemakit.cli import REPORTED, app

    _few_collections()
    command = typer.main.get_command(app)
    tidy_help(command)
    try:
        result = command.main(args, prog_name="schemakit", standalone_mode=False)
    except UsageError as exc:
        _show_click_error(exc)
        return EXIT_USAGE
    except ClickException as exc:
        _show_click_error(exc)
        return exc.exit_code
    except Abort:
        _say("aborted: nothing was changed")
        return EXIT_ERROR
    finally:
        said.extend(REPORTED)
    return result if isinstance(result, int) else 0


GC_THRESHOLD = (100_000, 50, 1000)
"""The cyclic garbage collector's thresholds for a command's run: a catalog read or a plan
makes some 100,000 objects, nearly none in cycles, and with the default (700, 10, 10)
the collector went through all the live ones again and again (0.2-0.4 s of a
one-file-changed plan at 1,000 tables, bench/README.md)."""


def _few_collections() -> None:
    """What the imports made is kept out of every collection (``gc.freeze``), and a
    collection runs after 100,000 allocations rather than 700: a run is short, and its
    objects are trees, not cycles."""
    import gc

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _show_click_error(exc: Any) -> None:
    try:
        from typer import rich_utils

        rich_utils.rich_format_error(exc)
    except ImportError:
        exc.show()


def tidy_help(command: Any) -> None:
    """Help pages without a type after a flag (typer shows ``<bool>``): a flag takes no value;
    and a command's description in paragraphs, each wrapped to the terminal (typer keeps
    the docstring's own line breaks after the first paragraph: ragged lines)."""
    if isinstance(getattr(command, "help", None), str):
        command.help = reflow(command.help)
    for param in getattr(command, "params", ()):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
        shown = getattr(param, "display_type_rich", None)
        if callable(shown):  # a repeatable value's type, not python's list[...]
            param.display_type_rich = _element_type(shown)
    made = getattr(command, "get_help_option", None)
    if made is not None:

        def help_option(ctx: Any) -> Any:
            option = made(ctx)
            if option is not None and option.metavar is None:
                option.metavar = ""
            return option

        command.get_help_option = help_option
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)


def _element_type(shown: Any) -> Any:
    """``<list[Path]>`` shown as ``<path>``: a repeatable parameter's type is its values'."""

    def display(ctx: Any) -> Any:
        text = shown(ctx=ctx)
        match = re.fullmatch(r"<list\[(.*)\]>", text) if isinstance(text, str) else None
        return f"<{match.group(1).lower()}>" if match else text

    return display


def reflow(text: str) -> str:
    """``text``'s paragraphs (separated by a blank line), each on one line."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)
