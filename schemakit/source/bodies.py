"""Where a function's body lies in its CREATE FUNCTION statement.

Used to report an error that PostgreSQL's language validator finds inside a body
(``internal_position``, or a body line number) at its place in the schema file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pglast.parser import scan

_DOLLAR_TAG = re.compile(r"^\$[^$]*\$")


@dataclass(frozen=True)
class Body:
    """A string constant of a statement: its value, and where each of its characters is."""

    value: str
    offsets: tuple[int, ...]  # 0-based offset in the statement's text of each character of value

    def offset(self, position: int) -> int:
        """The statement offset of the 1-based character ``position`` of the value (clamped)."""
        if not self.offsets:
            return 0
        return self.offsets[max(0, min(position - 1, len(self.offsets) - 1))]

    def line_offset(self, line: int) -> int | None:
        """The statement offset of the first non-blank character of the value's 1-based ``line``."""
        lines = self.value.split("\n")
        if not 1 <= line <= len(lines) or not self.offsets:
            return None
        start = sum(len(text) + 1 for text in lines[: line - 1])
        indent = len(lines[line - 1]) - len(lines[line - 1].lstrip())
        return self.offset(start + indent + 1)


def _constant(text: str, start: int) -> Body | None:
    """The value of the string constant ``text`` found at ``start`` (None for E'', U&'', B'')."""
    tag = _DOLLAR_TAG.match(text)
    if tag is not None:
        width = len(tag.group())
        inner = text[width : len(text) - width]
        return Body(inner, tuple(range(start + width, start + width + len(inner))))
    if not text.startswith("'") or not text.endswith("'") or len(text) < 2:
        return None
    chars: list[str] = []
    offsets: list[int] = []
    i = 1
    while i < len(text) - 1:
        chars.append(text[i])
        offsets.append(start + i)
        i += 2 if text[i] == "'" else 1  # '' is one quote
    return Body("".join(chars), tuple(offsets))


def string_constants(sql: str) -> list[Body]:
    """The string constants of a statement, in order (dollar-quoted and plain '...')."""
    out: list[Body] = []
    try:
        tokens = scan(sql)
    except Exception:
        return out
    for token in tokens:  # pglast's scanner gives character offsets
        if token.name != "SCONST":
            continue
        start, text = token.start, sql[token.start : token.end + 1]
        body = _constant(text, start)
        if body is not None:
            out.append(body)
    return out


def find_body(sql: str, prosrc: str) -> Body | None:
    """The string constant of ``sql`` whose value is ``prosrc`` (the function's body)."""
    for body in string_constants(sql):
        if body.value == prosrc:
            return body
    return None


__all__ = ["Body", "find_body", "string_constants"]
