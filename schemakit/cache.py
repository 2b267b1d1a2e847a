"""The desired-state cache: a plan skips the shadow when nothing it depends on changed.

The state the shadow gives for the schema files (``DesiredState``: the model, the
platform's pristine keys, the warnings) depends only on

- the loader's output: every statement's text, kind, location, what it provides and
  requires, and the bytes of every file they come from;
- the shadow's platform: the profile (baseline or plain) and the baseline's and the
  stand-ins' versions;
- the shadow server: its exact version, the loading role and its attributes, the roles
  and memberships of the cluster and the settings of roles in every database (a new
  shadow database has no settings of its own), the extensions it offers, its templates'
  encoding and locale, its collations and the settings that change how the catalog
  prints values;
- schemakit itself: its version and a digest of every file of the package (so an edited
  checkout never reads an entry an older code wrote).

A hash of all of it names the entry, ``<state_dir>/cache/desired-<sha256>.json``. The
entry holds the state exactly (schemakit.cachecodec: every field, in the reader's
order). It is written to a temporary file and renamed into place, so that a reader
sees a whole entry or none, whatever runs at once; an entry whose checksum, length,
key or content does not match is ignored (and rewritten by the load that follows).
``check``'s replay of the migration files is cached the same way
(``replay-<sha256>.json``, keyed on the migration files' bytes instead), and so is the
loader's output itself (``sources-<sha256>.json``, keyed on the schema folder's files,
their bytes, the working directory that their shown paths are relative to, and
schemakit), so that an unchanged plan parses nothing either.

A database's own model is cached too, under its catalog stamp (``catalog-<sha256>.json``:
schemakit.catalog.memo, which uses this module's entries).

The cache is on for the commands that plan (``plan``, ``apply``, ``check``, ``diff``) unless
``--no-cache`` or ``SCHEMAKIT_NO_CACHE=1``; library callers turn it on with
``enabled(directory)``. The newest ``KEEP`` entries of each kind are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import psycopg

import schemakit
from schemakit import cachecodec
from schemakit.catalog.reader import query_text
from schemakit.desired import DesiredState
from schemakit.errors import SchemakitError
from schemakit.model import Model
from schemakit.owners import DeclaredOwners
from schemakit.server.baseline import BASELINE_VERSION
from schemakit.server.standins import standins_version
from schemakit.source import FileItems, SourceError, SourceStatement
from schemakit.source.model import SourceFile
from schemakit.source.order import Order
from schemakit.source.parse import read_source

__all__ = [
    "FORMAT",
    "KEEP",
    "NO_CACHE_ENV",
    "Settings",
    "active",
    "configure",
    "enabled",
    "cached_desired_state",
    "cached_replay",
    "cached_sources",
    "desired_key",
]

FORMAT = 2
"""The entries' layout; part of every key."""
KEEP = 32
"""Entries kept in a cache folder: older ones (by last use) are removed when one is written."""
NO_CACHE_ENV = "SCHEMAKIT_NO_CACHE"

Notify = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    directory: Path
    notify: Notify | None = None  # says whether the cache hit (the CLI's progress lines)


_settings: Settings | None = None


def configure(settings: Settings | None) -> Settings | None:
    """Turn the cache on (``settings``) or off (None) for this process; returns the previous settings."""
    global _settings
    previous, _settings = _settings, settings
    return previous


@contextlib.contextmanager
def enabled(directory: Path | None, notify: Notify | None = None) -> Iterator[None]:
    """The cache in ``directory`` (None: off) for the ``with`` block."""
    previous = configure(Settings(directory, notify) if directory is not None else None)
    try:
        yield
    finally:
        configure(previous)


def active() -> Settings | None:
    """The cache's settings, None when it is off (also by ``SCHEMAKIT_NO_CACHE``)."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    return _settings


# -- keys ------------------------------------------------------------------------------


@cache
def code_digest() -> str:
    """schemakit's version and every file of its package (sources, queries, baseline, stand-ins)."""
    digest = hashlib.sha256(f"schemakit {schemakit.__version__}\0".encode())
    root = Path(schemakit.__file__).resolve().parent
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".sql", ".control")
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def server_facts(admin_url: str) -> tuple[str, ...]:
    """What ``catalog/queries/server_facts.sql`` reads of the shadow server at ``admin_url``."""
    from schemakit.connect import connect

    with connect(admin_url, autocommit=True, given_by="--shadow-url (or the local server)") as conn:
        row = conn.execute(query_text("server_facts").encode()).fetchone()
    return tuple(str(v) for v in row) if row is not None else ()


