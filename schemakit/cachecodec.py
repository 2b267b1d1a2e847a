"""The cache's storage form of schemakit's frozen dataclasses (schemakit.cache), and an
exact JSON form of them.

``Model.to_json`` is the canonical form of what is *compared*: it leaves out what takes
no part in a comparison (``Column.volatile_default``), the model's ``depends``,
``server_version`` and ``pinned_extensions``, and the order the catalog read the objects
in. A cached state must be the very value the shadow gave, so the cache keeps every field
of every dataclass, in the reader's order, and nothing else.

Stored (``dumps``/``loads``): pickle (protocol 5), read back by an unpickler that resolves
no global but schemakit's own dataclasses (the "restricting globals" pattern of the pickle
documentation): no function, no other class can be named by an entry, so an entry can build
schemakit's values and nothing else. A value holding any other class is written but never
read back (``Undecodable``: the entry is a miss, and is written again). Pickle, not JSON:
a 1,000-table model (~60,000 objects) is stored in a third of the time and read in two
thirds (measured in bench/README.md). A schemakit dataclass is stored as its class and its
``__init__`` arguments (``_Pickler``): read back by the class's own ``__init__``, 0.14 →
0.08 s for that model (pickle's default for a slotted dataclass calls ``fields()`` per object).

Compared (``encode``, tests): plain JSON values as they are, a tuple as a list, and tagged
objects for the rest::

    {"c": <class index>, "f": [<field values in declaration order>]}   a dataclass
    {"s": [<items, sorted by their JSON>]}                             a frozenset
    {"m": [[<key>, <value>], ...]}                                     a mapping (in its order)

Classes are named once each (``module:qualname``, only ``schemakit.*`` dataclasses). A value
of any other type is refused (``Unencodable``).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import io
import operator
import pickle
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Unencodable", "Undecodable", "encode", "dumps", "loads"]

class Unencodable(TypeError):
    """A value this form cannot hold exactly."""


class Undecodable(ValueError):
    """A document that is not this form (a corrupt or foreign cache entry)."""


class _Encoder:
    def __init__(self) -> None:
        self.classes: dict[type, int] = {}
        self.fields: dict[type, tuple[str, ...]] = {}

    def value(self, value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None or kind is float:
            return value
        names = self.fields.get(kind)
        if names is not None:  # a dataclass seen before: the usual case
            return {"c": self.classes[kind], "f": [self.value(getattr(value, name)) for name in names]}
        if kind is tuple:
            return [v if type(v) is str else self.value(v) for v in value]
        if kind is frozenset:
            try:
                ordered = sorted(value)  # the same order each time, for equal sets
            except TypeError:  # items of several types
                items = [self.value(v) for v in value]
                items.sort(key=repr)
                return {"s": items}
            return {"s": [self.value(v) for v in ordered]}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self.dataclass(value)
        if isinstance(value, Mapping):
            return {"m": [[self.value(k), self.value(v)] for k, v in value.items()]}
        raise Unencodable(f"cannot hold a {kind.__name__} exactly")

    def dataclass(self, value: Any) -> dict[str, Any]:
        cls = type(value)
        index = self.classes.get(cls)
        if index is None:
            if not cls.__module__.startswith("schemakit.") or "<locals>" in cls.__qualname__:
                raise Unencodable(f"{cls.__module__}.{cls.__qualname__} is not a schemakit class")
            names = _init_fields(cls)
            if names is None:
                raise Unencodable(f"{cls.__qualname__} has a field that is not a positional __init__ argument")
            index = self.classes[cls] = len(self.classes)
            self.fields[cls] = names
        return {"c": index, "f": [self.value(getattr(value, name)) for name in self.fields[cls]]}


def encode(value: Any) -> dict[str, Any]:
    """``value`` (a schemakit dataclass, or tuples/lists/mappings of them) as JSON-ready data."""
    encoder = _Encoder()
    body = encoder.value(value)
    names = [f"{cls.__module__}:{cls.__qualname__}" for cls in encoder.classes]
    return {"classes": names, "value": body}


@functools.cache
def _class(name: str) -> type:
    module, _, qualname = name.partition(":")
    if not module.startswith("schemakit.") or not qualname:
        raise Undecodable(f"class {name!r} is not schemakit's")
    try:
        found: Any = importlib.import_module(module)
    except ImportError:
        raise Undecodable(f"no module {module}") from None
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if not isinstance(found, type) or not dataclasses.is_dataclass(found):
        raise Undecodable(f"{name} is not a dataclass")
    return found


_ARGUMENTS: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}


def _init_fields(cls: type) -> tuple[str, ...] | None:
    """A dataclass's fields, in order, when they are all positional ``__init__`` arguments
    (what both forms rebuild it from); None when one is not."""
    found = dataclasses.fields(cls)
    return None if any(not f.init or f.kw_only for f in found) else tuple(f.name for f in found)


def _arguments_of(cls: type) -> Callable[[Any], tuple[Any, ...]] | None:
    """The getter of a schemakit dataclass's ``__init__`` arguments (its fields, in order),
    or None for another class, or one with a field ``__init__`` does not take."""
    if not (dataclasses.is_dataclass(cls) and cls.__module__.startswith("schemakit.")):
        return None
    names = _init_fields(cls)
    if names is None:
        return None
    if len(names) > 1:
        return operator.attrgetter(*names)  # a tuple of the values, made in C
    return lambda value: tuple(getattr(value, name) for name in names)


class _Pickler(pickle.Pickler):
    """Stores a schemakit dataclass as its class and its ``__init__`` arguments: read back,
    the class's own ``__init__`` builds it, several times faster than pickle's default for
    a slotted dataclass (``__setstate__`` looping over ``fields()`` for each object)."""

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        try:
            arguments = _ARGUMENTS[cls]
        except KeyError:
            arguments = _ARGUMENTS[cls] = _arguments_of(cls)
        return NotImplemented if arguments is None else (cls, arguments(obj))


def dumps(value: Any) -> bytes:
    """``value`` stored (what ``loads`` takes)."""
    out = io.BytesIO()
    try:
        _Pickler(out, protocol=5).dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        raise Unencodable(str(exc)) from None
    return out.getvalue()


class _Unpickler(pickle.Unpickler):
    """Resolves schemakit's dataclasses, and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        return _class(f"{module}:{name}")


def loads(body: bytes) -> Any:
    """The value ``dumps`` stored; Undecodable when ``body`` is not such a value."""
    try:
        return _Unpickler(io.BytesIO(body)).load()
    except Undecodable:
        raise
    except Exception as exc:  # a damaged or foreign body: pickle raises many kinds of errors
        raise Undecodable(f"{exc.__class__.__name__}: {exc}") from None
