"""Transaction wrappers in schema files: ``BEGIN; ... COMMIT;`` copied from migrations.

In a declarative file the wrapper means nothing (schemakit runs each load and each apply
in a transaction of its own), so a top-level ``BEGIN`` / ``START TRANSACTION`` closed by
``COMMIT`` / ``END`` in the same file is accepted and skipped; the load says so once.
``ROLLBACK``, savepoints, two-phase commit, ``COMMIT AND CHAIN`` and unbalanced wrappers
are refused at their ``file:line:col``.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import TransactionStmtKind

from schemakit.source.classify import statement_head
from schemakit.source.model import SourceError, error_at
from schemakit.source.parse import RawStatement

_WRAPPER_HINT = (
    "schemakit runs each load and each apply in one transaction; a BEGIN ... COMMIT "
    "pair in one file is accepted (and ignored), other transaction control is not"
)
_OPENERS = (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START)


def _word(raw: RawStatement, node: ast.TransactionStmt) -> str:
    """How the statement was written: BEGIN, START TRANSACTION, COMMIT or END."""
    if node.kind == TransactionStmtKind.TRANS_STMT_START:
        return "START TRANSACTION"
    return raw.sql.split(None, 1)[0].rstrip(";").upper() if raw.sql.split() else "COMMIT"


class TransactionWrappers:
    """Follows the wrappers of the files of one load, file by file."""

    def __init__(self) -> None:
        self.files: list[str] = []  # display names of the files that had a wrapper
        self._open: tuple[RawStatement, str] | None = None

    def skip(self, raw: RawStatement, node: ast.Node) -> bool:
        """True when ``node`` is a wrapper statement to skip; raise SourceError when it is a
        transaction statement that has no place in a schema file."""
        if not isinstance(node, ast.TransactionStmt):
            return False
        source = raw.source
        if node.kind in _OPENERS:
            word = _word(raw, node)
            if self._open is not None:
                line = self._open[0].source.location(self._open[0].start).line
                raise error_at(
                    source,
                    raw.start,
                    f"{word} is not allowed here: the {self._open[1]} at line {line} is not "
                    "committed yet (transactions do not nest)",
                    _WRAPPER_HINT,
                )
            self._open = (raw, word)
            return True
        if node.kind == TransactionStmtKind.TRANS_STMT_COMMIT and not node.chain:
            word = _word(raw, node)
            if self._open is None:
                raise error_at(
                    source,
                    raw.start,
                    f"{word} is not allowed in schema files without a BEGIN before it in the same file",
                    "remove it: " + _WRAPPER_HINT,
                )
            self._open = None
            if source.display not in self.files:
                self.files.append(source.display)
            return True
        head = "COMMIT AND CHAIN" if node.chain else statement_head(raw.sql, 2)
        raise error_at(
            source,
            raw.start,
            f"{head} is not allowed in schema files",
            "remove it: " + _WRAPPER_HINT,
        )

    def end_of_file(self) -> None:
        """Refuse a BEGIN that the file never commits."""
        if self._open is None:
            return
        raw, word = self._open
        self._open = None
        raise error_at(
            raw.source,
            raw.start,
            f"{word} is not allowed in schema files without a COMMIT after it in the same file",
            "add the COMMIT, or remove it: " + _WRAPPER_HINT,
        )

    def notice(self) -> str | None:
        """The one notice of the load, naming the files whose wrapper was ignored."""
        if not self.files:
            return None
        return (
            f"ignored the BEGIN/COMMIT transaction wrapper in {', '.join(self.files)}: schema files "
            "are declarative, and schemakit runs each load and apply in a transaction of its own"
        )


__all__ = ["SourceError", "TransactionWrappers"]
