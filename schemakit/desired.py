"""schema/*.sql → Model(desired), normalized by PostgreSQL through a shadow database.

The ordered statements are loaded into a throw-away database of the target's
profile (the Supabase baseline, or a plain template0 copy), and the desired model is read back from its catalog with
the same code that reads the target. A statement that fails is reported at its
file, line and column; then the files load again one statement at a time, so that every
failing statement is reported (what depends on one is left out).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pglast
import psycopg
from pglast import ast
from psycopg import sql

from schemakit.batch import StatementFailed, execute_batched, execute_each
from schemakit.catalog import read_model
from schemakit.catalog.partial import Since
from schemakit.server.standin_options import StrippedOptions, restore_vector_options, strip_vector_options, vector_is_standin
from schemakit.catalog.reader import CatalogReader, reads_platform_objects
from schemakit.rows import declared
from schemakit import owners as declared_owners
from schemakit.connect import connect, redact_text
from schemakit.model import Key, Model
from schemakit.platform import declared_part, touches_platform, unmanaged_warnings
from schemakit.profile import for_shadow
from schemakit.server import shadow
from schemakit.source import Location, SourceError, SourceStatement, locate
from schemakit.source.model import SourceErrors
from schemakit.source.bodies import find_body

# SQLSTATEs whose message means "this server cannot provide an extension".
_MISSING_EXTENSION = {"0A000", "58P01", "22023", "42704"}


Advance = Callable[[int, int, str], None]
"""Progress with counts: (statements done, total, what runs now)."""
PROGRESS_BATCH = 50
"""Statements per round trip while a progress bar shows: the bar names what runs now."""


def statement_label(stmt: SourceStatement) -> str:
    """What a statement is about, for progress: the first object it provides, else where it is."""
    if stmt.provides:
        return min(stmt.provides)
    return f"{Path(stmt.location.file).name}:{stmt.location.line}"


def load_statements(
    conn: psycopg.Connection[Any],
    statements: Sequence[SourceStatement],
    url: str,
    advance: Advance | None = None,
    *,
    checked: Sequence[SourceStatement] | None = None,
    before: Sequence[sql.Composed] = (),
) -> None:
    """Run the statements in one transaction, in batches; a failure becomes a located SourceError.

    Declared rows go last, with foreign keys between them not checked (their files may
    come in any order); a target gets them in reference order (schemakit.plan). The
    bodies of the functions ``checked`` declares (default: ``statements``) are validated
    at the end. ``before``: statements run first in the same transaction (the kept
    shadow's drops, schemakit.keptshadow).
    """
    conn.autocommit = False
    texts: list[bytes] = []
    owners: list[SourceStatement] = []  # the source statement of each text
    rows = [s for s in statements if s.kind == "declared_rows"]
    for stmt in [s for s in statements if s.kind != "declared_rows"]:
        for name in _replaced_publications(stmt):
            # The files declare the whole publication (the DROP ... IF EXISTS;
            # CREATE idiom), and the baseline may already have it
            # (supabase_realtime): the shadow takes the declared one.
            texts.append(sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(name)).as_bytes(conn))
            owners.append(stmt)
        texts.append(stmt.sql.encode())
        owners.append(stmt)
    if rows:
        texts.append(b"SET LOCAL session_replication_role = replica")
        owners.append(rows[0])
    for stmt in rows:
        texts.append(stmt.sql.encode())
        owners.append(stmt)
    with conn.cursor() as cur:
        try:
            cur.execute("SET LOCAL check_function_bodies = off")
            for statement in before:
                cur.execute(statement)
            if advance is None:
                execute_batched(cur, texts)
            else:
                total = len(texts)
                execute_batched(
                    cur,
                    texts,
                    max_statements=PROGRESS_BATCH,
                    starting=lambda i: advance(i, total, statement_label(owners[i])),
                    done=lambda n: advance(n, total, "") if n == total else None,
                )
        except StatementFailed as failed:
            first = _located(owners[failed.index], failed.error, url)
            conn.rollback()
            raise _every_error(conn, texts, owners, url, first, before) from None
        try:
            check_function_bodies(cur, statements if checked is None else checked, url)
        except SourceError:
            conn.rollback()
            raise
    conn.commit()


def _every_error(
    conn: psycopg.Connection[Any],
    texts: Sequence[bytes],
    owners: Sequence[SourceStatement],
    url: str,
    first: SourceError,
    before: Sequence[sql.Composed] = (),
) -> SourceError:
    """After a failed load: load again, one statement at a time, leaving out what depends
    on a statement that failed (its errors would only repeat that one); every error,
    located, in load order. The transaction is rolled back. ``first`` is the error that
    stopped the load (reported alone should the second load not fail)."""
    broken: set[str] = set()  # what failed statements, and those left out, would provide

    def run(i: int) -> bool:
        if owners[i].requires & broken:
            broken.update(owners[i].provides)
            return False
        return True

    errors: list[SourceError] = []
    with conn.cursor() as cur:
        cur.execute("SET LOCAL check_function_bodies = off")
        for statement in before:
            cur.execute(statement)
        for failed in execute_each(cur, texts, run):
            broken.update(owners[failed.index].provides)
            errors.append(_located(owners[failed.index], failed.error, url))
    conn.rollback()
    if len(errors) > 1:
        return SourceErrors(errors)
    return errors[0] if errors else first


# -- function bodies ---------------------------------------------------------------------

_FUNCTION_KINDS = frozenset({"create_function", "create_procedure"})
_DECLARED_FUNCTIONS = """
SELECT p.oid::bigint, n.nspname, p.proname, p.prosrc, l.lanvalidator::bigint, vn.nspname, v.proname
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
JOIN pg_catalog.pg_proc v ON v.oid = l.lanvalidator
JOIN pg_catalog.pg_namespace vn ON vn.oid = v.pronamespace
WHERE (n.nspname, p.proname) IN (
    SELECT * FROM ROWS FROM (pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[]))
  )
  AND l.lanvalidator <> 0
  AND l.lanname NOT IN ('internal', 'c')
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
ORDER BY p.oid
"""
# Calls each validator in turn; the first that fails names its function (P0001, "schemakit:<oid>").
_VALIDATE_ALL = """
DECLARE
  fn pg_catalog.oid;
  validator pg_catalog.oid;