def _environment(admin_url: str, baseline: bool) -> Any:
    """A sha256 (to be fed further) of what, besides the input, every entry depends on."""
    digest = hashlib.sha256()
    for part in (str(FORMAT), code_digest(), BASELINE_VERSION, standins_version(), f"baseline={baseline}"):
        digest.update(part.encode() + b"\0")
    for fact in server_facts(admin_url):
        digest.update(fact.encode() + b"\0")
    return digest


def environment(admin_url: str, baseline: bool) -> str:
    """What, besides the files, a shadow's state depends on (schemakit.keptshadow's check)."""
    return str(_environment(admin_url, baseline).hexdigest())


def _file_bytes(names: Sequence[str]) -> Iterator[bytes]:
    for name in names:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            data = f"<unreadable: {exc.__class__.__name__}>".encode()
        yield name.encode() + b"\0" + hashlib.sha256(data).digest()


def statements_digest(statements: Sequence[SourceStatement]) -> bytes:
    """The loader's output (every statement's fields) and the bytes of the files it read
    (made once per list of statements: a plan asks for it before and after its load)."""
    for seen, digest in _digests:
        if seen is statements:
            return digest
    made = _statements_digest(statements)
    _remember(statements, made)
    return made


def _remember(statements: Sequence[SourceStatement], digest: bytes) -> None:
    _digests[:] = [(statements, digest), *_digests[:1]]


_digests: list[tuple[Sequence[SourceStatement], bytes]] = []
"""The last statements' digests, by identity (the lists are never changed once loaded)."""


def _statements_digest(statements: Sequence[SourceStatement]) -> bytes:
    files: dict[str, None] = {}
    fields = []
    for s in statements:
        files.setdefault(s.location.file, None)
        fields.append([
            s.sql, s.location.file, s.location.line, s.location.col, s.kind,
            sorted(s.provides), sorted(s.requires), s.offset, s.file_index,
        ])
    digest = hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode())
    for part in _file_bytes(list(files)):
        digest.update(part)
    return digest.digest()


def desired_key(
    statements: Sequence[SourceStatement], admin_url: str, baseline: bool, files: bytes | None = None
) -> str:
    """The name of the schema files' state on this shadow server (one round trip to it);
    ``files``: ``statements_digest(statements)`` when the caller has it already."""
    digest = _environment(admin_url, baseline)
    digest.update(b"desired\0" + (files if files is not None else statements_digest(statements)))
    return str(digest.hexdigest())


def replay_key(
    migrations: Sequence[Any], admin_url: str, baseline: bool, every: bool,
    rows: Mapping[str, tuple[str, ...]] | None, owners: DeclaredOwners | None,
) -> str:
    """The name of the replayed state of these migration files (their names and bytes)."""
    digest = _environment(admin_url, baseline)
    digest.update(f"replay\0every={every}\0rows={sorted((rows or {}).items())!r}\0owners={owners!r}\0".encode())
    for part in _file_bytes([str(m.path) for m in migrations]):
        digest.update(part)
    return str(digest.hexdigest())


# -- entries ---------------------------------------------------------------------------


def entry_path(directory: Path, kind: str, key: str) -> Path:
    return directory / f"{kind}-{key}.json"


def read_entry(directory: Path, kind: str, key: str) -> tuple[Any, bool]:
    """(the value stored under ``key``, whether a damaged entry was found there);
    the value is None when there is no usable entry."""
    path = entry_path(directory, kind, key)
    try:
        data = path.read_bytes()
    except OSError:
        return None, False
    try:
        head, _, body = data.partition(b"\n")
        header = json.loads(head)
        if (
            header.get("format") != FORMAT
            or header.get("key") != key
            or header.get("length") != len(body)
            or header.get("sha256") != hashlib.sha256(body).hexdigest()
        ):
            return None, True
        value = cachecodec.loads(body)
    except (ValueError, AttributeError, cachecodec.Undecodable):
        return None, True
    with contextlib.suppress(OSError):
        os.utime(path)  # the last use, for pruning
    return value, False


