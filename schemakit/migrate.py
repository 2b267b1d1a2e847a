"""``schemakit apply --migrations``: run the pending files of ``migrations/`` on a target.

- Every file runs in a transaction of its own (as ``supabase db push`` does), in
  version order, under the advisory lock every schemakit apply takes. A file that
  holds a statement PostgreSQL refuses inside a transaction block (``CREATE INDEX
  CONCURRENTLY`` and the like) runs statement by statement instead: ``plan --write``
  gives such steps a file of their own.
- Applied files are recorded in ``schemakit.migrations`` (version, name, checksum),
  in the file's own transaction. Where the target has
  ``supabase_migrations.schema_migrations`` (the Supabase CLI's table), or the project
  keeps ``supabase/migrations``, they are recorded there too, with the columns the
  Supabase CLI writes (version, name, statements), so neither tool applies a file the
  other applied.
- A file is pending when neither table holds its version. A file whose checksum
  changed after it was applied is refused, as is an applied version with no file.
- A failing file is rolled back; the files before it stay applied; nothing after it runs.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from schemakit.apply import LOCK_KEY, indent
from schemakit.errors import EXIT_ERROR, EXIT_REFUSED, SchemakitError
from schemakit.hazards import KINDS, Hazard
from schemakit.migrations import Migration, MigrationError, outside_transaction, own_transaction, runnable, statements_of
from schemakit.options import plural

TRACKING_DDL = (
    "CREATE SCHEMA IF NOT EXISTS schemakit",
    """CREATE TABLE IF NOT EXISTS schemakit.migrations (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    applied_by text NOT NULL DEFAULT CURRENT_USER
)""",
)
# The Supabase CLI's history table (``supabase db push`` reads and writes it): created
# as the CLI creates it, columns added where an older CLI made only ``version``.
SUPABASE_DDL = (
    "CREATE SCHEMA IF NOT EXISTS supabase_migrations",
    "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations "
    "(version text NOT NULL PRIMARY KEY, statements text[], name text)",
    "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[], "
    "ADD COLUMN IF NOT EXISTS name text",
)
_HAZARD_LINE = re.compile(r"^-- hazard: ([A-Z_]+) \((blocks apply unless allowed|shown for review)\): (.*)$", re.M)


class ChecksumMismatchError(SchemakitError):
    """An applied migration file was edited afterwards (exit 3: refused)."""

    exit_code = EXIT_REFUSED


class MigrationFailedError(SchemakitError):
    """A statement of a migration file failed; that file was rolled back: exit 1."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, migration: Migration, statement: str, applied: Sequence[Migration], hint: str) -> None:
        super().__init__(message, hint=hint)
        self.migration = migration
        self.statement = statement
        self.applied = tuple(applied)
        #: The target has no Supabase platform: the lines suggest --install-baseline.
        self.without_platform = False

    def lines(self) -> list[str]:
        out = [f"\nerror: {self.message}", "failing statement:\n" + indent(self.statement)]
        if self.hint:
            out.append(f"hint: {self.hint}")
        if self.without_platform:
            out.append(
                "hint: the database has no Supabase `auth`/`storage` schemas; for a local or test database, "
                "pass --install-baseline to install schemakit's minimal Supabase baseline"
            )
        return out


# -- reading a file ----------------------------------------------------------------


def checksum(text: str) -> str:
    """sha256 of the file's text with line endings normalized (a CRLF checkout is the same file)."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()


def file_hazards(text: str) -> list[Hazard]:
    """The hazards ``plan --write`` listed in the file's header (hand-written files list none)."""
    out = []
    for m in _HAZARD_LINE.finditer(text):
        if m.group(1) in KINDS:
            out.append(Hazard(m.group(1), detail=m.group(3), gates=m.group(2) == "blocks apply unless allowed"))
    return out


@dataclass(frozen=True)
class MigrationFile:
    migration: Migration
    text: str
    checksum: str

    @property
    def slug(self) -> str:
        """The Supabase CLI's ``name``: the file name after ``<version>_``, without ``.sql``."""
        return self.migration.name[len(self.migration.version) + 1 : -len(".sql")]

    @classmethod
    def read(cls, migration: Migration) -> MigrationFile:
        text = migration.path.read_text(encoding="utf-8")
        return cls(migration=migration, text=text, checksum=checksum(text))


# -- the target's history ------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    pending: tuple[MigrationFile, ...]
    applied: tuple[MigrationFile, ...]
    changed: tuple[MigrationFile, ...]  # applied, but the file's checksum differs
    missing: tuple[str, ...]  # versions applied on the target with no file here
    adopted: tuple[MigrationFile, ...]  # applied by the Supabase CLI: no checksum recorded yet


