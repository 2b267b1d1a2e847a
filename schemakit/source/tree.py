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

import re
from bisect import bisect_right
from collections.abc import Callable
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
_NODE_TYPES = frozenset({"Node*", "Expr*", "List*"})  # built with builder.node

Setter = Callable[[ast.Node, Any], None]
Maker = Callable[["TreeBuilder", Json], Any]


def _maker(cls: type[ast.Node], noted: bool) -> Maker:
    """A function building a ``cls`` node from its JSON fields.

    It is generated, one statement per slot, rather than looping over the slots: these
    functions run about a hundred thousand times for a large schema. Each slot is set
    through its descriptor (``__set__``), which bypasses ``Node.__setattr__``'s
    validation. The JSON omits fields that are zero, false or NULL. When ``noted``, the
    node is appended to the builder's ``noted`` list.
    """
    namespace: dict[str, Any] = {"new": cls.__new__, "cls": cls}
    lines = ["def make(builder, fields):", "    get = fields.get", "    result = new(cls)"]
    c_types: list[str] = []
    for i, (attribute, info) in enumerate(cls.__slots__.items()):  # type: ignore[attr-defined]
        c_type: str = info.c_type
        c_types.append(c_type)
        namespace[f"set{i}"] = getattr(cls, attribute).__set__
        # The JSON uses C's field names; pglast appends "_" to those that are keywords.
        keyword = attribute.endswith("_") and iskeyword(attribute[:-1])
        field = repr(attribute[:-1] if keyword else attribute)
        enum = getattr(enums, c_type, None)
        target = getattr(ast, c_type.rstrip("*"), None)
        if c_type in _PLAIN_DEFAULTS:
            namespace[f"default{i}"] = _PLAIN_DEFAULTS[c_type]
            value = f"get({field}, default{i})"
        elif c_type == "ParseLoc":  # omitted when 0 in C: unset, or the start of the text
            value = f"0 if (v := get({field})) is None else builder.location(v)"
        elif c_type in ("Node*", "Expr*"):
            value = f"None if (v := get({field})) is None else node(v)"
        elif c_type == "List*":
            value = f"None if (v := get({field})) is None else tuple([node(i) for i in v])"
        elif c_type in _FLOAT_TYPES:
            value = f"float(get({field}, 0.0))"
        elif c_type == "Bitmapset*":
            value = f"None if (v := get({field})) is None else set(v)"
        elif isinstance(enum, type) and issubclass(enum, Enum):
            members: dict[str | None, Any] = {k: m for k, m in enum.__members__.items()}
            members[None] = next((m for m in enum if m.value == 0), None)  # pglast: enum(0)
            namespace[f"members{i}"] = members
            value = f"members{i}[get({field})]"
        elif isinstance(target, type) and issubclass(target, ast.Node):
            tag = repr(target.__name__)
            value = f"None if (v := get({field})) is None else builder.build({tag}, v)"
        else:
            raise NotImplementedError(f"cannot build {cls.__name__}.{attribute} ({c_type})")
        lines.append(f"    set{i}(result, {value})")
    if any(c_type in _NODE_TYPES for c_type in c_types):
        lines.insert(1, "    node = builder.node")
    if noted:
        lines.append("    builder.noted.append(result)")
    lines.append("    return result")
    exec("\n".join(lines), namespace)
    maker: Maker = namespace["make"]
    return maker


_PLAIN_DEFAULTS: dict[str, Any] = {"bool": False, "char": "\0", "char*": None}
_PLAIN_DEFAULTS.update(dict.fromkeys(_INT_TYPES, 0))


def _make_list(builder: TreeBuilder, fields: Json) -> tuple[Any, ...]:
    return tuple([builder.node(item) for item in fields.get("items", ())])


_CONSTANTS = (
    ("ival", "Integer"),
    ("fval", "Float"),
    ("boolval", "Boolean"),
    ("sval", "String"),
    ("bsval", "BitString"),
)
_set_isnull: Setter = getattr(ast.A_Const, "isnull").__set__
_set_val: Setter = getattr(ast.A_Const, "val").__set__


