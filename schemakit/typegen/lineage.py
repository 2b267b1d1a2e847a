"""Which table column each view column shows, read from the view's rewrite rule.

A view's ``_RETURN`` rule is stored as a node tree (``pg_rewrite.ev_action``);
each output column is a ``TARGETENTRY`` whose ``resorigtbl``/``resorigcol`` name
the relation and column it was selected from (PostgreSQL traces them through
subqueries). This is what PostgREST reads to carry foreign keys over to views.
The text format is parsed here with a small reader, not with regular expressions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Union

Node = Union[str, None, list["Node"], dict[str, "Node"]]
Origin = tuple[int, int]  # (relation oid, attnum)


def _tokens(text: str) -> Iterator[str]:
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(){}[]":
            yield ch
            i += 1
        elif ch == '"':
            j, out = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                out.append(text[j])
                j += 1
            yield '"' + "".join(out)
            i = j + 1
        else:
            j, out = i, []
            while j < n and not text[j].isspace() and text[j] not in "(){}[]":
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                out.append(text[j])
                j += 1
            yield "".join(out)
            i = j


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens = list(_tokens(text))
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> str:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def value(self) -> Node:
        tok = self.next()
        if tok == "{":
            node: dict[str, Node] = {"": self.next()}
            field = ""
            while (ahead := self.peek()) is not None and ahead != "}":
                if ahead.startswith(":"):
                    field = self.next()[1:]
                    following = self.peek()
                    empty = following is None or following == "}" or following.startswith(":")
                    node[field] = None if empty else self.value()
                else:  # a field with more than one value (e.g. :constvalue 4 [ ... ])
                    extra = self.value()
                    prev = node.get(field)
                    values: list[Node] = list(prev) if isinstance(prev, list) else [prev]
                    node[field] = values + [extra]
            self.next()
            return node
        if tok in ("(", "["):
            close = ")" if tok == "(" else "]"
            items: list[Node] = []
            while self.peek() not in (close, None):
                items.append(self.value())
            self.next()
            return items
        if tok == "<>":
            return None
        return tok


def parse_node_tree(text: str) -> Node:
    return _Reader(text).value()


def view_origins(ev_action: str) -> dict[int, Origin]:
    """View attnum → (relation oid, attnum) of the column it shows, where there is one."""
    tree = parse_node_tree(ev_action)
    query = tree[0] if isinstance(tree, list) and tree else tree
    if not isinstance(query, dict):
        return {}
    out: dict[int, Origin] = {}
    targets = query.get("targetList")
    for entry in targets if isinstance(targets, list) else []:
        if not isinstance(entry, dict) or entry.get("resjunk") == "true":
            continue
        try:
            resno, table, column = int(str(entry["resno"])), int(str(entry["resorigtbl"])), int(str(entry["resorigcol"]))
        except (KeyError, ValueError):
            continue
        if table and column:
            out[resno] = (table, column)
    return out


def resolve(origins: dict[int, dict[int, Origin]]) -> dict[int, dict[int, Origin]]:
    """Follow views over views down to the first relation that is not a view here."""
    def base(origin: Origin, depth: int = 0) -> Origin:
        rel, col = origin
        nxt = origins.get(rel, {}).get(col)
        return origin if nxt is None or depth > 50 else base(nxt, depth + 1)

    return {view: {col: base(o) for col, o in cols.items()} for view, cols in origins.items()}
