"""Errors schemakit reports to its users, and the one table of exit codes.

Every error a command can end with derives from :class:`SchemakitError`: it carries
its exit code (``exit_code``, declared by each subclass that differs from 1) and what
the user reads (``lines()``: ``error: message`` and a ``hint:`` line unless a subclass
says more). The command line's one handler (``schemakit.cli``) prints those lines and
exits with that code; no command chooses an exit code for an error.
"""

from __future__ import annotations

# The exit codes, in one table (README "Exit codes", ``schemakit --help``).
EXIT_OK = 0
EXIT_ERROR = 1  # an error: nothing was changed
EXIT_CHANGES = 2  # plan --detailed-exitcode: changes pending
EXIT_REFUSED = 3  # refused: hazards not allowed, a stale plan, a failed rehearsal, a drop of everything
EXIT_USAGE = 64  # a usage error (sysexits.h EX_USAGE)
EXIT_INTERRUPTED = 130  # Ctrl-C: rolled back

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success or no changes",
    EXIT_ERROR: "error (nothing was changed)",
    EXIT_CHANGES: "changes pending (with --detailed-exitcode)",
    EXIT_REFUSED: "refused (hazards not allowed, a stale plan, a failed rehearsal, a plan that drops everything)",
    EXIT_USAGE: "usage error",
    EXIT_INTERRUPTED: "interrupted (rolled back)",
}
"""Every exit code and what it means; an error's ``exit_code`` is one of them."""


class SchemakitError(Exception):
    """Base class of all schemakit errors. ``exit_code`` is the process's exit code when
    the error ends a command (subclasses override it)."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """The messages a user reads on standard error, one per ``say``: ``error: ...``
        and a ``hint: ...`` when there is one (subclasses with more to say override it)."""
        return [f"error: {self.message}"] + ([f"hint: {self.hint}"] if self.hint else [])

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message


class ServerError(SchemakitError):
    """The embedded PostgreSQL server could not be prepared, started or stopped: exit 1."""

    exit_code = EXIT_ERROR


class RefusedError(SchemakitError):
    """The command refused to go on (nothing was changed): exit 3."""

    exit_code = EXIT_REFUSED


class HazardsRefused(RefusedError):
    """Hazards that were not allowed (exit 3): ``refused`` holds ``(hazard name, what the
    kind does, what it touches here)``, in order. Said once per kind, with everything it
    touches and the flag that allows it."""

    exit_code = EXIT_REFUSED

    def __init__(self, why: str, refused: list[tuple[str, str, str]]) -> None:
        super().__init__(why)
        self.refused = tuple(refused)

    def lines(self) -> list[str]:
        out = [f"\nrefused: {self.message}:"]
        kinds: dict[str, tuple[str, dict[str, int]]] = {}
        for name, explanation, detail in self.refused:
            details = kinds.setdefault(name, (explanation, {}))[1]
            if detail:
                details[detail] = details.get(detail, 0) + 1
        for name, (explanation, details) in kinds.items():
            flag = "--allow-destructive" if name == "DELETES_DATA" else f"--allow-hazards {name}"
            touched = "; ".join(d + (f" (×{n})" if n > 1 else "") for d, n in details.items())
            said = ": ".join(part for part in (explanation, touched) if part)
            out.append(f"  {name}: {said} (allow with {flag})")
        return out + ["nothing was changed."]


class NotConfirmed(SchemakitError):
    """An apply that was not confirmed: declined at the prompt, or no terminal to ask
    on and no ``--yes`` (exit 1)."""

    exit_code = EXIT_ERROR

    def lines(self) -> list[str]:
        return [self.message]


class UsageError(SchemakitError):
    """An option's value is not valid (an unknown hazard name, for instance): exit 64."""

    exit_code = EXIT_USAGE


class Interrupted(SchemakitError):
    """Ctrl-C after part of the work had committed (the message says what stays): exit 130.
    An interruption before anything committed is a plain KeyboardInterrupt."""

    exit_code = EXIT_INTERRUPTED