def _table_exists(conn: psycopg.Connection[Any], name: str) -> bool:
    row = conn.execute("SELECT pg_catalog.to_regclass(%s) IS NOT NULL", (name,)).fetchone()
    return bool(row and row[0])


def applied_versions(conn: psycopg.Connection[Any]) -> tuple[dict[str, str], set[str]]:
    """(schemakit's version → checksum, the Supabase CLI's versions)."""
    ours: dict[str, str] = {}
    theirs: set[str] = set()
    if _table_exists(conn, "schemakit.migrations"):
        ours = {v: c for v, c in conn.execute("SELECT version, checksum FROM schemakit.migrations").fetchall()}
    if _table_exists(conn, "supabase_migrations.schema_migrations"):
        theirs = {v for (v,) in conn.execute("SELECT version FROM supabase_migrations.schema_migrations").fetchall()}
    return ours, theirs


def status(conn: psycopg.Connection[Any], migrations: Sequence[Migration]) -> Status:
    files = [MigrationFile.read(m) for m in migrations]
    ours, theirs = applied_versions(conn)
    pending: list[MigrationFile] = []
    applied: list[MigrationFile] = []
    changed: list[MigrationFile] = []
    adopted: list[MigrationFile] = []
    for f in files:
        v = f.migration.version
        if v in ours:
            (applied if ours[v] == f.checksum else changed).append(f)
        elif v in theirs:
            applied.append(f)
            adopted.append(f)
        else:
            pending.append(f)
    known = {f.migration.version for f in files}
    missing = sorted((set(ours) | theirs) - known)
    return Status(tuple(pending), tuple(applied), tuple(changed), tuple(missing), tuple(adopted))


def refuse_inconsistent(st: Status) -> None:
    """Stop before anything runs when the files and the target's history disagree."""
    if st.changed:
        names = ", ".join(f.migration.name for f in st.changed)
        raise ChecksumMismatchError(
            f"refused: {names} changed after it was applied to this database "
            "(its checksum differs from the one recorded in schemakit.migrations)",
            hint="restore the file as it was applied (e.g. `git log -p -- <file>`), and put the new "
            "change in a new migration with `schemakit plan --write`",
        )
    if st.missing:
        raise ChecksumMismatchError(
            f"refused: the database has applied migration {plural(len(st.missing), 'version', with_count=False)} {', '.join(st.missing)} "
            "with no file in the migrations folder",
            hint="restore the missing files (or point --migrations-dir at the right folder)",
        )


# -- applying ----------------------------------------------------------------------


@dataclass(frozen=True)
class MigrateResult:
    applied: tuple[MigrationFile, ...]
    adopted: tuple[MigrationFile, ...]
    seconds: float


def _ensure_tracking(conn: psycopg.Connection[Any], supabase: bool) -> None:
    with conn.transaction():
        for ddl in TRACKING_DDL:
            conn.execute(ddl.encode())
        if supabase:
            for ddl in SUPABASE_DDL:
                conn.execute(ddl.encode())


def _record(conn: psycopg.Connection[Any], f: MigrationFile, supabase: bool, statements: list[str]) -> None:
    conn.execute(
        "INSERT INTO schemakit.migrations (version, name, checksum) VALUES (%s, %s, %s) "
        "ON CONFLICT (version) DO UPDATE SET checksum = EXCLUDED.checksum, name = EXCLUDED.name",
        (f.migration.version, f.migration.name, f.checksum),
    )
    if supabase:
        conn.execute(
            "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES (%s, %s, %s) "
            "ON CONFLICT (version) DO NOTHING",
            (f.migration.version, f.slug, statements),
        )


def _run_file(conn: psycopg.Connection[Any], f: MigrationFile, supabase: bool, lock_timeout: str) -> None:
    """Run one file in a transaction (or statement by statement, when it must), and record it.

    The file's own top-level BEGIN/COMMIT are not run: they mark the bounds of the
    transaction schemakit runs the whole file in (``migrations.runnable``)."""
    statements = statements_of(f.text)
    if outside_transaction(f.text):
        conn.execute("SELECT pg_catalog.set_config('lock_timeout', %s, false)", (lock_timeout,))
        try:
            for i, statement in runnable(f.text):
                _execute(conn, i, statement, atomic=False)
        finally:
            conn.execute("RESET lock_timeout")
        with conn.transaction():
            _record(conn, f, supabase, statements)
        return
    with conn.transaction():
        conn.execute("SELECT pg_catalog.set_config('lock_timeout', %s, true)", (lock_timeout,))
        for i, statement in runnable(f.text):
            _execute(conn, i, statement, atomic=True)
        _record(conn, f, supabase, statements)


