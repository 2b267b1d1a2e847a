"""The kept shadow: when only some schema files changed, reload only what they touch.

A plan whose files changed misses the desired-state cache (schemakit.cache) and would
load every statement into a fresh shadow. On schemakit's own local server (one this
user started, ``schemakit.server.registry``) the shadow database is kept instead, one
per project (``schemakit_kept_<hash of the cache folder>``), with a record of the
statements it holds (``<cache>/keptshadow-record.json``). The next miss compares the files'
statements with the record:

- a statement that is gone or new is *changed*; the objects changed statements create
  are *dirty*, and so are, for a statement that alters rather than creates (ALTER,
  GRANT, COMMENT, rows, ...), the file-made objects it names;
- every statement that names a dirty object is reloaded, and what it creates is dirty
  too, until nothing more is (the loader's ``requires``: what CREATE TABLE's FK, a
  view, a policy, a default's ``nextval`` name);
- in one transaction: the dirty objects are dropped (CASCADE), the reloaded statements
  run in the files' load order, every declared function's body is checked, and the
  database's comment records the digest of the statements it now holds.

It is safe or it is not taken. The full load runs instead (and the kept database is
made anew from it) when: there is no record, or it was made on another server state,
baseline or schemakit (the cache's environment), or the database's comment does not
match it; a changed or reloaded statement is of a kind whose effect dropping its
objects does not undo (schemas, extensions, default privileges, publications, buckets,
...), or alters a platform object the files do not create; a reloaded statement comes
before a default-privileges statement in load order (its objects would get other
grants); the reload would be more than half the statements; the platform schemas held
something before the files loaded; **what the drops would remove, by the target's own
``pg_depend``, is not all dirty** (the loader missed a dependency); or anything fails
(the full load then reports the files' error at its place). A progress line says
which path was taken and why.

The cache's ``--no-cache`` turns this off too, and so does ``SCHEMAKIT_KEEP_SHADOW=0``;
``SCHEMAKIT_KEEP_SHADOW=1`` keeps it on any shadow server (``--shadow-url``), not only on
the user's own local one.
``schemakit db stop`` keeps the database; it lives in the local server's data folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from schemakit import cache
from schemakit.connect import connect
from schemakit.catalog.partial import Kept, Since, bound
from schemakit.desired import Advance, DesiredState, load_statements, pristine_model, shadow_reader, shadow_statements, state_of
from schemakit.errors import SchemakitError
from schemakit.model import Model
from schemakit.platform import is_managed_schema, touches_platform
from schemakit.server import registry, shadow
from schemakit.source import SourceStatement

KEEP_ENV = "SCHEMAKIT_KEEP_SHADOW"
RECORD = "keptshadow"
"""The record's entry: ``<cache>/keptshadow-record.json``; the last read's, ``keptshadow-read.json``."""
MOST = 0.5
"""The largest share of the statements an incremental load reloads; above it (and above
``FEW`` statements, where either way is quick), the full load."""
FEW = 100

# Kinds whose objects a DROP ... CASCADE of what they create (or of what they alter) undoes.
_UNDOABLE = frozenset({
    "create_table", "create_view", "create_materialized_view", "create_index", "create_policy",
    "create_trigger", "create_function", "create_procedure", "create_enum", "create_domain",
    "create_composite_type", "create_range_type", "create_sequence",
    "alter_table", "alter_sequence", "alter_view", "alter_materialized_view", "alter_index",
    "alter_function", "alter_procedure", "alter_policy", "alter_type", "alter_domain",
    "alter_owner", "comment", "grant", "revoke", "declared_rows", "setval",
})
_ORDERED = "alter_default_privileges"  # what a CREATE after it gets depends on where it runs

Say = Callable[[str], None]


@dataclass(frozen=True)
class Held:
    """A statement the kept database holds (as the shadow ran it)."""

    sql: str
    kind: str
    provides: frozenset[str]
    requires: frozenset[str]


@dataclass(frozen=True)
class Record:
    """What a project's kept shadow database holds: made on the shadow server state,
    baseline and schemakit ``environment`` names (``schemakit.cache.environment``), the
    statements' ``digest`` (also the database's comment) and the statements."""

    database: str
    environment: str
    digest: str
    statements: tuple[Held, ...]


@dataclass(frozen=True)
class LastRead:
    """What the read of the kept database's catalog after the load that gave the record
    ``digest`` leaves for the next one (an entry of its own, decoded while the next
    incremental load runs: what its read keeps where nothing changed,
    schemakit.catalog.partial)."""

    digest: str
    kept: Kept


@dataclass(frozen=True)
class Reload:
    """What an incremental load does: drop ``dirty`` (the names that exist), then run ``statements``."""

    dirty: frozenset[str]
    statements: tuple[SourceStatement, ...]


class NotTaken(Exception):
    """The incremental path does not apply; the message says why."""


def database_name(cache_directory: Path) -> str:
    """The kept shadow database of the project whose cache is ``cache_directory``."""
    return "schemakit_kept_" + hashlib.sha256(str(cache_directory.resolve()).encode()).hexdigest()[:16]


def enabled() -> bool:
    """The cache is on and ``SCHEMAKIT_KEEP_SHADOW`` is not 0."""
    return cache.active() is not None and os.environ.get(KEEP_ENV, "") != "0"


def forced() -> bool:
    """``SCHEMAKIT_KEEP_SHADOW=1``: keep the shadow on any shadow server (e.g. a shared
    ``--shadow-url`` server set aside for it), not only on this user's local one."""
    return os.environ.get(KEEP_ENV, "") == "1"


