"""What the loader's classifier produces and the parts all its handlers share.

``Classified`` (a statement's kind, what it creates and references), ``Rejected`` (a
statement with no place in a schema file), ``ACCEPTED_KINDS`` and the base class of the
classifier: naming (qualifying written names, implicit names) and reference finding.
The handlers live in ``classify`` (creations), ``alterations`` and ``rejections``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from pglast import ast
from pglast.enums import (
    ConstrType,
)
from pglast.parser import scan

from schemakit.source.refs import (
    Ref,
    collect_refs,
    refs_among,
    strings,
)

BUCKETS_TABLE = ("storage", "buckets")

DROP_MESSAGE = (
    "DROP statements are not allowed in schema files: remove the object's definition "
    "instead; schemakit plans the drop"
)
DATA_HINT = "schema files declare objects; move data changes to a seed script"


class Rejected(Exception):
    """A statement that has no place in a schema file."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


Identity = tuple[str, str]  # (object class, qualified name), e.g. ("policy", "public.t.p")


@dataclass(frozen=True)
class Classified:
    """What one statement is, creates and references (names not yet resolved)."""

    kind: str
    provides: frozenset[str] = frozenset()
    refs: frozenset[Ref] = frozenset()  # resolved later against the search_path
    global_refs: frozenset[str] = frozenset()  # schemas, "extension:x", "publication:x"
    creates: frozenset[Identity] = frozenset()  # what a DROP ... IF EXISTS may match
    drops: tuple[Identity, ...] = ()  # for kind "drop": the objects dropped
    create_schemas: frozenset[str] = frozenset()  # schemas of objects default privileges affect
    default_privileges: frozenset[str] | None = None  # ALTER DEFAULT PRIVILEGES schemas (empty: all)
    after_all_in: frozenset[str] = frozenset()  # GRANT ... ON ALL ... IN SCHEMA s
    target: str | None = None  # the table an index/trigger/policy/ALTER TABLE applies to


ACCEPTED_KINDS: frozenset[str] = frozenset(
    {
        "create_table",
        "create_view",
        "create_materialized_view",
        "create_composite_type",
        "create_sequence",
        "create_index",
        "create_function",
        "create_procedure",
        "create_enum",
        "create_range_type",
        "create_domain",
        "create_collation",
        "create_trigger",
        "create_policy",
        "create_schema",
        "create_extension",
        "create_publication",
        "create_event_trigger",
        "alter_table",
        "alter_view",
        "alter_materialized_view",
        "alter_sequence",
        "alter_index",
        "alter_type",
        "alter_domain",
        "alter_function",
        "alter_procedure",
        "alter_policy",
        "alter_owner",
        "alter_publication",
        "alter_event_trigger",
        "alter_default_privileges",
        "comment",
        "grant",
        "revoke",
        "bucket",
        "declared_rows",
        "drop",
    }
)
"""Every kind a statement the loader accepts is classified as. Each is read back from
the shadow's catalog, diffed and rendered (tests/test_kinds_coverage.py loads an
example of each); ``classify`` refuses to return any other. Each is read by a kind of
the registry (``schemakit.kinds``: ``Kind.statements``, or the shared COMMENT, OWNER TO
and DROP): tests/test_registry.py checks the two lists are the same."""


def statement_head(sql: str, limit: int = 4) -> str:
    """The leading keywords of a statement, upper-cased: "DROP POLICY IF EXISTS"."""
    words: list[str] = []
    try:
        tokens = scan(sql)
    except Exception:
        tokens = []
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if token.kind == "NO_KEYWORD" or len(words) >= limit:
            break
        words.append(sql[token.start : token.end + 1].upper())
    return " ".join(words) or "this statement"


_SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})
_NAMEDATALEN = 64


def _clip(name: str, limit: int) -> str:
    """The longest prefix of ``name`` of at most ``limit`` UTF-8 bytes (whole characters)."""
    data = name.encode()
    if len(data) <= limit:
        return name
    return data[:limit].decode("utf-8", errors="ignore")


