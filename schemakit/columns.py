"""Facts about columns the diff, the plan and the renderer share (issue 12).

- Which type changes go through text: PostgreSQL has no cast between two enum types
  (nor, in general, between user-defined types), but every type has text I/O.
- Which defaults are volatile: adding a column with a volatile default
  (``gen_random_uuid()``, ``random()``, ``clock_timestamp()``) rewrites the table,
  while a constant or a stable default (``now()``) is stored once in the catalog
  (PostgreSQL 11+) and the table is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pglast
from pglast import ast
from pglast.visitors import Visitor

from schemakit.model import Function, Model


def is_qualified_type(type_: str) -> bool:
    """True when ``format_type`` text (read with ``search_path = pg_catalog``) names a
    type outside pg_catalog: ``public.mood``, ``"My Schema".t[]``, ``extensions.citext``.
    Built-in types print unqualified (``integer``, ``character varying(10)``, ``"char"``)."""
    quoted = False
    depth = 0
    for ch in type_:
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "." and depth == 0:
            return True
    return False


def through_text(old_type: str, new_type: str, domains: frozenset[str] = frozenset()) -> bool:
    """True when a column's type change casts through text (``USING c::text::new``):
    either side is a user-defined type (an enum, a composite, an extension's type),
    between which PostgreSQL often has no cast ("cannot cast type a to b"), while every
    type has text I/O. A domain (``domains``: their identities) casts as its base type
    does, so a change between a domain and a built-in type keeps the direct cast."""

    def user_defined(type_: str) -> bool:
        return is_qualified_type(type_) and type_.removesuffix("[]") not in domains

    return old_type != new_type and (user_defined(old_type) or user_defined(new_type))


# -- volatile defaults ---------------------------------------------------------------


class _Calls(Visitor):
    """The names of the functions an expression calls (``schema.name`` or ``name``)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[tuple[str, ...]] = []

    def visit_FuncCall(self, ancestors: Any, node: ast.FuncCall) -> None:
        self.names.append(tuple(str(p.sval) for p in node.funcname or () if isinstance(p, ast.String)))


def called_functions(expression: str) -> list[tuple[str, ...]] | None:
    """The names of the functions a default expression (as the catalog prints it)
    calls; None when it cannot be parsed. CURRENT_TIMESTAMP and friends are no
    function calls to pglast, and are stable anyway."""
    try:
        stmt = pglast.parse_sql(f"SELECT {expression}")[0].stmt
    except Exception:
        return None
    if stmt is None:
        return None
    calls = _Calls()
    calls(stmt)
    return calls.names


# The volatile built-in (and common extension) functions a default is likely to call.
# The model's own functions are judged by their definitions (model_volatile).
KNOWN_VOLATILE = frozenset(
    {
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
        "random",
        "random_normal",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "txid_current",
        "pg_current_xact_id",
        "setseed",
    }
)


def own_volatile(model: Model) -> frozenset[str]:
    """``model_volatile`` of a model's functions."""
    return model_volatile(f for f in model.objects.values() if isinstance(f, Function))


def model_volatile(functions: Iterable[Function]) -> frozenset[str]:
    """The model's own volatile functions, by ``schema.name`` (pg_get_functiondef prints
    IMMUTABLE or STABLE in the header before the body, and nothing for VOLATILE)."""
    out: set[str] = set()
    for f in functions:
        header = f.definition.split("\nAS ", 1)[0].split("\nBEGIN", 1)[0]
        words = set(header.split())
        if "IMMUTABLE" not in words and "STABLE" not in words:
            out.add(f"{f.schema}.{f.name}")
    return frozenset(out)


def volatile_default(expression: str | None, own: frozenset[str] = frozenset()) -> bool:
    """True when a column default calls a volatile function: a known volatile built-in
    (or extension function, by its name), or one of ``own`` (``schema.name``, from
    ``model_volatile``). A default that cannot be parsed counts as volatile."""
    if expression is None:
        return False
    names = called_functions(expression)
    if names is None:
        return True
    for name in names:
        if name and name[-1] in KNOWN_VOLATILE:
            return True
        if ".".join(name) in own or (len(name) == 1 and f"pg_catalog.{name[0]}" in own):
            return True
    return False
