"""A model as it is after a rename ran: the object under its new name, and what names it.

PostgreSQL keeps references by OID, so after ``ALTER ... RENAME`` the catalog prints
the new name wherever the object is used: constraint, index, trigger, policy and view
definitions, column types and defaults, grants. The rewrite does the same on the
current model, so that the diff after the pre-pass sees what the target will hold and
plans no drop and add. Names in texts are swapped by token (the scanner's
identifiers), never inside string literals. A swap that misses a use only costs a
change the diff then plans again (a replaced view, say), never a missed one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from typing import Any, TypeVar, cast

from pglast.parser import scan

from schemakit.model import DbObject, Key, Model, quote_ident, qualified
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.index import Index
from schemakit.kinds.view import View
from schemakit.kinds.function import Function
from schemakit.kinds.grant import Grant
from schemakit.kinds.owner import Owner
from schemakit.kinds.publication import Publication
from schemakit.kinds.rows import TableRows
from schemakit.kinds.sequence import Sequence
from schemakit.kinds.table import Table
from schemakit.kinds.policy import Policy
from schemakit.kinds.trigger import Trigger


Fix = Callable[[DbObject], DbObject]
_PLAIN = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*")


def _ident(raw: str) -> str | None:
    """The name an identifier token stands for, or None for another token."""
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return raw[1:-1].replace('""', '"')
    return raw.lower() if _PLAIN.fullmatch(raw) else None


def swap(text: str | None, old: str, new: str, qualifiers: Iterable[str] = (), *, calls: bool = False) -> str | None:
    """``text`` with every identifier ``old`` written ``new``: unqualified, or after
    ``<q>.`` for a ``q`` of ``qualifiers``; with ``calls``, only where ``(`` follows."""
    if not text or old not in text.lower() and quote_ident(old) not in text:
        return text
    # pglast's token offsets count characters, not bytes.
    tokens = [(t.start, t.end + 1) for t in scan(text) if t.name not in ("SQL_COMMENT", "C_COMMENT", "SCONST")]
    words = [text[a:b] for a, b in tokens]
    allowed = set(qualifiers)
    out: list[str] = []
    last = 0
    for i, (a, b) in enumerate(tokens):
        if _ident(words[i]) != old:
            continue
        dotted = i > 0 and words[i - 1] == "."
        if dotted and (i < 2 or _ident(words[i - 2]) not in allowed):
            continue
        if calls and (i + 1 >= len(words) or words[i + 1] != "("):
            continue
        out += [text[last:a], quote_ident(new)]
        last = b
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


T = TypeVar("T", bound=DbObject)


def named(obj: T, name: str) -> T:
    """``obj`` called ``name``."""
    out: T = replace(cast(Any, obj), name=name)
    return out


def swap_view_column(text: str, table: str, old: str, new: str) -> str:
    """A view's definition with a column of ``table`` renamed: as PostgreSQL prints it,
    an output column of the select list keeps its name (``t.new AS old``)."""
    data = text.encode("utf-8")
    tokens = [(t.start, t.end + 1) for t in scan(text) if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    words = [data[a:b].decode("utf-8") for a, b in tokens]
    out: list[bytes] = []
    last, depth, listing = 0, 0, False
    for i, (a, b) in enumerate(tokens):
        word = words[i].lower()
        depth += (word == "(") - (word == ")")
        if depth == 0 and word == "select":
            listing = True
        elif depth == 0 and word == "from":
            listing = False
        if _ident(words[i]) != old or (i > 0 and words[i - 1] == "." and (i < 2 or _ident(words[i - 2]) != table)):
            continue
        if i + 1 < len(words) and words[i + 1] == ".":
            continue  # a qualifier, not a column
        follows = words[i + 1].lower() if i + 1 < len(words) else ""
        kept = listing and depth == 0 and follows in (",", "from", "")
        name = quote_ident(new) + (" AS " + quote_ident(old) if kept else "")
        out += [data[last:a], name.encode("utf-8")]
        last = b
    if not out:
        return text
    out.append(data[last:])
    return b"".join(out).decode("utf-8")


def rewritten(model: Model, fix: Fix, keys: Callable[[Key], Key] = lambda k: k) -> Model:
    """``model`` with ``fix`` applied to every object, keys and edges following; ``keys``
    maps the keys no object carries (a column's)."""
    objects: dict[Key, DbObject] = {}
    moved: dict[Key, Key] = {}
    for key, obj in model.objects.items():
        new = fix(obj)
        objects[new.key] = new
        if new.key != key:
            moved[key] = new.key

    def to(k: Key) -> Key:
        return moved.get(k) or keys(k)

    depends = {to(k): frozenset(to(d) for d in v) for k, v in model.depends.items()}
    return replace(model, objects=objects, depends=depends)


def _texts(obj: DbObject, edit: Callable[[str | None], str | None]) -> DbObject:
    """``obj`` with ``edit`` applied to its expression texts (definitions, defaults,
    types), the fields a rename shows in."""
    if isinstance(obj, Table):
        cols = tuple(
            replace(c, type=edit(c.type) or c.type, default=edit(c.default), generated=edit(c.generated))
            for c in obj.columns
        )
        return replace(obj, columns=cols)
    changes: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name in ("definition", "using", "check", "default", "base_type", "result", "arguments", "subtype"):
            changes[f.name] = edit(value)
        elif f.name == "columns" and isinstance(obj, View):
            changes[f.name] = tuple(edit(c) or c for c in value)
        elif f.name in ("checks", "attributes") and isinstance(value, tuple):
            changes[f.name] = tuple((n, edit(t) or t) for n, t in value)
    return replace(obj, **changes) if changes else obj


def rename_relation(model: Model, old: Table | View, new_name: str) -> Model:
    """A table, view or materialized view renamed in its schema."""
    schema, was = old.schema, old.name
    oid, nid = old.identity, qualified(schema, new_name)

    def fix(obj: DbObject) -> DbObject:
        if obj.key == old.key:
            obj = named(obj, new_name)
        if isinstance(obj, (Constraint, Index, Trigger, Policy)) and (obj.schema, obj.table) == (schema, was):
            obj = replace(obj, table=new_name)
        if isinstance(obj, Table):
            obj = replace(
                obj,
                partition_of=nid if obj.partition_of == oid else obj.partition_of,
                inherits=tuple(nid if p == oid else p for p in obj.inherits),
            )
        if isinstance(obj, (Grant, Owner)) and obj.on == oid and obj.on_kind in ("table", "column", old.key[0]):
            obj = replace(obj, on=nid)
        if isinstance(obj, TableRows) and obj.identity == oid:
            obj = named(obj, new_name)
        if isinstance(obj, Publication) and oid in obj.tables:
            obj = replace(obj, tables=tuple(sorted(nid if t == oid else t for t in obj.tables)))
        if isinstance(obj, Sequence) and obj.owned_by and obj.owned_by.startswith(oid + "."):
            obj = replace(obj, owned_by=nid + obj.owned_by[len(oid):])
        return _texts(obj, lambda t: swap(t, was, new_name, (schema,)))

    def keys(k: Key) -> Key:
        if k[0] == "column" and k[1].startswith(oid + "."):
            return ("column", nid + k[1][len(oid):])
        return k

    return rewritten(model, fix, keys)


def rename_column(model: Model, table: Table, old: str, new: str) -> Model:
    """A column of ``table`` renamed."""
    schema, tname, tid = table.schema, table.name, table.identity
    quals = (tname, "new", "old")
    column = ("column", f"{tid}.{quote_ident(old)}")

    def edit(t: str | None) -> str | None:
        return swap(t, old, new, quals)

    def fix(obj: DbObject) -> DbObject:
        if isinstance(obj, Table) and obj.key == table.key:
            cols = tuple(
                replace(c, name=new if c.name == old else c.name, generated=edit(c.generated)) for c in obj.columns
            )
            return replace(obj, columns=cols)
        if isinstance(obj, Constraint) and obj.type == "f":
            return replace(obj, definition=_fk_swap(obj, table, old, new))
        if isinstance(obj, (Constraint, Index, Trigger, Policy)) and (obj.schema, obj.table) == (schema, tname):
            return _texts(obj, edit)
        if isinstance(obj, View) and column in model.depends.get(obj.key, frozenset()):
            return replace(obj, definition=swap_view_column(obj.definition, tname, old, new))
        if isinstance(obj, Grant) and obj.on == tid and obj.column == old:
            return replace(obj, column=new)
        if isinstance(obj, Sequence) and obj.owned_by == f"{tid}.{quote_ident(old)}":
            return replace(obj, owned_by=f"{tid}.{quote_ident(new)}")
        return obj

    def keys(k: Key) -> Key:
        return ("column", f"{tid}.{quote_ident(new)}") if k == ("column", f"{tid}.{quote_ident(old)}") else k

    return rewritten(model, fix, keys)


def _fk_swap(c: Constraint, table: Table, old: str, new: str) -> str:
    """A foreign key's text with a renamed column of ``table``: its own columns (before
    REFERENCES) when it is on ``table``, the referenced ones when it references it."""
    head, sep, tail = c.definition.partition(" REFERENCES ")
    if (c.schema, c.table) == (table.schema, table.name):
        head = swap(head, old, new) or head
    target = tail.split("(", 1)[0].strip()
    if sep and target in (table.identity, quote_ident(table.name)) and table.schema in (c.schema, "public"):
        name, paren, rest = tail.partition("(")
        cols, close, after = rest.partition(")")
        tail = name + paren + (swap(cols, old, new) or cols) + close + after
    return head + sep + tail


def rename_named(model: Model, old: DbObject, new_name: str) -> Model:
    """A constraint, index or policy renamed (names no other object's text holds, but
    an index's definition and a table's replica identity index)."""

    def fix(obj: DbObject) -> DbObject:
        if obj.key == old.key:
            obj = named(obj, new_name)
            if isinstance(obj, Index):
                obj = replace(obj, definition=swap(obj.definition, getattr(old, "name"), new_name) or obj.definition)
        if isinstance(obj, Table) and obj.replica_index == getattr(old, "name") and old.owner_key == obj.key:
            obj = replace(obj, replica_index=new_name)
        return obj

    return rewritten(model, fix)


def rename_function(model: Model, old: Function, new_name: str) -> Model:
    oid = old.identity
    new_id = replace(old, name=new_name).identity

    def fix(obj: DbObject) -> DbObject:
        if obj.key == old.key:
            return replace(named(old, new_name), definition=swap(old.definition, old.name, new_name, (old.schema,), calls=True) or "")
        if isinstance(obj, (Grant, Owner)) and obj.on == oid and obj.on_kind in ("function", "procedure"):
            return replace(obj, on=new_id)
        if isinstance(obj, Function):
            return obj  # bodies are not rewritten by PostgreSQL either
        return _texts(obj, lambda t: swap(t, old.name, new_name, (old.schema,), calls=True))

    return rewritten(model, fix)


def rename_type(model: Model, old: DbObject, new_name: str) -> Model:
    """An enum, domain or composite type renamed: every text that names it follows."""
    schema, was = getattr(old, "schema"), getattr(old, "name")
    oid, nid = old.identity, qualified(schema, new_name)

    def fix(obj: DbObject) -> DbObject:
        if obj.key == old.key:
            obj = named(obj, new_name)
        if isinstance(obj, (Grant, Owner)) and obj.on == oid and obj.on_kind in ("type", "domain"):
            obj = replace(obj, on=nid)
        if isinstance(obj, (Grant, Owner)) and obj.on_kind in ("function", "procedure"):
            obj = replace(obj, on=swap(obj.on, was, new_name, (schema,)) or obj.on)
        return _texts(obj, lambda t: swap(t, was, new_name, (schema,)))

    return rewritten(model, fix)


def rename_sequence(model: Model, old: Sequence, new_name: str) -> Model:
    """A sequence renamed: the defaults that call it name it through a regclass literal."""
    oid, nid = old.identity, qualified(old.schema, new_name)
    literals = [
        (f"'{oid}'::regclass", f"'{nid}'::regclass"),
        (f"'{quote_ident(old.name)}'::regclass", f"'{quote_ident(new_name)}'::regclass"),
    ]

    def edit(t: str | None) -> str | None:
        for a, b in literals:
            t = t.replace(a, b) if t else t
        return t

    def fix(obj: DbObject) -> DbObject:
        if obj.key == old.key:
            return named(obj, new_name)
        if isinstance(obj, (Grant, Owner)) and obj.on == oid and obj.on_kind == "sequence":
            return replace(obj, on=nid)
        if isinstance(obj, Table):
            return replace(obj, columns=tuple(replace(c, default=edit(c.default)) for c in obj.columns))
        return obj

    return rewritten(model, fix)