def held(stmt: SourceStatement) -> Held:
    return Held(stmt.sql, stmt.kind, stmt.provides, stmt.requires)


def digest(statements: Sequence[Held]) -> str:
    return hashlib.sha256(json.dumps([[s.sql, s.kind] for s in statements], ensure_ascii=False).encode()).hexdigest()


# -- what to reload ----------------------------------------------------------------------


def _made_by_files(statements: Sequence[Held]) -> set[str]:
    return {name for s in statements for name in s.provides}


def _touched(s: Held, made: set[str]) -> set[str]:
    """The names a statement's change makes dirty: what it creates; for one that alters,
    also the file-made objects it names."""
    if s.kind.startswith("create_"):
        return set(s.provides)
    return set(s.provides) | (set(s.requires) & made)


def _fields(s: Held) -> tuple[str, str, frozenset[str], frozenset[str]]:
    return (s.sql, s.kind, s.provides, s.requires)  # compared as a tuple: C's hash and ==, not the dataclass's


def plan_reload(old: Sequence[Held], new: Sequence[SourceStatement], new_held: Sequence[Held] | None = None) -> Reload:
    """The statements to reload into a database holding ``old`` so that it holds ``new``
    (``new_held``: ``new`` as ``held`` gives it, when made already); raises NotTaken when
    that cannot be done safely."""
    new_held = [held(s) for s in new] if new_held is None else new_held
    fields = [_fields(s) for s in new_held]
    before, after = Counter(map(_fields, old)), Counter(fields)
    if before == after:
        return Reload(frozenset(), ())
    if len(before) == len(old) and len(after) == len(fields):  # no statement twice: the keys' difference (C's)
        lost, fresh = list(before.keys() - after.keys()), after.keys() - before.keys()
    else:
        lost, fresh = list((before - after).elements()), set(after - before)
    gone = [Held(*f) for f in lost]
    added = [Held(*f) for f in fields if f in fresh]
    made = _made_by_files(old) | _made_by_files(new_held)
    for s in (*gone, *added):
        if s.kind not in _UNDOABLE:
            raise NotTaken(f"a changed {s.kind.replace('_', ' ')} statement")
    for s in gone:
        foreign = [n for n in s.requires - made if is_managed_schema(n.partition(".")[0])]
        if not s.kind.startswith("create_") and foreign:
            raise NotTaken(f"a removed statement altered {foreign[0]}, which the files do not create")
    dirty: set[str] = set()
    for s in (*gone, *added):
        dirty |= _touched(s, made)
    users: dict[str, list[int]] = {}  # name → the statements that create or name it
    for i, s in enumerate(new_held):
        for name in (*s.provides, *s.requires):
            users.setdefault(name, []).append(i)
    chosen = [False] * len(new)
    visit = list(dirty)

    def choose(i: int) -> None:
        s = new_held[i]
        if chosen[i]:
            return
        if s.kind not in _UNDOABLE:
            raise NotTaken(f"a {s.kind.replace('_', ' ')} statement depends on a changed object")
        chosen[i] = True
        for name in _touched(s, made) - dirty:
            dirty.add(name)
            visit.append(name)

    for i, f in enumerate(fields):
        if f in fresh:
            choose(i)
    while visit:  # until no statement names a dirty object it does not reload yet
        for i in users.get(visit.pop(), ()):
            choose(i)
    reloaded = [s for s, c in zip(new, chosen) if c]
    if len(reloaded) > max(MOST * len(new), FEW):
        raise NotTaken(f"{len(reloaded)} of {len(new)} statements would reload")
    first = next((i for i, c in enumerate(chosen) if c), len(new))
    if any(s.kind == _ORDERED for s in new_held[first:]):
        raise NotTaken("a reloaded statement comes before default privileges in load order")
    return Reload(frozenset(dirty), tuple(reloaded))


