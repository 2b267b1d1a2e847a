"""The command line: the typer ``app``, and the one error handler.

One module per command group, each holding only typer commands: a command parses its
options, calls ONE library function that returns a report (a frozen dataclass), and
prints it with the helpers of ``schemakit.cli.console``:

- ``plan.py``        plan, diff                  (schemakit.review, schemakit.workflow)
- ``migrations.py``  check                       (schemakit.review; ``plan --write`` is plan's)
- ``apply.py``       apply                       (schemakit.deploy)
- ``snapshot.py``    snapshot                    (schemakit.workflow)
- ``db.py``          db start|stop|status|url    (schemakit.server.embedded)
- ``types.py``       types typescript|python     (schemakit.typegen)
- ``options.py``     the options commands share; ``console.py`` colours, progress, output.

**A new command group**: write its library function (returning a report) below the
CLI, then a module ``schemakit/cli/<group>.py`` that defines its command functions (or a
``typer.Typer`` for a group with subcommands), import it below and register it with
one line among the others (``app.command()(module.fn)`` or ``app.add_typer(module.group_app, name=...)``).
Commands never catch errors: the handler below prints any ``SchemakitError`` (its
``lines()``) or database error, and exits with the error's ``exit_code``. Library
modules never import ``schemakit.cli`` (tests/test_cli_layers.py checks).

Exit codes (``schemakit.errors``): 0 success or no changes · 1 error · 2 changes pending
(plan --detailed-exitcode) · 3 refused (hazards not allowed, a stale plan, or a plan
that failed its rehearsal) · 64 usage error · 130 interrupted.
"""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
import typer
from typer.core import TyperGroup

from schemakit import __version__
from schemakit.cli import adopt, apply, console, db, lint, migrations, plan, schematest, snapshot, types
from schemakit.connect import redact_known
from schemakit.entry import EXIT_CODES_HELP
from schemakit.errors import EXIT_ERROR, EXIT_INTERRUPTED, SchemakitError

__all__ = ["REPORTED", "app", "handle_error", "main"]

REPORTED: list[str] = []
"""The messages of the interruptions ``handle_error`` reported (an ``Interrupted`` says
what stays): ``schemakit.entry`` adds no ``interrupted`` line of its own after one."""


def handle_error(exc: SchemakitError | psycopg.Error) -> int:
    """THE error handler: print what the user reads (the error's ``lines()``, passwords
    of the URLs this process used removed) and give its exit code (1 for a database
    error)."""
    console.progress.close()
    if isinstance(exc, SchemakitError):
        lines, code = exc.lines(), exc.exit_code
    else:
        lines, code = [f"error: {str(exc).strip()}"], EXIT_ERROR
    for line in lines:
        text = redact_known(line)
        if code == EXIT_INTERRUPTED:
            REPORTED.append(text)
        console.err(text)
    return code


class HandledGroup(TyperGroup):
    """The top-level group: every command (and subgroup) runs inside ``invoke``, so
    this is the one place its errors turn into messages and exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (SchemakitError, psycopg.Error) as exc:
            raise typer.Exit(handle_error(exc)) from None


app = typer.Typer(
    cls=HandledGroup,
    help="Declarative schema-as-code for PostgreSQL and Supabase.\n\n"
    "Keep the desired schema in schema/*.sql; `schemakit plan` shows what would change in a "
    "database, `schemakit apply` makes it so, in one transaction. With no --db and no "
    "DATABASE_URL, a local PostgreSQL server is started in .schemakit/ (no Docker needed).",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"schemakit {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour or progress bars (as NO_COLOR=1, or output to a pipe).")] = False,
) -> None:
    if no_color:
        console.disable_color()


# Every command group, in the order ``schemakit --help`` lists them.
app.command()(plan.plan)
app.command()(migrations.check)
app.command()(apply.apply)
app.command()(snapshot.snapshot)
app.command()(plan.diff)
app.add_typer(db.db_app, name="db")
app.add_typer(types.types_app, name="types")
app.command("lint")(lint.lint_command)
app.command("test")(schematest.sql_tests)
app.command("import")(adopt.import_command)
app.command("init")(adopt.init_command)


def main() -> None:
    from schemakit.entry import main as entry_main

    entry_main()
