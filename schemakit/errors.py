"""Errors schemakit reports to its users.

Every error a command can end with derives from :class:`SchemakitError`, so the
command line prints ``message`` (and ``hint`` when there is one) instead of a
traceback.
"""

from __future__ import annotations


class SchemakitError(Exception):
    """Base class of all schemakit errors."""

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