# -- the drops -------------------------------------------------------------------------

# The dirty names that exist, as (drop order, kind, schema, table, name, function arguments),
# and the objects the drops would remove (by pg_depend, as PostgreSQL's CASCADE follows it)
# whose own name and whose relation's name are both not dirty.
_DIRTY = """
WITH RECURSIVE
rel AS (
  SELECT c.oid, n.nspname || '.' || c.relname AS name, c.relkind
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
),
named AS NOT MATERIALIZED (
  -- an index's, an owned sequence's owner: its table
  SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid, r.name,
         COALESCE(ti.name, ts.name) AS owner,
         CASE WHEN c.relkind IN ('c', 't') THEN NULL ELSE c.relkind::text END AS kind, n.nspname AS schema,
         NULL::text AS tab, c.relname::text AS obj, NULL::text AS args
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN rel r ON r.oid = c.oid
  LEFT JOIN pg_catalog.pg_index x ON x.indexrelid = c.oid
  LEFT JOIN rel ti ON ti.oid = x.indrelid
  LEFT JOIN pg_catalog.pg_depend sd ON c.relkind = 'S' AND sd.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
    AND sd.objid = c.oid AND sd.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND sd.deptype IN ('a', 'i')
  LEFT JOIN rel ts ON ts.oid = sd.refobjid
  UNION ALL
  SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid, n.nspname || '.' || t.typname,
         COALESCE(tr.name, te.name), CASE WHEN t.typtype IN ('e', 'd', 'c', 'r') AND t.typrelid = 0 OR
         t.typtype = 'c' AND tr.relkind = 'c' THEN 'type:' || t.typtype::text END, n.nspname, NULL, t.typname, NULL
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN rel tr ON tr.oid = t.typrelid
  LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
  LEFT JOIN pg_catalog.pg_namespace en ON en.oid = e.typnamespace
  LEFT JOIN LATERAL (SELECT en.nspname || '.' || e.typname AS name) te ON e.oid IS NOT NULL
  WHERE t.oid >= 16384  -- the system's own objects are never dirty, and never dropped
  UNION ALL
  SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, n.nspname || '.' || p.proname, NULL,
         'function:' || p.prokind::text, n.nspname, NULL, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.oid >= 16384
  UNION ALL
  SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid, COALESCE(r.name, tn.nspname || '.' || t.typname)
         || '.' || k.conname, COALESCE(r.name, tn.nspname || '.' || t.typname),
         CASE WHEN k.conrelid <> 0 THEN 'constraint' ELSE 'domain constraint' END,
         COALESCE(rn.nspname, tn.nspname), COALESCE(rc.relname, t.typname), k.conname, NULL
  FROM pg_catalog.pg_constraint k
  LEFT JOIN rel r ON r.oid = k.conrelid
  LEFT JOIN pg_catalog.pg_class rc ON rc.oid = k.conrelid
  LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
  LEFT JOIN pg_catalog.pg_type t ON t.oid = k.contypid
  LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
  UNION ALL
  SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, g.oid, r.name || '.' || g.tgname, r.name,
         CASE WHEN NOT g.tgisinternal THEN 'trigger' END, n.nspname, c.relname, g.tgname, NULL
  FROM pg_catalog.pg_trigger g JOIN rel r ON r.oid = g.tgrelid
  JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, p.oid, r.name || '.' || p.polname, r.name,
         'policy', n.nspname, c.relname, p.polname, NULL
  FROM pg_catalog.pg_policy p JOIN rel r ON r.oid = p.polrelid
  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass, w.oid, r.name || '.' || w.rulename, r.name,
         NULL, NULL, NULL, NULL, NULL
  FROM pg_catalog.pg_rewrite w JOIN rel r ON r.oid = w.ev_class
  UNION ALL
  SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, d.oid, r.name, NULL, NULL, NULL, NULL, NULL, NULL
  FROM pg_catalog.pg_attrdef d JOIN rel r ON r.oid = d.adrelid
),
roots AS (
  SELECT * FROM named WHERE name = ANY(%(dirty)s::text[]) AND kind IS NOT NULL
),
-- what CASCADE removes; reached through an internal dependency, a part of what it depends on
gone (classid, objid, part) AS (
  SELECT classid, objid, false FROM roots
  UNION
  SELECT d.classid, d.objid, d.deptype = 'i'
  FROM pg_catalog.pg_depend d JOIN gone g ON d.refclassid = g.classid AND d.refobjid = g.objid
  WHERE d.deptype IN ('n', 'a', 'i')
)
SELECT 'drop', kind, schema, tab, obj, args FROM roots
UNION ALL
SELECT 'stray', NULL, NULL, NULL, COALESCE(n.name, g.classid::pg_catalog.regclass::text || ' ' || g.objid), NULL
FROM gone g LEFT JOIN named n ON n.classid = g.classid AND n.objid = g.objid
WHERE NOT g.part AND COALESCE(n.name, '') NOT LIKE 'pg\\_toast.%%' AND (n.name IS NULL OR NOT (n.name = ANY(%(dirty)s::text[]) OR COALESCE(n.owner, '') = ANY(%(dirty)s::text[])))
"""

