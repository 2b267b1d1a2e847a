"""The schema model: small frozen dataclasses, one per object kind.

Both sides of a diff are read into this model by the same catalog code: the
desired side from a shadow database loaded with ``schema/*.sql``, the current
side from the target. Every object has a ``key``: its kind plus the identity
string PostgreSQL's ``pg_identify_object`` gives it (``public.users``,
``users_pkey on public.users``, ``public.f(integer)``). Those identities are
name based, so the same object has the same key in two databases, and they are
also what ``pg_depend`` edges are translated into.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Mapping

Key = tuple[str, str]
"""(kind, identity), e.g. ("table", "public.users")."""


@dataclass(frozen=True)
class DbObject:
    """Base of every modelled object."""

    kind: ClassVar[str]

    @property
    def identity(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def key(self) -> Key:
        return (self.kind, self.identity)

    @property
    def owner_key(self) -> Key | None:
        """The table an object belongs to (constraints, indexes, triggers, policies)."""
        return None

    def to_json(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, DbObject):
        return value.to_json()
    return value


@dataclass(frozen=True)
class Schema(DbObject):
    kind: ClassVar[str] = "schema"
    name: str
    comment: str | None = None

    @property
    def identity(self) -> str:
        return self.name_sql

    @property
    def name_sql(self) -> str:
        return quote_ident(self.name)


@dataclass(frozen=True)
class Extension(DbObject):
    kind: ClassVar[str] = "extension"
    name: str
    schema: str
    version: str

    @property
    def identity(self) -> str:
        return quote_ident(self.name)


@dataclass(frozen=True)
class EnumType(DbObject):
    kind: ClassVar[str] = "type"
    schema: str
    name: str
    labels: tuple[str, ...]
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    identity: str | None = None  # "a" (ALWAYS) or "d" (BY DEFAULT)
    generated: str | None = None  # the STORED expression
    collation: str | None = None  # only when it differs from the type's default
    comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Table(DbObject):
    kind: ClassVar[str] = "table"
    schema: str
    name: str
    columns: tuple[Column, ...]
    rls_enabled: bool = False
    rls_forced: bool = False
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["columns"] = [c.to_json() for c in self.columns]
        return data


@dataclass(frozen=True)
class Constraint(DbObject):
    kind: ClassVar[str] = "table constraint"
    schema: str
    table: str
    name: str
    type: str  # p, u, f, c, x
    definition: str  # pg_get_constraintdef
    comment: str | None = None

    @property
    def identity(self) -> str:
        return f"{quote_ident(self.name)} on {qualified(self.schema, self.table)}"

    @property
    def owner_key(self) -> Key:
        return ("table", qualified(self.schema, self.table))


@dataclass(frozen=True)
class Index(DbObject):
    kind: ClassVar[str] = "index"
    schema: str
    table: str
    name: str
    definition: str  # pg_get_indexdef
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def owner_key(self) -> Key:
        return ("table", qualified(self.schema, self.table))


@dataclass(frozen=True)
class Function(DbObject):
    kind: ClassVar[str] = "function"
    schema: str
    name: str
    arguments: str  # pg_get_function_identity_arguments
    result: str  # pg_get_function_result ('' for procedures)
    definition: str  # pg_get_functiondef
    is_procedure: bool = False
    comment: str | None = None

    @property
    def identity(self) -> str:
        return f"{qualified(self.schema, self.name)}({self.arguments})"

    @property
    def key(self) -> Key:
        return ("procedure" if self.is_procedure else "function", self.identity)


@dataclass(frozen=True)
class Trigger(DbObject):
    kind: ClassVar[str] = "trigger"
    schema: str
    table: str
    name: str
    definition: str  # pg_get_triggerdef
    enabled: str = "O"
    is_constraint: bool = False
    comment: str | None = None

    @property
    def identity(self) -> str:
        return f"{quote_ident(self.name)} on {qualified(self.schema, self.table)}"

    @property
    def owner_key(self) -> Key:
        return ("table", qualified(self.schema, self.table))


@dataclass(frozen=True)
class Policy(DbObject):
    kind: ClassVar[str] = "policy"
    schema: str
    table: str
    name: str
    permissive: bool
    command: str  # ALL, SELECT, INSERT, UPDATE, DELETE
    roles: tuple[str, ...]  # sorted role names; ("public",) when none given
    using: str | None
    check: str | None
    comment: str | None = None

    @property
    def identity(self) -> str:
        return f"{quote_ident(self.name)} on {qualified(self.schema, self.table)}"

    @property
    def owner_key(self) -> Key:
        return ("table", qualified(self.schema, self.table))

    @property
    def state(self) -> str:
        """A one-line rendering of everything compared; the SQL guards compute the same."""
        return policy_state(self.permissive, self.command, self.roles, self.using, self.check)


def policy_state(
    permissive: bool, command: str, roles: tuple[str, ...], using: str | None, check: str | None
) -> str:
    return "|".join(
        [
            "permissive" if permissive else "restrictive",
            command,
            ",".join(roles),
            using or "",
            check or "",
        ]
    )


@dataclass(frozen=True)
class Bucket(DbObject):
    kind: ClassVar[str] = "bucket"
    id: str
    name: str
    public: bool
    file_size_limit: int | None
    allowed_mime_types: tuple[str, ...] | None

    @property
    def identity(self) -> str:
        return self.id


@dataclass(frozen=True)
class Model:
    """Every object of one database, by key, plus the dependency edges between them."""

    objects: Mapping[Key, DbObject]
    depends: Mapping[Key, frozenset[Key]] = field(default_factory=dict)
    server_version: int = 0

    def of_kind(self, *kinds: str) -> dict[Key, DbObject]:
        return {k: v for k, v in self.objects.items() if k[0] in kinds}

    def get(self, key: Key) -> DbObject | None:
        return self.objects.get(key)

    def to_json(self) -> dict[str, Any]:
        """The canonical form: sorted, no OIDs, no volatile fields."""
        grouped: dict[str, dict[str, Any]] = {}
        for (kind, ident), obj in sorted(self.objects.items()):
            grouped.setdefault(kind, {})[ident] = obj.to_json()
        return grouped

    def fingerprint(self) -> str:
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- identifiers ----------------------------------------------------------------

_SAFE_FIRST = set("abcdefghijklmnopqrstuvwxyz_")
_SAFE_REST = _SAFE_FIRST | set("0123456789")


def quote_ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_identifier does.

    Used only to build identity strings that must equal pg_identify_object's
    output (keys), never to build SQL: SQL is composed with psycopg.sql.
    """
    if (
        name
        and name[0] in _SAFE_FIRST
        and all(ch in _SAFE_REST for ch in name)
        and name not in _RESERVED
    ):
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


# Keywords quote_identifier quotes (all but UNRESERVED_KEYWORD). Kept small and
# checked by a test against the server's pg_get_keywords().
_RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
    boolean both case cast char character check coalesce collate collation column concurrently
    constraint create cross current_catalog current_date current_role current_schema current_time
    current_timestamp current_user dec decimal default deferrable desc distinct do else end except
    exists extract false fetch float for foreign freeze from full grant greatest group grouping
    having ilike in initially inner inout int integer intersect interval into is isnull join
    json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar
    json_serialize json_table json_value lateral leading least left like limit localtime
    localtimestamp merge_action national natural nchar none normalize not notnull null nullif
    numeric offset on only or order out outer overlaps overlay placing position precision primary
    real references returning right row select session_user setof similar smallint some
    substring symmetric system_user table tablesample then time timestamp to trailing treat trim
    true union unique user using values varchar variadic verbose when where window with
    xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
    xmlserialize xmltable""".split()
)