def refuse_transaction_control(files: Sequence[MigrationFile]) -> None:
    """Stop before anything runs when a file would end its own transaction early (ROLLBACK,
    two-phase commit, COMMIT AND CHAIN)."""
    for f in files:
        try:
            own_transaction(f.text)
        except MigrationError as exc:
            raise MigrationError(f"refused: migration {f.migration.name}: {exc.message}", hint=exc.hint) from None


class _StatementFailed(Exception):
    def __init__(self, index: int, statement: str, error: psycopg.Error, atomic: bool) -> None:
        super().__init__(str(error))
        self.index = index
        self.statement = statement
        self.error = error
        self.atomic = atomic


def _execute(conn: psycopg.Connection[Any], index: int, statement: str, *, atomic: bool) -> None:
    try:
        conn.execute(statement.encode())
    except psycopg.Error as exc:
        raise _StatementFailed(index, statement, exc, atomic) from None


def _failure(failed: _StatementFailed, f: MigrationFile, done: Sequence[MigrationFile], lock_timeout: str) -> MigrationFailedError:
    diag = failed.error.diag
    message = diag.message_primary or str(failed.error).strip()
    if diag.sqlstate == "55P03":
        message = f"lock timeout ({lock_timeout}): {message}"
    name = f.migration.name
    if failed.atomic:
        what = f"{name} was rolled back"
    else:
        what = (
            f"{name} runs outside a transaction: its statements before statement {failed.index} "
            "stay applied, and it is not recorded"
        )
    before = f"; the {plural(len(done), 'file')} before it {'stays' if len(done) == 1 else 'stay'} applied" if done else ""
    return MigrationFailedError(
        f"migration {name} failed at statement {failed.index}: {message}",
        migration=f.migration,
        statement=failed.statement,
        applied=[d.migration for d in done],
        hint=(f"{diag.message_hint}; " if diag.message_hint else "")
        + f"{what}{before}; fix the cause and run `schemakit apply --migrations` again",
    )


def apply_migrations(
    conn: psycopg.Connection[Any],
    migrations: Sequence[Migration],
    *,
    supabase_history: bool = False,
    lock_timeout: str = "5s",
    progress: Callable[[MigrationFile], None] | None = None,
) -> MigrateResult:
    """Apply the pending files under the advisory lock; the history is re-read once it is held.

    ``supabase_history`` creates the Supabase CLI's table when the target lacks it;
    where the target has it, files are recorded there in any case.
    """
    started = time.monotonic()
    conn.autocommit = True
    conn.execute("SELECT pg_catalog.pg_advisory_lock(%s)", (LOCK_KEY,))
    done: list[MigrationFile] = []
    try:
        st = status(conn, migrations)
        refuse_inconsistent(st)
        refuse_transaction_control(st.pending)
        supabase = supabase_history or _table_exists(conn, "supabase_migrations.schema_migrations")
        if st.pending or st.adopted:
            _ensure_tracking(conn, supabase)
        with conn.transaction():
            for f in st.adopted:
                _record(conn, f, False, [])
        for f in st.pending:
            if progress is not None:
                progress(f)
            try:
                _run_file(conn, f, supabase, lock_timeout)
            except _StatementFailed as failed:
                raise _failure(failed, f, done, lock_timeout) from None
            done.append(f)
        return MigrateResult(applied=tuple(done), adopted=st.adopted, seconds=time.monotonic() - started)
    finally:
        if not conn.closed:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.autocommit = True
            conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s)", (LOCK_KEY,))


def mark_applied(
    conn: psycopg.Connection[Any], migrations: Sequence[Migration], *, supabase_history: bool = False
) -> tuple[MigrationFile, ...]:
    """Record ``migrations`` as applied without running them (``schemakit import
    --applied-on``: the database already holds their state), under the advisory lock;
    files already recorded are left alone. Returns the files recorded now."""
    conn.autocommit = True
    conn.execute("SELECT pg_catalog.pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        st = status(conn, migrations)
        refuse_inconsistent(st)
        supabase = supabase_history or _table_exists(conn, "supabase_migrations.schema_migrations")
        _ensure_tracking(conn, supabase)
        with conn.transaction():
            for f in (*st.pending, *st.adopted):
                _record(conn, f, supabase and f in st.pending, statements_of(f.text))
        return st.pending
    finally:
        conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s)", (LOCK_KEY,))