_RELATION = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE", "i": "INDEX",
             "I": "INDEX", "f": "FOREIGN TABLE"}
# Sub-objects first, then tables (an identity sequence, a table's indexes go with them), then the rest.
_ORDER = {"policy": 0, "trigger": 0, "constraint": 1, "domain constraint": 1, "r": 2, "p": 2, "f": 2}


def _drop(kind: str, schema: str, table: str | None, name: str, args: str | None) -> sql.Composed:
    if kind in ("policy", "trigger"):
        return sql.SQL("DROP {} IF EXISTS {} ON {} CASCADE").format(
            sql.SQL(kind.upper()), sql.Identifier(name), sql.Identifier(schema, table or "")
        )
    if kind == "constraint":
        return sql.SQL("ALTER TABLE IF EXISTS {} DROP CONSTRAINT IF EXISTS {} CASCADE").format(
            sql.Identifier(schema, table or ""), sql.Identifier(name)
        )
    if kind == "domain constraint":
        return sql.SQL("ALTER DOMAIN {} DROP CONSTRAINT IF EXISTS {} CASCADE").format(
            sql.Identifier(schema, table or ""), sql.Identifier(name)
        )
    if kind.startswith("function:"):
        what = "PROCEDURE" if kind == "function:p" else "AGGREGATE" if kind == "function:a" else "FUNCTION"
        return sql.SQL("DROP {} IF EXISTS {}({}) CASCADE").format(
            sql.SQL(what), sql.Identifier(schema, name), sql.SQL(args or "")
        )
    if kind.startswith("type:"):
        what = "DOMAIN" if kind == "type:d" else "TYPE"
        return sql.SQL("DROP {} IF EXISTS {} CASCADE").format(sql.SQL(what), sql.Identifier(schema, name))
    return sql.SQL("DROP {} IF EXISTS {} CASCADE").format(sql.SQL(_RELATION[kind]), sql.Identifier(schema, name))


