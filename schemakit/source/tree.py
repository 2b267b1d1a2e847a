"""Build ``pglast.ast`` trees from the parser's JSON output, quickly.

``pglast.parse_sql`` builds its nodes through ``Node.__setattr__``, which validates and
coerces every attribute in Python: most of the time of loading a large schema. The JSON
tree of ``pglast.parser.parse_sql_json`` carries the same information, so this module
builds the very same node objects from it (same classes, same attribute values: enums,
``False``/``0``/``'\\0'`` for fields the JSON omits as zero, tuples for lists, locations
in characters), setting the slots directly. A statement's tree is built as if the
statement had been parsed on its own: locations count from the statement's start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from keyword import iskeyword
from typing import Any

from pglast import ast, enums

Json = dict[str, Any]

_INT_TYPES = frozenset(
    {
        "AclMode",
        "AttrNumber",
        "Index",
        "RelFileNumber",
        "SubTransactionId",
        "bits32",
        "int",
        "int16",
        "int32",
        "long",
        "uint32",
        "uint64",
    }
)
_FLOAT_TYPES = frozenset({"Cardinality", "Cost"})

Setter = Callable[[ast.Node, Any], None]


@dataclass(frozen=True)
class _Layout:
    """How to build the nodes of one class: its slots, grouped by how a value is built.

    Each entry starts with the slot's setter (its descriptor's ``__set__``: no validation)
    and the field's name in the JSON, which omits fields that are zero, false or NULL.
    """

    cls: type[ast.Node]
    plain: tuple[tuple[Setter, str, Any], ...] = ()  # value as is, else the default
    enums: tuple[tuple[Setter, str, dict[str | None, Any]], ...] = ()  # member by name
    nodes: tuple[tuple[Setter, str], ...] = ()  # a wrapped node: {"TypeName": {...}}
    lists: tuple[tuple[Setter, str], ...] = ()  # a list of wrapped nodes
    structs: tuple[tuple[Setter, str, str], ...] = ()  # a node of a known type: {...}
    locations: tuple[tuple[Setter, str], ...] = ()  # byte offsets in the file
    converted: tuple[tuple[Setter, str, Callable[[Any], Any], Any], ...] = ()


def _layout_of(cls: type[ast.Node]) -> _Layout:
    groups: dict[str, list[tuple[Any, ...]]] = {}
    for attribute, info in cls.__slots__.items():  # type: ignore[attr-defined]
        c_type: str = info.c_type
        setter: Setter = getattr(cls, attribute).__set__
        # The JSON uses C's field names; pglast appends "_" to those that are keywords.
        keyword = attribute.endswith("_") and iskeyword(attribute[:-1])
        name = attribute[:-1] if keyword else attribute
        enum = getattr(enums, c_type, None)
        target = getattr(ast, c_type.rstrip("*"), None)
        group: str
        entry: tuple[Any, ...]
        if c_type in _PLAIN_DEFAULTS:
            group, entry = "plain", (setter, name, _PLAIN_DEFAULTS[c_type])
        elif c_type == "ParseLoc":
            group, entry = "locations", (setter, name)
        elif c_type in ("Node*", "Expr*"):
            group, entry = "nodes", (setter, name)
        elif c_type == "List*":
            group, entry = "lists", (setter, name)
        elif c_type in _FLOAT_TYPES:
            group, entry = "converted", (setter, name, float, 0.0)
        elif c_type == "Bitmapset*":
            group, entry = "converted", (setter, name, set, None)
        elif isinstance(enum, type) and issubclass(enum, Enum):
            members: dict[str | None, Any] = {k: m for k, m in enum.__members__.items()}
            members[None] = next((m for m in enum if m.value == 0), None)  # pglast: enum(0)
            group, entry = "enums", (setter, name, members)
        elif isinstance(target, type) and issubclass(target, ast.Node):
            group, entry = "structs", (setter, name, target.__name__)
        else:
            raise NotImplementedError(f"cannot build {cls.__name__}.{attribute} ({c_type})")
        groups.setdefault(group, []).append(entry)
    return _Layout(cls, **{group: tuple(entries) for group, entries in groups.items()})


_PLAIN_DEFAULTS: dict[str, Any] = {"bool": False, "char": "\0", "char*": None}
_PLAIN_DEFAULTS.update(dict.fromkeys(_INT_TYPES, 0))
_LAYOUTS: dict[str, _Layout] = {}


def _layout(tag: str) -> _Layout:
    layout = _LAYOUTS.get(tag)
    if layout is None:
        cls = getattr(ast, tag, None)
        if not (isinstance(cls, type) and issubclass(cls, ast.Node)):
            raise ValueError(f"unknown node type {tag!r}")
        layout = _LAYOUTS[tag] = _layout_of(cls)
    return layout


_CONSTANTS = (
    ("ival", ast.Integer),
    ("fval", ast.Float),
    ("boolval", ast.Boolean),
    ("sval", ast.String),
    ("bsval", ast.BitString),
)


class TreeBuilder:
    """Builds the trees of one file's statements.

    ``char_index`` maps a byte offset of the file's UTF-8 encoding to a character offset
    (None when the file is ASCII: both are the same).
    """

    def __init__(self, char_index: Sequence[int] | None) -> None:
        self.char_index = char_index
        self.start = 0  # character offset of the current statement
        self.length = 0  # its length in characters

    def statement(self, stmt: Json, start: int, length: int) -> ast.Node | None:
        """The tree of one statement (``stmt`` of a RawStmt) that lies at ``start``."""
        self.start = start
        self.length = length
        node: ast.Node | None = self.node(stmt)
        return node

    def location(self, offset: int) -> int | None:
        """Like pglast: a character offset into the statement, None when outside it."""
        if offset < 0:
            return None
        if self.char_index is not None:
            offset = self.char_index[offset] if offset < len(self.char_index) else offset
        offset -= self.start
        return offset if 0 <= offset < self.length else None

    def node(self, wrapped: Json) -> Any:
        """A node from ``{"Type": {fields}}``; ``{}`` (a NULL list item) is None."""
        for tag, fields in wrapped.items():
            return self.build(tag, fields)
        return None

    def build(self, tag: str, fields: Json) -> Any:
        if tag == "List":
            return tuple([self.node(item) for item in fields.get("items", ())])
        if tag == "A_Const":
            return self.a_const(fields)
        layout = _layout(tag)
        result = layout.cls.__new__(layout.cls)
        get = fields.get
        node = self.node
        for setter, name, default in layout.plain:
            setter(result, get(name, default))
        for setter, name, members in layout.enums:
            setter(result, members[get(name)])
        for setter, name in layout.nodes:
            value = get(name)
            setter(result, None if value is None else node(value))
        for setter, name in layout.lists:
            value = get(name)
            setter(result, None if value is None else tuple([node(item) for item in value]))
        for setter, name, target in layout.structs:
            value = get(name)
            setter(result, None if value is None else self.build(target, value))
        for setter, name in layout.locations:
            value = get(name)  # omitted when 0 in C: unset, or the start of the text
            setter(result, 0 if value is None else self.location(value))
        for setter, name, convert, default in layout.converted:
            value = get(name)
            setter(result, default if value is None else convert(value))
        return result

    def a_const(self, fields: Json) -> ast.A_Const:
        # The value is a union in C, written in the JSON under the name of its member.
        value = None
        if not fields.get("isnull"):
            for key, cls in _CONSTANTS:
                member = fields.get(key)
                if member is not None:
                    value = self.build(cls.__name__, member)
                    break
        result = ast.A_Const.__new__(ast.A_Const)
        _set_isnull(result, bool(fields.get("isnull", False)))
        _set_val(result, value)
        return result


_set_isnull: Setter = getattr(ast.A_Const, "isnull").__set__
_set_val: Setter = getattr(ast.A_Const, "val").__set__


def char_index(text: str) -> list[int] | None:
    """Byte offset in ``text``'s UTF-8 encoding → character offset; None for ASCII text."""
    if text.isascii():
        return None
    index: list[int] = []
    for position, char in enumerate(text):
        size = 1 if char < "\x80" else len(char.encode("utf-8"))
        index.extend([position] * size)
    index.append(len(text))
    return index