BEGIN
  FOR fn, validator IN
    SELECT u.fn, u.validator
    FROM ROWS FROM (pg_catalog.unnest({fns}::pg_catalog.oid[]), pg_catalog.unnest({validators}::pg_catalog.oid[]))
      WITH ORDINALITY AS u(fn, validator, n)
    ORDER BY u.n
  LOOP
    BEGIN
      EXECUTE pg_catalog.format('SELECT %s(%s)', validator::pg_catalog.regproc, fn);
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION 'schemakit:%', fn;
    END;
  END LOOP;
END
"""
_FAILED = "schemakit:"


@dataclass(frozen=True)
class _Declared:
    oid: int
    validator: int
    validator_name: tuple[str, str]  # (schema, name)
    name: str  # schema.name
    prosrc: str
    statement: SourceStatement


def _declared_functions(cur: psycopg.Cursor[Any], statements: Sequence[SourceStatement]) -> list[_Declared]:
    """The functions and procedures the files declare (in file order), with their validators."""
    by_name: dict[str, list[SourceStatement]] = {}
    for stmt in statements:
        if stmt.kind in _FUNCTION_KINDS:
            for name in stmt.provides:
                by_name.setdefault(name, []).append(stmt)
    if not by_name:
        return []
    pairs = [name.split(".", 1) for name in sorted(by_name)]
    cur.execute(_DECLARED_FUNCTIONS, ([p[0] for p in pairs], [p[1] for p in pairs]))
    found: list[_Declared] = []
    for oid, schema, proname, prosrc, validator, validator_schema, validator_name in cur.fetchall():
        name = f"{schema}.{proname}"
        candidates = by_name.get(name, [])
        # Overloads share a name: the statement whose body is this function's.
        matching = [s for s in candidates if find_body(s.sql, prosrc or "") is not None]
        chosen = (matching or candidates)[-1:] if candidates else []
        if chosen:
            found.append(
                _Declared(int(oid), int(validator), (validator_schema, validator_name), name, prosrc or "", chosen[0])
            )
    found.sort(key=lambda d: d.statement.position)
    return found


def check_function_bodies(cur: psycopg.Cursor[Any], statements: Sequence[SourceStatement], url: str) -> None:
    """Validate every function the files declare with its language's validator, with
    ``check_function_bodies`` on, once everything is loaded (so a body may use any object of
    the files): what psql would have refused when it ran the files. Two round trips; a
    third for the first failure, to get its error. Raises a located SourceError."""
    functions = _declared_functions(cur, statements)
    if not functions:
        return
    body = sql.SQL(_VALIDATE_ALL).format(
        fns=sql.Literal("{" + ",".join(str(f.oid) for f in functions) + "}"),
        validators=sql.Literal("{" + ",".join(str(f.validator) for f in functions) + "}"),
    )
    cur.execute("SET LOCAL check_function_bodies = on")
    cur.execute("SAVEPOINT schemakit_bodies")
    try:
        cur.execute(sql.SQL("DO {}").format(sql.Literal(body.as_string(cur.connection))))
    except psycopg.Error as exc:
        message = exc.diag.message_primary or ""
        if not message.startswith(_FAILED):
            raise
        cur.execute("ROLLBACK TO SAVEPOINT schemakit_bodies")
        failed = next(f for f in functions if str(f.oid) == message[len(_FAILED):])
        try:
            cur.execute(
                sql.SQL("SELECT {}({}::pg_catalog.oid)").format(
                    sql.Identifier(*failed.validator_name), sql.Literal(failed.oid)
                )
            )
        except psycopg.Error as error:
            raise _body_error(failed, error, url) from None
        raise _body_error(failed, exc, url) from None  # it passed alone: report what we have
    cur.execute("RELEASE SAVEPOINT schemakit_bodies")


_BODY_LINE = re.compile(r"(?:near line|line) (\d+)")


def _body_error(failed: _Declared, exc: psycopg.Error, url: str) -> SourceError:
    diag = exc.diag
    stmt = failed.statement
    where = stmt.location
    body = find_body(stmt.sql, failed.prosrc)
    if body is not None:
        if diag.internal_position and diag.internal_query == failed.prosrc:
            where = locate(stmt, body.offset(int(diag.internal_position)) + 1)
        else:
            match = _BODY_LINE.search(diag.context or "")
            offset = body.line_offset(int(match.group(1))) if match else None
            if offset is not None:
                where = locate(stmt, offset + 1)
    kind = "procedure" if stmt.kind == "create_procedure" else "function"
    message = redact_text(diag.message_primary or str(exc).strip(), url)
    hint = diag.message_hint or (
        f"the {kind}'s body was checked after loading the files (check_function_bodies = on), "
        "as psql would have when running them: fix it"
    )
    return SourceError(f"{kind} {failed.name}: {message}", location=where, hint=hint, source_line=_line_text(where))


def _replaced_publications(stmt: SourceStatement) -> list[str]:
    if stmt.kind != "create_publication":
        return []
    prefix = "publication:"
    return sorted(p[len(prefix):] for p in stmt.provides if p.startswith(prefix))


def _located(stmt: SourceStatement, exc: psycopg.Error, url: str) -> SourceError:
    diag = exc.diag
    message = redact_text(diag.message_primary or str(exc).strip(), url)
    position = diag.statement_position or _named_position(stmt.sql, diag.sqlstate, message)
    where = locate(stmt, int(position)) if position else stmt.location
    hint = diag.message_hint
    if stmt.kind == "create_extension" and (diag.sqlstate in _MISSING_EXTENSION):
        hint = (
            "the shadow server does not have this extension; "
            "point --shadow-url at a server that has it (for example your Supabase branch database)"
        )
    elif stmt.kind == "create_collation" and diag.sqlstate == "0A000" and "ICU" in message:
        hint = (
            "the shadow server was built without ICU; point --shadow-url at a server that has "
            "it (Supabase's has), or declare a libc collation (provider = libc)"
        )
    elif diag.sqlstate == "42704" and message.startswith("role "):
        hint = (
            "roles are cluster-wide and the schema files cannot create them: create the role "
            "outside schemakit, on the shadow server (--shadow-url) as on the target"
        )
    elif diag.sqlstate == "42P01":
        hint = hint or "create the table in a schema file, or fix the name"
    elif diag.sqlstate == "42883":
        hint = hint or "define the function in a schema file, or check its argument types"
    return SourceError(message, location=where, hint=hint, source_line=_line_text(where))


# Errors that name what is missing ('column "owner_id" does not exist') but that
# PostgreSQL reports without a position (in a policy's expression, for instance).
_NAMED_MISSING = frozenset({"42703", "42P01", "42704", "42883"})
_QUOTED = re.compile(r'"([^"]+)"')
_BLANKED_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


def _named_position(text: str, sqlstate: str | None, message: str) -> int | None:
    """PostgreSQL's 1-based position of the name a "does not exist" error quotes, found in
    the statement's text (after its first parenthesis, where the expressions are, when it
    is there too); None when the name is not found."""
    if sqlstate not in _NAMED_MISSING:
        return None
    quoted = _QUOTED.search(message)
    if quoted is None:
        return None
    name = quoted.group(1).split(".")[-1]
    # Comments blanked out (same length), so that offsets stay those of the statement.
    code = _BLANKED_COMMENTS.sub(lambda m: " " * len(m.group(0)), text)
    pattern = re.compile(rf'"{re.escape(name)}"|(?<![\w$"]){re.escape(name)}(?![\w$])', re.I)
    paren = code.find("(")
    found = pattern.search(code, paren if paren >= 0 else 0) or pattern.search(code)
    return found.start() + 1 if found else None


def _line_text(where: Location) -> str | None:
    try:
        lines = Path(where.file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return lines[where.line - 1] if 0 < where.line <= len(lines) else None


def desired_model(
    statements: Sequence[SourceStatement], shadow_admin_url: str, *, baseline: bool = True, advance: Advance | None = None
) -> Model:
    """Load the statements into a fresh shadow database and read its model (see ``desired_state``)."""
    return desired_state(statements, shadow_admin_url, baseline=baseline, advance=advance).model


@dataclass(frozen=True)
class DesiredState:
    """The files' state (``model``: in platform schemas, only what the files declare),
    the keys of what the platform put in the shadow there (``pristine``), and a located
    warning per statement whose result is not managed (schemakit.platform)."""

    model: Model
    pristine: frozenset[Key] = frozenset()
    warnings: tuple[str, ...] = ()


def pristine_model(conn: psycopg.Connection[Any]) -> Model:
    """The fresh shadow's model, as far as the platform rule needs it: empty when the
    catalog reads nothing in its platform schemas (the usual case: one query, not a read)."""
    return read_model(conn) if reads_platform_objects(conn) else Model(objects={})


def desired_state(
    statements: Sequence[SourceStatement], shadow_admin_url: str, *, baseline: bool = True, advance: Advance | None = None
) -> DesiredState:
    """Load the statements into a fresh shadow database and read its model.

    ``baseline``: the shadow holds the Supabase baseline (a Supabase-profile target's
    twin); without, it is a plain copy of template0 (a plain target's twin).
    ``FOR ROLE <name>`` in default privileges applies to the shadow's loading role.

    When a statement names a platform schema, the fresh shadow is read first too (its
    *pristine* state: what the platform holds before any file loads), so that what the
    platform put there is told from what the files created or changed.
    """
    with shadow.temporary_database(shadow_admin_url, baseline=baseline) as url:
        with connect(url, autocommit=True, given_by="--shadow-url (or the local server)") as conn:
            pristine = pristine_model(conn) if touches_platform(statements) else None
            loaded = shadow_statements(conn, statements)
            load_statements(conn, loaded.statements, shadow_admin_url, advance)
            return read_state(conn, statements, pristine, loaded.options)


def shadow_statements(conn: psycopg.Connection[Any], statements: Sequence[SourceStatement]) -> StrippedOptions:
    """The statements as the shadow on ``conn``'s server loads them (``for_shadow``), and
    the vector index options its stand-in cannot take: left out, put back after the read."""
    loaded = strip_vector_options([for_shadow(s) for s in statements])
    if not loaded.options or not vector_is_standin(conn):
        loaded = StrippedOptions(tuple(for_shadow(s) for s in statements), {})
    return loaded


def read_state(
    conn: psycopg.Connection[Any],
    statements: Sequence[SourceStatement],
    pristine: Model | None,
    options: Mapping[tuple[str, str], str] | None = None,
) -> DesiredState:
    """The state of a shadow database that holds the statements: its model (in platform
    schemas, only what the files declare, told from ``pristine``: the shadow's model before
    they loaded, None when no statement touches a platform schema; ``options``: the vector
    index options left out of the load, put back)."""
    return state_of(read_shadow(conn, statements), statements, pristine, options)


def read_shadow(conn: psycopg.Connection[Any], statements: Sequence[SourceStatement]) -> Model:
    """The catalog of a shadow database that holds the statements, as read (``read_state``
    makes the state of it)."""
    return shadow_reader(conn, statements).read()


def shadow_reader(conn: psycopg.Connection[Any], statements: Sequence[SourceStatement], since: Since | None = None) -> CatalogReader:
    """``read_shadow``'s reader; ``since``: one that reads where the catalog changed since
    (schemakit.keptshadow), and leaves what the next such read keeps."""
    return CatalogReader(conn, declared(statements), declared_owners.declared(statements), since=since)


def state_of(
    read: Model,
    statements: Sequence[SourceStatement],
    pristine: Model | None,
    options: Mapping[tuple[str, str], str] | None = None,
) -> DesiredState:
    """``read_state`` of the shadow's model ``read`` (``read_shadow``)."""
    model = declared_part(read, pristine)
    if options:
        model = restore_vector_options(model, options)
    pinned = pinned_extensions(statements)
    if pinned:
        model = replace(model, pinned_extensions=pinned)
    return DesiredState(
        model=model,
        pristine=frozenset(pristine.objects) if pristine is not None else frozenset(),
        warnings=unmanaged_warnings(statements, model),
    )


def pinned_extensions(statements: Sequence[SourceStatement]) -> frozenset[str]:
    """The extensions whose CREATE EXTENSION in the files gives a VERSION."""
    out: set[str] = set()
    for stmt in statements:
        if stmt.kind != "create_extension":
            continue
        node = pglast.parse_sql(stmt.sql)[0].stmt
        if isinstance(node, ast.CreateExtensionStmt) and node.extname and any(
            isinstance(o, ast.DefElem) and o.defname == "new_version" for o in node.options or ()
        ):
            out.add(node.extname)
    return frozenset(out)