def drops(conn: psycopg.Connection[Any], dirty: frozenset[str]) -> list[sql.Composed]:
    """The DROPs of the dirty objects that exist (sub-objects first); raises NotTaken when
    they would remove something that is not dirty."""
    if not dirty:
        return []
    rows = conn.execute(_DIRTY, {"dirty": sorted(dirty)}).fetchall()
    stray = sorted({str(r[4]) for r in rows if r[0] == "stray"})
    if stray:
        raise NotTaken(f"dropping the changed objects would also drop {stray[0]}")
    found = sorted((r for r in rows if r[0] == "drop"), key=lambda r: (_ORDER.get(r[1], 3), r[1:]))
    for r in found:
        if r[1] not in _RELATION and r[1] not in _ORDER and not str(r[1]).startswith(("function:", "type:")):
            raise NotTaken(f"cannot drop {r[4]} ({r[1]})")
    return [_drop(str(r[1]), str(r[2]), r[3], str(r[4]), r[5]) for r in found]


# -- the record --------------------------------------------------------------------------


def _read_record(directory: Path) -> Record | None:
    """The record (a cache entry of its own: schemakit.cache), None when it is missing,
    damaged, or of another layout."""
    found, _ = cache.read_entry(directory, RECORD, "record")
    return found if isinstance(found, Record) and all(isinstance(s, Held) for s in found.statements) else None


def _write_record(directory: Path, record: Record, kept: Kept) -> None:
    cache.write_entry(directory, RECORD, "read", LastRead(record.digest, kept), keep=None)
    cache.write_entry(directory, RECORD, "record", record, keep=None)


