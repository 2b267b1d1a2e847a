"""From a finding's object back to the statement of the schema files that declares it,
and the ``-- schemakit: ignore RULE`` comments on that statement.

The loader records what each statement provides (``schema.name``, ``schema.table.name``
for policies, triggers and named constraints, ``extension:name``); a bucket's statement
is the INSERT INTO storage.buckets that names its id. A suppression comment belongs to a
statement when it is inside it, on the comment lines right above it, or after it on its
last line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pglast.parser import scan

from schemakit.lint.findings import Subject
from schemakit.source import Location, SourceStatement

_IGNORE = re.compile(r"schemakit:\s*ignore\s+([A-Za-z0-9_,\s]+)")
_COMMENT_TOKENS = frozenset({"SQL_COMMENT", "C_COMMENT"})


def ignored_rules(comment: str) -> set[str]:
    """The rule ids a comment's ``schemakit: ignore a, b`` names (``all`` for every rule)."""
    out: set[str] = set()
    for match in _IGNORE.finditer(comment):
        out.update(w for w in re.split(r"[\s,]+", match.group(1)) if w)
    return out


class StatementIndex:
    """The statements of the schema files, by what they provide."""

    def __init__(self, statements: Sequence[SourceStatement]) -> None:
        self._by_name: dict[str, SourceStatement] = {}
        self._buckets: list[SourceStatement] = []
        self._texts: dict[str, str | None] = {}
        self._ignores: dict[tuple[int, int], frozenset[str]] = {}
        for stmt in sorted(statements, key=lambda s: s.position):
            if stmt.kind == "bucket":
                self._buckets.append(stmt)
            for name in stmt.provides:
                self._by_name.setdefault(name, stmt)

    def statement(self, subject: Subject) -> SourceStatement | None:
        for name in subject.names:
            found = self._by_name.get(name)
            if found is not None:
                return found
        if subject.bucket is not None:
            literal = "'" + subject.bucket.replace("'", "''") + "'"
            return next((s for s in self._buckets if literal in s.sql), None)
        return None

    def location(self, subject: Subject) -> Location | None:
        stmt = self.statement(subject)
        return stmt.location if stmt is not None else None

    def ignores(self, subject: Subject) -> frozenset[str]:
        """The rules the comments on the subject's statement silence."""
        stmt = self.statement(subject)
        if stmt is None:
            return frozenset()
        known = self._ignores.get(stmt.position)
        if known is None:
            known = self._ignores[stmt.position] = frozenset(self._comment_ignores(stmt))
        return known

    def _comment_ignores(self, stmt: SourceStatement) -> set[str]:
        found: set[str] = set()
        if "schemakit" in stmt.sql:
            try:
                tokens = scan(stmt.sql)
            except Exception:
                tokens = []
            for t in tokens:  # the scanner's offsets count characters
                if t.name in _COMMENT_TOKENS:
                    found |= ignored_rules(stmt.sql[t.start : t.end + 1])
        text = self._text(stmt.location.file)
        if text is None:
            return found
        # The comment lines right above the statement, and the rest of its last line.
        above = text[: stmt.offset].splitlines()
        if above and not above[-1].strip():
            above.pop()  # the statement's own line start (blanks before it)
        for line in reversed(above):
            stripped = line.strip()
            if not stripped.startswith("--"):
                break
            found |= ignored_rules(stripped)
        end = stmt.offset + len(stmt.sql)
        newline = text.find("\n", end)
        found |= ignored_rules(text[end : newline if newline >= 0 else len(text)])
        return found

    def _text(self, file: str) -> str | None:
        if file not in self._texts:
            try:
                self._texts[file] = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[file] = None
        return self._texts[file]


def table_subject(schema: str, table: str) -> Subject:
    return Subject(names=(f"{schema}.{table}",))


def scoped_subject(schema: str, table: str, name: str) -> Subject:
    """A policy, trigger or named constraint: its own statement, else its table's."""
    return Subject(names=(f"{schema}.{table}.{name}", f"{schema}.{table}"))