def write_entry(
    directory: Path, kind: str, key: str, value: Any, *, keep: int | None = KEEP, meta: Mapping[str, Any] | None = None
) -> bool:
    """Store ``value`` under ``key``: a temporary file renamed into place (atomic). False
    when the value cannot be held exactly or the folder cannot be written (nothing is
    stored). Then only the ``keep`` newest entries of the folder stay (None: all)."""
    try:
        body = cachecodec.dumps(value)
    except (cachecodec.Unencodable, ValueError):
        return False
    header = {
        "format": FORMAT, "kind": kind, "key": key, "length": len(body),
        "sha256": hashlib.sha256(body).hexdigest(), **(meta or {}),
    }
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(header).encode() + b"\n" + body)
            os.replace(temporary, entry_path(directory, kind, key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return False
    if keep is not None:
        prune(directory, keep, kind)
    return True


def prune(directory: Path, keep: int = KEEP, kind: str | None = None) -> None:
    """Remove all but the ``keep`` most recently used entries (of ``kind``; None: of every
    kind); another process may be removing them too: a file already gone is fine. Each kind
    keeps its own: a fleet's many catalog entries never push out the files' state."""
    entries: list[tuple[float, Path]] = []
    for path in directory.glob(f"{kind}-*.json" if kind else "*-*.json"):
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime, path))
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()


# -- the hooks -------------------------------------------------------------------------


def _cached(kind: str, key_of: Callable[[], str], load: Callable[[], T], accept: Callable[[Any], bool],
            say: Notify, hit: str, meta: Callable[[T], Mapping[str, Any]] | None = None) -> T:
    """``load()``'s value, from the entry ``key_of()`` names when it holds one ``accept``s;
    else loaded and stored (under the key as it is after the load: a load may add to the
    server, e.g. stand-ins, and the next run sees that server)."""
    settings = active()
    if settings is None:
        return load()
    try:
        key = key_of()
    except (psycopg.Error, SchemakitError):
        return load()  # the load reports the server's trouble
    value, damaged = read_entry(settings.directory, kind, key)
    if value is not None and accept(value):
        say(hit)
        return value  # type: ignore[no-any-return]
    say(f"cache: {'a damaged entry was ignored' if damaged else 'no entry'} for this state; it is stored after the load")
    loaded = load()
    with contextlib.suppress(psycopg.Error, SchemakitError):
        key = key_of()
    write_entry(settings.directory, kind, key, loaded, meta=meta(loaded) if meta is not None else None)
    return loaded


def _say(progress: Notify | None) -> Notify:
    settings = active()
    return progress or (settings.notify if settings is not None else None) or (lambda _: None)


def cached_desired_state(
    statements: Sequence[SourceStatement],
    shadow_admin: str,
    baseline: bool,
    load: Callable[[], DesiredState],
    progress: Notify | None = None,
) -> DesiredState:
    """The schema files' state: from the cache when it holds it, else ``load()`` (and stored)."""

    def loaded() -> Fingerprinted:
        state = load()
        return Fingerprinted(state, state.model.fingerprint())  # the plan needs it anyway

    files: list[bytes] = []  # the files' digest, made once: the key is made before and after the load

    def key() -> str:
        if not files:
            files.append(statements_digest(statements))
        return desired_key(statements, shadow_admin, baseline, files[0])

    found = _cached(
        "desired",
        key,
        loaded if active() is not None else lambda: Fingerprinted(load(), ""),
        lambda v: isinstance(v, Fingerprinted) and isinstance(v.state, DesiredState),
        _say(progress),
        "cache: the schema files' state comes from the cache: unchanged since it was stored "
        "(the shadow is skipped; --no-cache loads them again)",
        _summary,
    )
    if found.fingerprint:
        prime_fingerprint(found.state.model, found.fingerprint)
    return found.state


@dataclass(frozen=True)
class Summary:
    """What a desired-state entry's header says of it, read without its body: enough to
    tell that a target already matches it (schemakit.workflow's no-change path)."""

    fingerprint: str
    major: int
    plain: bool  # no warnings and nothing the platform put in the shadow