def _read_last(directory: Path, digest: str) -> Kept | None:
    """What the last read of the kept database holding ``digest``'s statements left (None:
    no such entry; the read reads all)."""
    found, _ = cache.read_entry(directory, RECORD, "read")
    return found.kept if isinstance(found, LastRead) and found.digest == digest else None


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[bool]:
    """An exclusive lock on the project's kept shadow; False when another process holds it."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "keptshadow.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- the server ------------------------------------------------------------------------


def ours(conn: psycopg.Connection[Any]) -> bool:
    """Whether the server is a local one this user started (its data folder is in the registry)."""
    try:
        row = conn.execute("SELECT pg_catalog.current_setting('data_directory')").fetchone()
    except psycopg.Error:
        return False
    if row is None:
        return False
    here = Path(str(row[0])).resolve()
    return any(here == Path(p).resolve() for p in registry.started())


def _comment(conn: psycopg.Connection[Any], database: str) -> str | None:
    row = conn.execute(
        "SELECT pg_catalog.shobj_description(oid, 'pg_database') FROM pg_catalog.pg_database WHERE datname = %s",
        [database],
    ).fetchone()
    if row is None:
        return None
    return str(row[0] or "")


def _set_comment(database: str, text: str) -> sql.Composed:
    return sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(database), sql.Literal(text))


# -- the load ----------------------------------------------------------------------------


def load(
    statements: Sequence[SourceStatement],
    admin_url: str,
    baseline: bool,
    advance: Advance | None = None,
    say: Say | None = None,
) -> DesiredState | None:
    """The files' state through the project's kept shadow: reloading only what changed
    when that is safe, else a full load into it. None when there is no kept shadow here
    (the cache is off, another process holds it, or the server is not this user's own
    local one): the caller loads a throw-away shadow as before."""
    settings = cache.active()
    if settings is None or not enabled():
        return None
    tell = say or (lambda _: None)
    with _locked(settings.directory) as mine:
        if not mine:
            return None
        with connect(admin_url, autocommit=True, given_by="--shadow-url (or the local server)") as admin:
            if not (forced() or ours(admin)):
                return None
            environment = cache.environment(admin_url, baseline)
            database = database_name(settings.directory)
            record = _read_record(settings.directory)
            loaded = shadow_statements(admin, statements)
            shadowed = list(loaded.statements)
            holds = tuple(held(s) for s in shadowed)
            now = Record(database, environment, digest(holds), holds)
            try:
                if record is None or record.database != database:
                    raise NotTaken("no kept shadow database yet")
                if record.environment != environment:
                    raise NotTaken("the shadow server, baseline or schemakit changed")
                if _comment(admin, database) != record.digest:
                    raise NotTaken("the kept shadow database does not match its record")
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemakit-kept") as pool:
                    last = pool.submit(_read_last, settings.directory, record.digest)  # while the reload runs
                    state, kept = _incremental(record, now, shadowed, statements, admin_url, advance, tell, loaded.options, last)
            except NotTaken as why:
                tell(f"shadow: full load into the kept shadow database ({why})")
            except (psycopg.Error, SchemakitError) as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                tell(f"shadow: full load into the kept shadow database (the incremental load failed: {first})")
            else:
                _write_record(settings.directory, now, kept)
                return state
            with contextlib.suppress(OSError):
                cache.entry_path(settings.directory, RECORD, "record").unlink()
            shadow.drop_database(admin_url, database)
            shadow.create_database(admin_url, baseline=baseline, name=database)
            try:
                state, kept = _full(now, shadowed, statements, admin_url, advance, loaded.options)
            except BaseException:
                with contextlib.suppress(psycopg.Error, SchemakitError):
                    shadow.drop_database(admin_url, database)
                raise
            _write_record(settings.directory, now, kept)
            return state


def _full(
    now: Record, shadowed: Sequence[SourceStatement], statements: Sequence[SourceStatement],
    admin_url: str, advance: Advance | None, options: Mapping[tuple[str, str], str],
) -> tuple[DesiredState, Kept]:
    """The state after a full load into the kept database, and what its read leaves."""
    with connect(shadow.database_url(admin_url, now.database), autocommit=True,
                 given_by="--shadow-url (or the local server)") as conn:
        pristine = pristine_model(conn)
        # Marked as holding the statements only when the platform schemas held nothing
        # before they loaded: an incremental load cannot read that state any more.
        mark = [_set_comment(now.database, now.digest)] if not pristine.objects else []
        load_statements(conn, shadowed, admin_url, advance, before=mark)
        read, kept = _read(conn, statements, None)
        return state_of(read, statements, pristine if touches_platform(statements) else None, options), kept


def _incremental(
    record: Record, now: Record, shadowed: Sequence[SourceStatement], statements: Sequence[SourceStatement],
    admin_url: str, advance: Advance | None, tell: Say, options: Mapping[tuple[str, str], str],
    last: Future[Kept | None],
) -> tuple[DesiredState, Kept]:
    """The state after reloading what changed, and what the read leaves (the catalog read
    where it changed: schemakit.catalog.partial, when the record holds the last read's)."""
    reload = plan_reload(record.statements, shadowed, now.statements)
    url = shadow.database_url(admin_url, record.database)
    with connect(url, autocommit=True, given_by="--shadow-url (or the local server)") as conn:
        before = [*drops(conn, reload.dirty), _set_comment(record.database, now.digest)]
        load_statements(conn, list(reload.statements), admin_url, advance, checked=shadowed, before=before)
        tell(
            f"shadow: incremental: {len(reload.statements):,} of {len(shadowed):,} statements reloaded into the kept "
            "shadow database"
        )
        # Kept only when the platform schemas were empty before the files loaded (_full).
        kept = last.result()
        read, kept = _read(conn, statements, Since(kept, reload.dirty) if kept is not None else None)
        return state_of(read, statements, Model(objects={}) if touches_platform(statements) else None, options), kept


def _read(conn: psycopg.Connection[Any], statements: Sequence[SourceStatement], since: Since | None) -> tuple[Model, Kept]:
    """The kept database's catalog (read ``since`` the last read when given), and what this
    read leaves for the next one."""
    reader = shadow_reader(conn, statements, since)
    read = reader.read()
    return read, Kept(bound(read), tuple(reader.depends_rows))