def implicit_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's ``makeObjectName``: ``name1_name2_label``, the longer of the two names
    shortened first so that the result fits in NAMEDATALEN - 1 bytes."""
    available = _NAMEDATALEN - 1 - (len(label.encode()) + 1) - 1
    chars1, chars2 = len(name1.encode()), len(name2.encode())
    while chars1 + chars2 > available:
        if chars1 > chars2:
            chars1 -= 1
        else:
            chars2 -= 1
    return f"{_clip(name1, chars1)}_{_clip(name2, chars2)}_{label}"


def drop_idiom_hint() -> str:
    return (
        "DROP ... IF EXISTS is accepted only as the idiom 'DROP ... IF EXISTS x; "
        "CREATE ... x', with the CREATE of the same object later in the files"
    )


def _multirange_name(range_name: str) -> str:
    """The multirange type PostgreSQL names after a range type: "range" becomes
    "multirange" (its first occurrence), else "_multirange" is appended."""
    if "range" in range_name:
        return range_name.replace("range", "multirange", 1)
    return range_name + "_multirange"


def _with_refs(result: Classified, extra: frozenset[Ref]) -> Classified:
    return replace(result, refs=result.refs | extra)



class ClassifierBase:
    """The state one statement's classification works on, and the naming helpers."""

    def __init__(
        self, node: ast.Node, sql: str, default_schema: str, nodes: Sequence[ast.Node] | None
    ) -> None:
        self.node = node
        self.sql = sql
        self.schema = default_schema
        self.nodes = nodes


    # -- naming helpers -------------------------------------------------------------

    def qualify(self, parts: list[str]) -> tuple[str, str]:
        """(schema, name) of an object being created, from its written name."""
        if len(parts) >= 2:
            return parts[-2], parts[-1]
        if len(parts) == 1:
            return self.schema, parts[0]
        raise Rejected("cannot determine the name of the object created by this statement")

    def qualify_rv(self, rv: ast.RangeVar | None) -> tuple[str, str]:
        if rv is None or not rv.relname:
            raise Rejected("cannot determine the table this statement is about")
        return (rv.schemaname or self.schema), rv.relname

    def refs(self, root: Any, exclude: frozenset[str] = frozenset()) -> frozenset[Ref]:
        if root is self.node and self.nodes is not None:
            found = refs_among(self.nodes)
        else:
            found = collect_refs(root)
        return frozenset(r for r in found if r.qualified(self.schema) not in exclude)

    def head(self) -> str:
        return statement_head(self.sql)

    def _implicit_sequences(
        self, schema: str, table: str, column: str | None, definition: ast.ColumnDef | ast.Constraint
    ) -> list[str]:
        """The sequences a serial or identity column creates implicitly (qualified names).

        PostgreSQL names them ``<table>_<column>_seq`` in the table's schema (truncated
        as for any implicit name), unless an identity's SEQUENCE NAME option names it.
        """
        if isinstance(definition, ast.ColumnDef):
            constraints = [c for c in definition.constraints or () if isinstance(c, ast.Constraint)]
            names = strings(definition.typeName.names) if definition.typeName is not None else []
            serial = len(names) == 1 and names[0].lower() in _SERIAL_TYPES
        else:
            constraints, serial = [definition], False
        identities = [c for c in constraints if c.contype == ConstrType.CONSTR_IDENTITY]
        if not column or not (serial or identities):
            return []
        for identity in identities:
            for option in identity.options or ():
                if isinstance(option, ast.DefElem) and option.defname == "sequence_name":
                    seq_schema, seq_name = self.qualify(strings(option.arg))
                    return [f"{seq_schema}.{seq_name}"]
        return [f"{schema}.{implicit_name(table, column, 'seq')}"]

    def unsupported(self) -> Rejected:
        return Rejected(
            f"{self.head()} is not supported in schema files",
            "schemakit does not manage this kind of object; manage it outside schemakit",
        )
