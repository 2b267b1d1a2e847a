"""The catalog cache: a database's model, kept under its catalog stamp.

People plan against the same local database many times while it does not change. A read
(``schemakit.catalog.reader``) starts, in its own transaction, with the catalog stamp
(``schemakit.catalog.stamp``: one query, ~40 ms at 1,000 tables against ~0.8 s for the
read). When ``.schemakit/cache/`` holds a model under that stamp, that model is the read's
answer; otherwise the catalog is read and stored under the stamp of the same snapshot
(``catalog-<sha256>.json``, written as the desired-state entries are: schemakit.cache).

The key holds the stamp, the server's address, the database, the role, the owners the
files declare and schemakit's code. A read that includes declared rows (data, which the
stamp does not cover) is never cached; nor is anything when the cache is off
(``--no-cache``, ``SCHEMAKIT_NO_CACHE=1``). The entry's header carries the model's
fingerprint and major version, so that a plan can tell that the target matches the
files' state without decoding the model (``summary``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from schemakit import cache
from schemakit.catalog.reader import CatalogReader
from schemakit.catalog.stamp import stamp
from schemakit.errors import SchemakitError
from schemakit.model import Model
from schemakit.owners import DeclaredOwners
from schemakit.rows import DeclaredTables

__all__ = ["Summary", "deferred", "read", "summary"]

KIND = "catalog"


@dataclass(frozen=True)
class Stored:
    """A model as the catalog cache holds it, with its fingerprint."""

    model: Model
    fingerprint: str


@dataclass(frozen=True)
class Summary:
    """What a catalog entry's header says: the model's fingerprint and major version."""

    key: str
    fingerprint: str
    server_version: int

    @property
    def major(self) -> int:
        return self.server_version // 10000


def _key(conn: psycopg.Connection[Any], owners: DeclaredOwners | None) -> str:
    """The entry's name for the catalog the connection sees now (the stamp query)."""
    info = conn.info
    digest = hashlib.sha256()
    for part in (
        str(cache.FORMAT), cache.code_digest(), KIND, str(info.host), str(info.port), str(info.dbname),
        str(info.user), repr(owners or DeclaredOwners()), stamp(conn),
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def read(
    conn: psycopg.Connection[Any],
    rows: DeclaredTables | None = None,
    owners: DeclaredOwners | None = None,
    told: Callable[[bool], None] | None = None,
) -> Model:
    """The connected database's model (as ``read_model``), from the catalog cache when it
    holds the model of this very catalog; else read, and stored. ``told(cached)`` hears,
    before the work, whether the model comes from the cache or is read."""
    tell = told or (lambda _: None)
    settings = cache.active()
    if settings is None or rows:
        tell(False)
        return CatalogReader(conn, rows, owners).read()
    keys: list[str] = []
    hit: list[bool] = []

    def known() -> Model | None:
        keys.append(_key(conn, owners))
        found, _ = cache.read_entry(settings.directory, KIND, keys[0])
        hit.append(isinstance(found, Stored))
        tell(hit[0])
        if isinstance(found, Stored):
            cache.prime_fingerprint(found.model, found.fingerprint)
            return found.model
        return None

    try:
        model = CatalogReader(conn, rows, owners).read(known)
    except psycopg.Error:
        if keys:  # the read itself failed
            raise
        tell(False)
        return CatalogReader(conn, rows, owners).read()  # the stamp failed: read without the cache
    if keys and not hit[0]:
        fingerprint = model.fingerprint()  # every caller needs it: made once, and stored
        cache.write_entry(
            settings.directory, KIND, keys[0], Stored(model, fingerprint),
            meta={"summary": [fingerprint, model.server_version]},
        )
    return model


def summary(conn: psycopg.Connection[Any], owners: DeclaredOwners | None = None) -> Summary | None:
    """The header of the catalog cache's entry for the connected database as it is now
    (one stamp query, in a transaction of its own), None when there is none."""
    settings = cache.active()
    if settings is None:
        return None
    was_autocommit = conn.autocommit
    try:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        conn.autocommit = False
        key = _key(conn, owners)
    except psycopg.Error:
        return None
    finally:
        conn.rollback()
        conn.autocommit = was_autocommit
    header = cache.read_header(settings.directory, KIND, key)
    try:
        fingerprint, server_version = header["summary"] if header is not None else (None, 0)
        return None if fingerprint is None else Summary(key, str(fingerprint), int(server_version))
    except (KeyError, ValueError, TypeError):
        return None


def deferred(found: Summary) -> Model:
    """The model of the entry ``found`` names, decoded when its objects or dependencies
    are first looked at (a plan that turns out empty never does): its fingerprint and
    server version are the header's."""
    entry = _Entry(found.key)
    model = Model(objects=_Part(entry, "objects"), depends=_Part(entry, "depends"), server_version=found.server_version)
    cache.prime_fingerprint(model, found.fingerprint)
    return model


class _Entry:
    """A catalog entry, decoded once, on first use."""

    def __init__(self, key: str) -> None:
        self.key = key
        self._model: Model | None = None

    def model(self) -> Model:
        if self._model is None:
            settings = cache.active()
            value, _ = cache.read_entry(settings.directory, KIND, self.key) if settings else (None, False)
            if not isinstance(value, Stored):
                raise SchemakitError(
                    "the catalog cache's entry for the target disappeared while it was in use",
                    hint="run the command again (or with --no-cache)",
                )
            self._model = value.model
        return self._model


class _Part(Mapping[Any, Any]):
    """The objects or the dependencies of a deferred model."""

    def __init__(self, entry: _Entry, part: str) -> None:
        self._entry, self._part = entry, part

    def _mapping(self) -> Mapping[Any, Any]:
        found: Mapping[Any, Any] = getattr(self._entry.model(), self._part)
        return found

    def __getitem__(self, key: Any) -> Any:
        return self._mapping()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())