def _make_a_const(builder: TreeBuilder, fields: Json) -> ast.A_Const:
    # The value is a union in C, written in the JSON under the name of its member.
    value = None
    if not fields.get("isnull"):
        for key, tag in _CONSTANTS:
            member = fields.get(key)
            if member is not None:
                value = builder.build(tag, member)
                break
    result = ast.A_Const.__new__(ast.A_Const)
    _set_isnull(result, bool(fields.get("isnull", False)))
    _set_val(result, value)
    return result


class _Makers(dict[str, Maker]):
    """The maker of each JSON tag, generated when first needed."""

    def __init__(self, noted: frozenset[type[ast.Node]]) -> None:
        super().__init__(List=_make_list, A_Const=_make_a_const)
        self.noted = noted

    def __missing__(self, tag: str) -> Maker:
        cls = getattr(ast, tag, None)
        if not (isinstance(cls, type) and issubclass(cls, ast.Node)):
            raise ValueError(f"unknown node type {tag!r}")
        maker = self[tag] = _maker(cls, cls in self.noted)
        return maker


_MAKERS: dict[frozenset[type[ast.Node]], _Makers] = {}


class TreeBuilder:
    """Builds the trees of one file's statements.

    ``offsets`` maps a byte offset of the file's UTF-8 encoding to a character offset
    (None when the file is ASCII: both are the same). The nodes of the types in
    ``noted`` are listed in ``noted``, per statement, as they are built.
    """

    def __init__(
        self, offsets: CharOffsets | None, noted: frozenset[type[ast.Node]] = frozenset()
    ) -> None:
        self.offsets = offsets
        makers = _MAKERS.get(noted)
        if makers is None:
            makers = _MAKERS[noted] = _Makers(noted)
        self.makers = makers
        self.start = 0  # character offset of the current statement
        self.length = 0  # its length in characters
        self.noted: list[ast.Node] = []

    def statement(self, stmt: Json, start: int, length: int) -> ast.Node | None:
        """The tree of one statement (``stmt`` of a RawStmt) that lies at ``start``."""
        self.start = start
        self.length = length
        self.noted = []
        node: ast.Node | None = self.node(stmt)
        return node

    def location(self, offset: int) -> int | None:
        """Like pglast: a character offset into the statement, None when outside it."""
        if offset < 0:
            return None
        if self.offsets is not None:
            offset = self.offsets(offset)
        offset -= self.start
        return offset if 0 <= offset < self.length else None

    def node(self, wrapped: Json) -> Any:
        """A node from ``{"Type": {fields}}``; ``{}`` (a NULL list item) is None."""
        for tag, fields in wrapped.items():
            return self.makers[tag](self, fields)
        return None

    def build(self, tag: str, fields: Json) -> Any:
        """A node of type ``tag`` from its fields."""
        return self.makers[tag](self, fields)


class CharOffsets:
    """Maps byte offsets in a text's UTF-8 encoding to character offsets.

    Only the non-ASCII characters are recorded: ASCII text needs no mapping.
    """

    def __init__(self, text: str) -> None:
        self.ends: list[int] = []  # byte offset just past each non-ASCII character
        self.extra: list[int] = []  # the extra bytes of the non-ASCII characters so far
        extra = 0
        for run in _NON_ASCII.finditer(text):
            end = run.start() + extra
            for char in run.group():
                code = ord(char)
                size = 2 if code < 0x800 else 3 if code < 0x10000 else 4
                end += size
                extra += size - 1
                self.ends.append(end)
                self.extra.append(extra)
        self.size = len(text) + extra  # in bytes

    def __call__(self, offset: int) -> int:
        """The character offset of the character starting at byte ``offset``."""
        k = bisect_right(self.ends, offset)
        return offset - self.extra[k - 1] if k else offset


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
