"""Facts about columns the diff, the plan and the renderer share (issue 12).

- Which type changes go through text: PostgreSQL has no cast between two enum types
  (nor, in general, between user-defined types), but every type has text I/O.

Which defaults are volatile is a catalog fact (``Column.volatile_default``, read from
the default's expression tree in ``catalog/queries/tables.sql``), not guessed from names.
"""

from __future__ import annotations


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
