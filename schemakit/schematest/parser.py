"""A SQL test file → its statements, each with the role it runs as and what it expects.

Statements are split by pglast (``schemakit.source.parse``), so a semicolon in a string or
a ``$$`` body never splits one. Directives are line comments between statements:

- ``-- as: <role> [sub=<uuid>] [claims=<json>]`` before a statement: it and the statements
  after it run as ``<role>`` with ``request.jwt.claims`` set as PostgREST sets them
  (``{"role": <role>, "sub": <uuid>}`` merged with ``<json>``), until the next ``-- as:``;
  ``-- as: owner`` goes back to the connecting role. Statements before the first
  ``-- as:`` are the file's fixtures, run as the owner (the runner sets no role for them,
  so a pgTAP file's own ``SET LOCAL ROLE`` holds).
- ``-- expect: <n> rows`` | ``-- expect: error <SQLSTATE or condition name>`` |
  ``-- expect: ok`` | ``-- expect: rows <json array of objects>`` after a statement.
- ``-- schemakit: own-database`` in the file's header (before its first statement).

A file's ``BEGIN``/``COMMIT``/``ROLLBACK`` are skipped (the runner owns the transaction);
savepoints and two-phase commands are refused at their place.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg.errors
from pglast import ast
from pglast.enums import TransactionStmtKind
from pglast.visitors import Visitor

from schemakit.source.model import SourceFile, error_at
from schemakit.source.parse import parse_source, read_source

OWNER = "owner"
"""``-- as: owner``: the connecting role, without claims (where fixtures run)."""
OWN_DATABASE = "own-database"
PGTAP_CALLS = frozenset({"plan", "no_plan", "finish", "runtests"})
_SKIPPED_TRANSACTION = frozenset(
    {
        TransactionStmtKind.TRANS_STMT_BEGIN,
        TransactionStmtKind.TRANS_STMT_START,
        TransactionStmtKind.TRANS_STMT_COMMIT,
        TransactionStmtKind.TRANS_STMT_ROLLBACK,
    }
)
_DIRECTIVE = re.compile(r"--\s*(as|expect|schemakit)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_INSIDE = re.compile(r"^[ \t]*--\s*(?:as|expect)\s*:", re.IGNORECASE | re.MULTILINE)
_COUNT = re.compile(r"(\d+)\s+rows?", re.IGNORECASE)
_SQLSTATE = re.compile(r"[0-9A-Z]{5}")


@dataclass(frozen=True)
class Role:
    """Who a statement runs as: ``name`` None is the owner (the connecting role)."""

    name: str | None
    claims: str  # request.jwt.claims as JSON text ('' for the owner)
    text: str  # as written after ``-- as:``


@dataclass(frozen=True)
class Expect:
    """What a statement must give. ``kind``: ``count``, ``error``, ``ok`` or ``rows``."""

    kind: str
    line: int
    text: str  # as written after ``-- expect:``
    count: int | None = None
    sqlstate: str | None = None
    rows: str | None = None  # the expected rows, as JSON text


@dataclass(frozen=True)
class Step:
    """One statement of a test file."""

    sql: str
    line: int
    role: Role | None  # None: a fixture (before the first ``-- as:``), run as the owner
    expect: Expect | None
    pgtap: bool = False  # it calls plan(), no_plan(), finish() or runtests()


@dataclass(frozen=True)
class SqlTestFile:
    path: Path
    display: str  # the path as shown (relative to the working directory)
    steps: tuple[Step, ...]
    own_database: bool = False
    creates_pgtap: bool = False  # it runs CREATE EXTENSION pgtap itself

    @property
    def pgtap(self) -> bool:
        """A pgTAP file: it calls pgTAP's plan(), no_plan(), finish() or runtests()."""
        return any(s.pgtap for s in self.steps)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(s.role.name for s in self.steps if s.role is not None and s.role.name)


@dataclass(frozen=True)
class _Directive:
    word: str  # as | expect | schemakit
    value: str
    offset: int  # of the comment's ``--``