def _summary(found: Fingerprinted) -> dict[str, Any]:
    state = found.state
    plain = not state.warnings and not state.pristine and bool(found.fingerprint)
    return {"summary": [found.fingerprint, state.model.server_version // 10000, plain]}


def desired_summary(statements: Sequence[SourceStatement], shadow_admin: str, baseline: bool) -> Summary | None:
    """The summary of the cached state of the schema files on this shadow server, when the
    cache holds one (None when it does not, or its header cannot be read)."""
    settings = active()
    if settings is None:
        return None
    try:
        key = desired_key(statements, shadow_admin, baseline)
    except (OSError, psycopg.Error, SchemakitError):
        return None
    header = read_header(settings.directory, "desired", key)
    try:
        fingerprint, major, plain = header["summary"] if header is not None else (None, 0, False)
        return None if fingerprint is None else Summary(str(fingerprint), int(major), bool(plain))
    except (KeyError, ValueError, TypeError):
        return None


def read_header(directory: Path, kind: str, key: str) -> dict[str, Any] | None:
    """The header of the entry ``key`` names (its first line: what ``write_entry``'s ``meta``
    added, read without the body), None when there is no such entry of this layout; the
    entry counts as used (for pruning)."""
    path = entry_path(directory, kind, key)
    try:
        with open(path, "rb") as f:
            header = json.loads(f.readline())
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != key:
            return None
        os.utime(path)
    except (OSError, ValueError):
        return None
    return header


@dataclass(frozen=True)
class Fingerprinted:
    """A desired state as stored: with its model's fingerprint, which costs a pass over
    every object to compute and which every plan needs."""

    state: DesiredState
    fingerprint: str


def prime_fingerprint(model: Model, fingerprint: str) -> None:
    """Give ``model`` its known fingerprint (``Model.fingerprint`` caches it in the
    instance, as functools.cached_property does: a model never changes)."""
    if "_fingerprint" not in model.__dict__:
        model.__dict__["_fingerprint"] = fingerprint


def cached_replay(
    migrations: Sequence[Any],
    shadow_admin: str,
    replay: Callable[[], list[T]],
    *,
    every: bool,
    rows: Mapping[str, tuple[str, ...]] | None,
    owners: DeclaredOwners | None,
    baseline: bool,
    progress: Notify | None = None,
) -> list[T]:
    """The replayed states of ``migrations``: from the cache when it holds them, else ``replay()``."""
    from schemakit.migrations import ReplayedState

    def accept(value: Any) -> bool:
        return isinstance(value, tuple) and all(isinstance(s, ReplayedState) for s in value)

    states = _cached(
        "replay",
        lambda: replay_key(migrations, shadow_admin, baseline, every, rows, owners),
        lambda: tuple(replay()),  # stored as a tuple (the entries hold no lists)
        accept,
        _say(progress),
        "cache: the migration files' replayed state comes from the cache: unchanged since it was stored",
    )
    return list(states)


# -- the loader's output ---------------------------------------------------------------


@dataclass(frozen=True)
class LoadedSources:
    """What ``load_schema_dir`` gave: the statements in load order, and its notice (the
    files whose transaction wrapper it skipped), if any."""

    statements: tuple[SourceStatement, ...]  # without their ``source`` (a file's text)
    notice: str | None = None
    files: tuple[tuple[int, str, str], ...] = ()  # (index, path, display) of each source file


def _detached(statements: Sequence[SourceStatement], notice: str | None) -> LoadedSources:
    """The statements without the source files they point to (read again on a hit: the
    key holds the files' bytes, so the text is the same)."""
    files = {s.source.index: (s.source.index, str(s.source.path), s.source.display) for s in statements if s.source}
    return LoadedSources(tuple(s.with_source(None) for s in statements), notice, tuple(sorted(files.values())))


def _attached(found: LoadedSources) -> list[SourceStatement]:
    """The cached statements with their source files read again (as the loader reads them)."""
    sources: dict[int, SourceFile] = {}
    for index, path, _display in found.files:
        try:
            sources[index] = read_source(Path(path), index)
        except SourceError as exc:  # gone or changed since the key was made
            raise OSError(str(exc)) from None
    return [s.with_source(sources.get(s.file_index)) for s in found.statements]


def sources_key(directory: Path) -> str:
    """The name of the loader's output for ``directory``: its ``*.sql`` files (as the
    loader lists them), their bytes, the working directory and schemakit."""
    digest = hashlib.sha256()
    for part in (str(FORMAT), code_digest(), "sources", os.getcwd(), str(directory)):
        digest.update(part.encode() + b"\0")
    paths = sorted(p for p in directory.glob("*.sql") if p.is_file())
    for data in _file_bytes([str(p) for p in paths]):
        digest.update(data)
    return str(digest.hexdigest())


class FileMemo:
    """Files the loader analysed before, for a folder that changed: one small entry per
    file (``parsed/file-<sha256>.json``, named by schemakit's digest, the search path and
    the file's text), so that editing one file parses, and writes, that file alone. The
    entries of files no longer in the folder are removed when the load is done. Beside
    them, the last load orders, by the files' ``shape`` (schemakit.source.order)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / "parsed"
        self.seen: set[str] = set()

    @staticmethod
    def key(source: SourceFile, search: tuple[str, ...]) -> str:
        digest = hashlib.sha256(code_digest().encode() + b"\0" + "\0".join(search).encode() + b"\1")
        digest.update(source.text.encode())
        return digest.hexdigest()

    def get(self, source: SourceFile, search: tuple[str, ...]) -> FileItems | None:
        key = self.key(source, search)
        found, _ = read_entry(self.directory, "file", key)
        if not isinstance(found, FileItems):
            return None
        self.seen.add(key)
        return found

    def put(self, source: SourceFile, search: tuple[str, ...], items: FileItems) -> None:
        key = self.key(source, search)
        if write_entry(self.directory, "file", key, items, keep=None):
            self.seen.add(key)

    def order(self, shape: str) -> Order | None:
        found, _ = read_entry(self.directory, "order", self._order_key(shape))
        return found if isinstance(found, Order) else None

    def put_order(self, shape: str, order: Order) -> None:
        write_entry(self.directory, "order", self._order_key(shape), order, keep=2)

    @staticmethod
    def _order_key(shape: str) -> str:  # the order's code may change with the same shape
        return hashlib.sha256(code_digest().encode() + b"\0" + shape.encode()).hexdigest()

    def forget_others(self) -> None:
        """Remove the entries of the files this load did not read."""
        with contextlib.suppress(OSError):
            for path in self.directory.glob("file-*.json"):
                if path.name[len("file-"):-len(".json")] not in self.seen:
                    with contextlib.suppress(OSError):
                        path.unlink()


def cached_sources(
    directory: Path, load: Callable[[Notify | None, FileMemo | None], list[SourceStatement]], notice: Notify | None = None
) -> list[SourceStatement]:
    """``load(notice, memo)`` (the loader on ``directory``), from the cache when it holds
    its output for these very files: the statements, and the notice replayed; else with a
    ``FileMemo``, so that only the files that changed are parsed. Errors are never cached:
    a file the loader refuses is parsed (and refused) every time."""
    settings = active()
    if settings is None:
        return load(notice, None)
    try:
        key = sources_key(directory)
    except OSError:
        return load(notice, None)
    found, _ = read_entry(settings.directory, "sources", key)
    if isinstance(found, LoadedSources):
        try:
            statements = _attached(found)
        except (OSError, UnicodeDecodeError):
            return load(notice, None)
        if found.notice is not None and notice is not None:
            notice(found.notice)
        return _known_digest(statements, key)
    said: list[str] = []
    memo = FileMemo(settings.directory)
    statements = load(said.append, memo)
    memo.forget_others()
    for text in said:
        if notice is not None:
            notice(text)
    write_entry(settings.directory, "sources", key, _detached(statements, said[0] if said else None))
    return _known_digest(statements, key)


def _known_digest(statements: list[SourceStatement], key: str) -> list[SourceStatement]:
    """``statements``, whose digest (``statements_digest``) is now their folder's key: the
    loader's output is a function of the files' bytes and schemakit's code, which the key
    holds, so hashing every statement again would add nothing."""
    _remember(statements, hashlib.sha256(b"sources\0" + key.encode()).digest())
    return statements
