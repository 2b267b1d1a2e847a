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
import re
import sys
from dataclasses import dataclass, field, fields
from functools import cached_property
from operator import attrgetter
from typing import Any, Callable, ClassVar, Mapping, TypeVar, cast


O = TypeVar("O", bound="DbObject")

Key = tuple[str, str]
"""(kind, identity), e.g. ("table", "public.users")."""


@dataclass(frozen=True, slots=True)
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

    @property
    def compared(self) -> object:
        """What the diff compares of the object to tell whether it changes (equal: no
        change planned); a kind whose differ compares less than every field says what."""
        return self

    @property
    def source_name(self) -> str | None:
        """The name the schema files give the object, as the loader records it
        (``schema.name``; None without a schema); one named on its table says so."""
        schema, name = getattr(self, "schema", None), getattr(self, "name", None)
        return f"{schema}.{name}" if isinstance(schema, str) and isinstance(name, str) else None

    def to_json(self) -> dict[str, Any]:
        names, values = _fields_of(type(self))
        return dict(zip(names, map(_plain, values(self))))


_FIELDS: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {}


def _fields_of(cls: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """A dataclass's field names, and a function that gets all their values at once."""
    known = _FIELDS.get(cls)
    if known is None:
        names = tuple(f.name for f in fields(cls))
        get = attrgetter(*names)
        known = _FIELDS[cls] = (names, get if len(names) > 1 else lambda obj: (get(obj),))
    return known


_SCALARS = frozenset({str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    """A field's value as JSON: tuples become lists, nested dataclasses dicts."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple:
        return [_plain(v) for v in value]
    to_json = getattr(value, "to_json", None)
    return to_json() if to_json is not None else value


@dataclass(frozen=True)
class Model:
    """Every object of one database, by key, plus the dependency edges between them."""

    objects: Mapping[Key, DbObject]
    depends: Mapping[Key, frozenset[Key]] = field(default_factory=dict)
    server_version: int = 0
    # Extensions whose version the schema files pin (CREATE EXTENSION ... VERSION): only
    # theirs is compared. Set on the desired side; not part of the JSON or the fingerprint.
    pinned_extensions: frozenset[str] = frozenset()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the cache, schemakit.cachecodec): the fields, not the values cached in
        the instance (rebuilt on use; the cache's entries carry the fingerprint beside)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def of_kind(self, *kinds: str) -> dict[Key, DbObject]:
        return {k: v for k, v in self.objects.items() if k[0] in kinds}

    def of_class(self, cls: type[O]) -> dict[Key, O]:
        """The objects that are instances of ``cls`` (from an index by class built once:
        every kind's differ asks for its own)."""
        found: dict[Key, O] = {}
        for kind, objects in self._by_class.items():
            if issubclass(kind, cls):
                found.update(cast("dict[Key, O]", objects))
        return found

    @cached_property
    def _by_class(self) -> dict[type, dict[Key, DbObject]]:  # a model never changes: built once
        out: dict[type, dict[Key, DbObject]] = {}
        for key, obj in self.objects.items():
            out.setdefault(type(obj), {})[key] = obj
        return out

    def get(self, key: Key) -> DbObject | None:
        return self.objects.get(key)

    def to_json(self) -> dict[str, Any]:
        """The canonical form: sorted, no OIDs, no volatile fields."""
        grouped: dict[str, dict[str, Any]] = {}
        for (kind, ident), obj in sorted(self.objects.items()):
            grouped.setdefault(kind, {})[ident] = obj.to_json()
        return grouped

    def fingerprint(self) -> str:
        return self._fingerprint

    @cached_property
    def _fingerprint(self) -> str:  # a model never changes: computed once
        # The hash of json.dumps(fingerprinted form, sort_keys=True), fed one object at a
        # time: the same bytes, without the whole model's JSON in memory at once.
        digest = hashlib.sha256()
        kinds: dict[str, list[tuple[str, DbObject]]] = {}
        for (kind, ident), obj in self.objects.items():
            if kind not in _UNFINGERPRINTED:
                kinds.setdefault(kind, []).append((ident, obj))
        digest.update(b"{")
        for k, (kind, items) in enumerate(sorted(kinds.items())):
            digest.update(f'{"," if k else ""}{_dumps(kind)}:{{'.encode())
            for i, (ident, obj) in enumerate(sorted(items, key=_first)):
                data = _fingerprinted(kind, obj.to_json())
                digest.update(f'{"," if i else ""}{_dumps(ident)}:{_dumps(data)}'.encode())
            digest.update(b"}")
        digest.update(b"}")
        return digest.hexdigest()[:16]

    @classmethod
    def from_json(
        cls,
        objects: Mapping[str, Mapping[str, Mapping[str, Any]]],
        depends: Mapping[Key, frozenset[Key]] | None = None,
        server_version: int = 0,
    ) -> Model:
        """The inverse of ``to_json`` (see ``model_from_json`` at the end of this module)."""
        return model_from_json(objects, depends or {}, server_version)


# -- identifiers ----------------------------------------------------------------

_SAFE_IDENT = re.compile("[a-z_][a-z0-9_]*")  # what quote_identifier leaves unquoted
_QUOTED: dict[str, str] = {}


def quote_ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_identifier does.

    Used only to build identity strings that must equal pg_identify_object's
    output (keys), never to build SQL: SQL is composed with psycopg.sql.
    """
    quoted = _QUOTED.get(name)
    if quoted is None:
        if _SAFE_IDENT.fullmatch(name) and name not in _RESERVED:
            quoted = name
        else:
            quoted = '"' + name.replace('"', '""') + '"'
        if len(_QUOTED) < 1 << 16:  # the same names recur; bound the cache
            _QUOTED[name] = quoted
    return quoted


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def column_key(relation: Key, column: str) -> Key:
    """The key of one column of a table or view, as dependency edges name it.

    Columns are not objects of their own in the model (they live in their Table),
    but edges to them tell which objects use which column.
    """
    return ("column", f"{relation[1]}.{quote_ident(column)}")


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


# -- from JSON (snapshots) ----------------------------------------------------------
# Generic over every DbObject subclass: new kinds plug in without changes here.


def object_classes() -> list[type[DbObject]]:
    """Every concrete DbObject subclass, found recursively.

    Only the classes their modules bind: ``dataclass(slots=True)`` replaces the class
    it decorates, and the replaced one may linger among the subclasses until collected.
    """
    import schemakit.kinds  # noqa: F401  (the kinds' modules define their classes)

    out: list[type[DbObject]] = []
    todo = list(DbObject.__subclasses__())
    while todo:
        cls = todo.pop(0)
        if getattr(sys.modules.get(cls.__module__), cls.__qualname__, None) is cls:
            out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


def _restore(hint: Any, value: Any) -> Any:
    """A JSON value back into the field's type: lists → tuples, dicts → dataclasses."""
    import dataclasses
    import types
    import typing

    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is type(None):
                continue
            if isinstance(value, list) and typing.get_origin(arg) in (tuple, frozenset, list):
                return _restore(arg, value)
            if isinstance(value, dict) and dataclasses.is_dataclass(arg):
                return _restore(arg, value)
        return _restore(None, value)
    if isinstance(value, list):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        elem = args[0] if args else None
        items = [_restore(elem, v) for v in value]
        return frozenset(items) if origin is frozenset else tuple(items)
    if isinstance(value, dict) and isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value)
    return value


def _build(cls: type[Any], data: Mapping[str, Any]) -> Any:
    import typing

    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # pragma: no cover - an unresolvable annotation: lists become tuples
        hints = {}
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    return cls(**{k: _restore(hints.get(k), v) for k, v in data.items()})


def model_from_json(
    objects: Mapping[str, Mapping[str, Mapping[str, Any]]],
    depends: Mapping[Key, frozenset[Key]],
    server_version: int,
) -> Model:
    """Rebuild a Model from ``Model.to_json()`` output.

    The kind registry maps each class's ``kind`` to the class. A key kind no class
    declares (``procedure`` is a Function's key kind) falls back to the classes whose
    fields match the data. Each rebuilt object must have the key it was stored under.
    """
    classes = object_classes()
    registry = {cls.kind: cls for cls in classes if "kind" in cls.__dict__}
    out: dict[Key, DbObject] = {}
    for kind, items in objects.items():
        for ident, data in items.items():
            candidates = [registry[kind]] if kind in registry else []
            candidates += [c for c in classes if c not in candidates and {f.name for f in fields(c)} == set(data)]
            for cls in candidates:
                try:
                    obj = _build(cls, data)
                except (TypeError, ValueError):
                    continue
                if obj.key == (kind, ident):
                    out[(kind, ident)] = obj
                    break
            else:
                raise ValueError(f"cannot rebuild {kind} {ident}: no object kind matches its fields")
    return Model(objects=out, depends=dict(depends), server_version=server_version)


# Declared rows are read only where the schema files name them (schemakit.rows): the
# catalog's state, which the fingerprint stands for, is compared without them.
# Owners likewise (schemakit.owners): only those the files declare are read.
_UNFINGERPRINTED = frozenset({"rows", "owner"})


def _fingerprinted(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """One object's ``to_json`` as fingerprinted: table columns by name, since the diff
    ignores their physical order (an added column goes last in the target but may be
    in the middle of the schema files), and a target the plan has been applied to
    must have the desired fingerprint. View definitions are compared in the form
    every major agrees on (PostgreSQL 16+ prints single-relation views unqualified,
    schemakit.viewdef)."""
    if kind == "table":
        return {**data, "columns": sorted(data.get("columns", []), key=lambda c: str(c.get("name")))}
    if kind in ("view", "materialized view"):
        from schemakit.viewdef import normalize  # pglast: loaded only when views are compared

        return {**data, "definition": normalize(data["definition"])}
    return data


_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def _first(item: tuple[str, Any]) -> str:
    return item[0]
