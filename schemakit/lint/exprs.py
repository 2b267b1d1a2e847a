"""Reading expressions for the rules: calls made per row in a policy, and the columns
of a key or an index. Expressions are parsed with pglast, never matched with regexes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pglast
from pglast import ast

from schemakit.source.refs import strings

AUTH_FUNCTIONS = frozenset({"uid", "jwt", "role", "email"})
_CHEAP_HINTS = ("auth.", "current_setting")


def _children(node: ast.Node) -> Iterator[Any]:
    for name in node.__slots__:  # type: ignore[attr-defined]
        value = getattr(node, name, None)
        if isinstance(value, tuple):
            yield from value
        elif isinstance(value, ast.Node):
            yield value


def _call_name(node: ast.FuncCall) -> str | None:
    """``auth.uid`` or ``current_setting`` when the call is one that reads the request."""
    parts = strings(node.funcname)
    if len(parts) == 2 and parts[0] == "auth" and parts[1] in AUTH_FUNCTIONS:
        return f"auth.{parts[1]}"
    if parts and parts[-1] == "current_setting" and (len(parts) == 1 or parts[0] == "pg_catalog"):
        return "current_setting"
    return None


def per_row_calls_in(root: Any) -> list[tuple[str, int]]:
    """(name, location) of each request-reading call below ``root`` that is not inside a
    sub-select (a scalar sub-select is evaluated once per statement, an initplan)."""
    out: list[tuple[str, int]] = []
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, ast.Node) or isinstance(node, ast.SubLink):
            continue
        if isinstance(node, ast.FuncCall):
            name = _call_name(node)
            if name is not None:
                out.append((name, node.location if node.location is not None else -1))
                continue
        stack.extend(_children(node))
    return sorted(out, key=lambda item: item[1])


def per_row_calls(expression: str | None) -> list[str]:
    """The request-reading calls of a policy expression (catalog text) made per row."""
    if not expression or not any(h in expression for h in _CHEAP_HINTS):
        return []
    try:
        tree = pglast.parse_sql("SELECT " + expression)
    except pglast.parser.ParseError:
        return []
    return [name for name, _ in per_row_calls_in(tree[0].stmt)]


def _call_end(data: bytes, start: int) -> int:
    """The offset just past the closing parenthesis of the call starting at ``start``."""
    depth, i, quote = 0, start, None
    while i < len(data):
        ch = data[i : i + 1]
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in (b"'", b'"'):
            quote = ch
        elif ch == b"(":
            depth += 1
        elif ch == b")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(data)


def wrap_per_row_calls(statement: str) -> str | None:
    """``statement`` (a CREATE or ALTER POLICY, or ``SELECT <expression>``) with each
    per-row call wrapped as a scalar sub-select: ``auth.uid()`` → ``(select auth.uid())``.
    None when it has none, or does not parse."""
    try:
        tree = pglast.parse_sql(statement)
    except pglast.parser.ParseError:
        return None
    calls = [loc for _, loc in per_row_calls_in(tree[0].stmt) if loc >= 0]
    if not calls:
        return None
    data = statement.encode()
    for start in sorted(calls, reverse=True):  # from the end: earlier offsets stay valid
        end = _call_end(data, start)
        data = data[:start] + b"(select " + data[start:end] + b")" + data[end:]
    return data.decode()


def one_line(sql: str) -> str:
    """A statement on one line (blanks collapsed; comments dropped by the caller)."""
    return " ".join(sql.split())


def _split_top(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return parts


def _plain_column(element: str) -> str | None:
    """The column of an index or key element written as a bare (or quoted) name."""
    head = element.split()[0] if element.split() else ""
    if head.startswith('"') and head.endswith('"') and len(head) > 1:
        return head[1:-1].replace('""', '"')
    if head and (head[0].isalpha() or head[0] == "_") and all(c.isalnum() or c in "_$" for c in head):
        return head
    return None


def paren_columns(text: str, after: str = "") -> tuple[str | None, ...]:
    """The elements of the first parenthesised list in ``text`` (after ``after``), as
    columns; None for an element that is an expression."""
    start = text.find(after) + len(after) if after else 0
    open_at = text.find("(", start)
    if open_at < 0:
        return ()
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return tuple(_plain_column(p) for p in _split_top(text[open_at + 1 : i]))
    return ()


def name(*parts: str) -> str:
    """A qualified name for a suggested statement, quoted as needed (by pglast)."""
    from pglast.stream import maybe_double_quote_name

    return ".".join(maybe_double_quote_name(p) for p in parts)


def without_comments(statement: str) -> str:
    """The statement's text with its comments removed (by PostgreSQL's scanner)."""
    from pglast.parser import scan

    try:
        tokens = scan(statement)
    except Exception:
        return statement
    out, last = [], 0  # the scanner's offsets count characters
    for t in tokens:
        if t.name in ("SQL_COMMENT", "C_COMMENT"):
            out.append(statement[last : t.start])
            last = t.end + 1
    out.append(statement[last:])
    return "".join(out)