class _Calls(Visitor):
    """The names of the functions a statement calls."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_FuncCall(self, ancestors: Any, node: ast.FuncCall) -> None:
        last = node.funcname[-1] if node.funcname else None
        if isinstance(last, ast.String) and last.sval:
            self.names.add(last.sval.lower())


def parse_test_file(path: Path, index: int = 0) -> SqlTestFile:
    """Read and parse one test file; a mistake in it is a located SourceError."""
    source = read_source(path, index)
    statements: list[tuple[int, int, ast.Node]] = []  # (start, end, tree)
    for raw, node, _ in parse_source(source):
        statements.append((raw.start, raw.end, node))
    gaps = _gaps(source, [(s, e) for s, e, _ in statements])
    own = _header(source, gaps[0])
    steps: list[Step] = []
    role: Role | None = None
    creates_pgtap = False
    for i, (start, end, node) in enumerate(statements):
        role = _role_before(source, gaps[i], role, header=i == 0)
        expect = _expect_after(source, gaps[i + 1])
        _no_directive_inside(source, start, end)
        if isinstance(node, ast.TransactionStmt):
            _transaction(source, start, node, expect)
            continue
        creates_pgtap = creates_pgtap or (isinstance(node, ast.CreateExtensionStmt) and node.extname == "pgtap")
        calls = _Calls()
        calls(node)
        steps.append(
            Step(
                sql=source.text[start:end],
                line=source.location(start).line,
                role=role,
                expect=expect,
                pgtap=bool(calls.names & PGTAP_CALLS),
            )
        )
    _nothing_after_last(source, gaps[-1], header=not statements)
    return SqlTestFile(path, source.display, tuple(steps), own_database=own, creates_pgtap=creates_pgtap)


def _gaps(source: SourceFile, bounds: list[tuple[int, int]]) -> list[list[_Directive]]:
    """The directives of each gap: before the first statement, between two, after the last."""
    edges = [0] + [x for s, e in bounds for x in (s, e)] + [len(source.text)]
    out: list[list[_Directive]] = []
    for gap_start, gap_end in zip(edges[::2], edges[1::2]):
        found: list[_Directive] = []
        offset = gap_start
        for line in source.text[gap_start:gap_end].splitlines(keepends=True):
            at = line.find("--")
            match = _DIRECTIVE.match(line, at) if at >= 0 and not line[:at].strip(" \t;") else None
            if match:
                found.append(_Directive(match.group(1).lower(), match.group(2), offset + at))
            offset += len(line)
        out.append(found)
    return out


def _header(source: SourceFile, gap: list[_Directive]) -> bool:
    own = False
    for d in gap:
        if d.word != "schemakit":
            continue
        options = d.value.split()
        unknown = [o for o in options if o.lower() != OWN_DATABASE]
        if unknown:
            raise error_at(
                source, d.offset, f"unknown test file option {unknown[0]!r}",
                f"the header knows `-- schemakit: {OWN_DATABASE}` (the file gets a database of its own)",
            )
        own = own or bool(options)
    return own


def _role_before(source: SourceFile, gap: list[_Directive], role: Role | None, *, header: bool) -> Role | None:
    """The role a statement runs as: the last ``-- as:`` before it, else the one before."""
    seen_as = False
    for d in gap:
        if d.word == "as":
            role = parse_role(source, d)
            seen_as = True
        elif d.word == "expect" and (seen_as or header):
            raise error_at(
                source, d.offset, "`-- expect:` before a statement: an expectation follows the statement it checks",
                "put `-- expect: ...` right after the statement's ';'",
            )
        elif d.word == "schemakit" and not header:
            raise error_at(source, d.offset, "`-- schemakit:` options belong in the file's header, before its first statement")
    return role


def _expect_after(source: SourceFile, gap: list[_Directive]) -> Expect | None:
    """The expectation that follows a statement (before any ``-- as:`` of the next one)."""
    found: Expect | None = None
    for d in gap:
        if d.word == "as":
            break
        if d.word == "schemakit":
            continue  # refused by _role_before
        if found is not None:
            raise error_at(source, d.offset, "a second `-- expect:` for the same statement", "write one expectation per statement")
        found = parse_expect(source, d)
    return found


def _nothing_after_last(source: SourceFile, gap: list[_Directive], *, header: bool) -> None:
    """After the last statement: only its expectation (none in a file without statements)."""
    if header:
        _role_before(source, gap, None, header=True)
    rest = gap[1:] if gap and gap[0].word == "expect" and not header else gap
    for d in rest:
        if d.word == "as":
            raise error_at(source, d.offset, "`-- as:` with no statement after it")
        if d.word == "schemakit" and not header:
            raise error_at(source, d.offset, "`-- schemakit:` options belong in the file's header, before its first statement")


def _no_directive_inside(source: SourceFile, start: int, end: int) -> None:
    match = _INSIDE.search(source.text, start, end)
    if match:
        raise error_at(
            source, match.start() + len(match.group(0)) - len(match.group(0).lstrip()),
            "a test directive inside a statement (before its ';')",
            "end the statement with ';' before `-- expect:`, and put `-- as:` before the statement",
        )


def _transaction(source: SourceFile, start: int, node: ast.TransactionStmt, expect: Expect | None) -> None:
    if node.kind not in _SKIPPED_TRANSACTION:
        raise error_at(
            source, start, "savepoints and two-phase commands are not allowed in a test file",
            "schemakit runs each statement in a savepoint of the file's transaction; "
            "use `-- expect: error <SQLSTATE>` for a statement that must fail",
        )
    if expect is not None:
        raise error_at(source, start, "an expectation on a transaction command",
                       "the file's BEGIN/COMMIT/ROLLBACK are skipped: schemakit runs the file in a transaction it rolls back")


def parse_role(source: SourceFile, d: _Directive) -> Role:
    """``<role> [sub=<uuid>] [claims=<json>]``."""
    text = d.value
    name, _, rest = text.partition(" ")
    if not name:
        raise error_at(source, d.offset, "`-- as:` needs a role", "for example `-- as: authenticated sub=<uuid>`")
    if name.lower() == OWNER:
        if rest.strip():
            raise error_at(source, d.offset, "`-- as: owner` takes no sub= or claims=")
        return Role(None, "", text)
    claims: dict[str, Any] = {"role": name}
    rest = rest.strip()
    while rest:
        if rest.startswith("sub="):
            value, _, rest = rest[4:].partition(" ")
            try:
                claims["sub"] = str(uuid.UUID(value))
            except ValueError:
                raise error_at(source, d.offset, f"sub={value!r} is not a UUID") from None
        elif rest.startswith("claims="):
            try:
                extra, used = json.JSONDecoder().raw_decode(rest, 7)
            except json.JSONDecodeError as exc:
                raise error_at(source, d.offset, f"claims= is not valid JSON: {exc.msg}") from None
            if not isinstance(extra, dict):
                raise error_at(source, d.offset, "claims= must be a JSON object")
            claims.update(extra)
            rest = rest[used:]
        else:
            raise error_at(
                source, d.offset, f"unknown `-- as:` option {rest.split()[0]!r}",
                "write `-- as: <role> [sub=<uuid>] [claims=<json object>]`",
            )
        rest = rest.strip()
    return Role(name, json.dumps(claims), text)


def parse_expect(source: SourceFile, d: _Directive) -> Expect:
    """``<n> rows`` | ``error <SQLSTATE>`` | ``ok`` | ``rows <json>``."""
    text = d.value
    line = source.location(d.offset).line
    word, _, rest = text.partition(" ")
    rest = rest.strip()
    count = _COUNT.fullmatch(text)
    if count:
        return Expect("count", line, text, count=int(count.group(1)))
    if word.lower() == "ok" and not rest:
        return Expect("ok", line, text)
    if word.lower() == "error" and rest:
        return Expect("error", line, text, sqlstate=_sqlstate(source, d, rest))
    if word.lower() == "rows" and rest:
        return Expect("rows", line, text, rows=_rows(source, d, rest))
    raise error_at(
        source, d.offset, f"unknown expectation {text!r}",
        "write `-- expect: <n> rows`, `-- expect: error <SQLSTATE>`, `-- expect: ok` or `-- expect: rows <json>`",
    )


def _sqlstate(source: SourceFile, d: _Directive, code: str) -> str:
    if _SQLSTATE.fullmatch(code):
        return code
    try:
        return str(psycopg.errors.lookup(code.lower()).sqlstate)
    except KeyError:
        raise error_at(
            source, d.offset, f"unknown SQLSTATE {code!r}",
            "give the five-character code (42501) or its condition name (insufficient_privilege)",
        ) from None


def _rows(source: SourceFile, d: _Directive, text: str) -> str:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error_at(source, d.offset, f"`rows` is not valid JSON: {exc.msg}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise error_at(source, d.offset, "`rows` must be a JSON array of objects", 'for example rows [{"id": 1}]')
    if len({tuple(sorted(r)) for r in rows}) > 1:
        raise error_at(source, d.offset, "every object of `rows` must name the same columns")
    return json.dumps(rows)
