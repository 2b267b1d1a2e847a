"""Errors schemakit reports to its users.

Every error a command can end with derives from :class:`SchemakitError`, so the
command line prints ``message`` (and ``hint`` when there is one) instead of a
traceback.
"""

from __future__ import annotations

# The exit codes, in one table (README "Exit codes", ``schemakit --help``).
EXIT_OK = 0
EXIT_ERROR = 1  # an error: nothing was changed
EXIT_CHANGES = 2  # plan --detailed-exitcode: changes pending
EXIT_REFUSED = 3  # refused: hazards not allowed, a stale plan, a failed rehearsal, a drop of everything
EXIT_USAGE = 64  # a usage error (sysexits.h EX_USAGE)
EXIT_INTERRUPTED = 130  # Ctrl-C: rolled back


class SchemakitError(Exception):
    """Base class of all schemakit errors. ``exit_code`` is the process's exit code when
    the error ends a command (subclasses override it)."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message


class ServerError(SchemakitError):
    """The embedded PostgreSQL server could not be prepared, started or stopped."""


class RefusedError(SchemakitError):
    """The command refused to go on (nothing was changed): exit 3."""

    exit_code = EXIT_REFUSED


class UsageError(SchemakitError):
    """An option's value is not valid (an unknown hazard name, for instance): exit 64."""

    exit_code = EXIT_USAGE


class Interrupted(SchemakitError):
    """Ctrl-C after part of the work had committed (the message says what stays): exit 130.
    An interruption before anything committed is a plain KeyboardInterrupt."""

    exit_code = EXIT_INTERRUPTED
