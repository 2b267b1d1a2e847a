"""The ``-- schemakit: renamed-from <old name>`` directives of the schema files.

A directive is a line comment on the new definition (README "Renames"):

- on the line(s) right above a statement, or on its first line: the statement's object
  (a table, view, materialized view, function or procedure, type, index, policy; the
  column or constraint of an ``ALTER TABLE ... ADD COLUMN | ADD CONSTRAINT``);
- inside a ``CREATE TABLE``'s parentheses: the column or named table constraint that
  starts on the directive's line before it, else the next one;
- inside a ``CREATE TYPE ... AS ENUM (...)``: the value on its line (else the next
  one), the old value written as a quoted literal: ``-- schemakit: renamed-from 'sad'``.

The old name of a table, view, function, type or index is ``name`` or ``schema.name``
(the schema must be the new one's); of a column, constraint or policy just ``name``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pglast
from pglast import ast, enums
from pglast.parser import scan

from schemakit.source.model import Location, SourceError, SourceStatement

DEFAULT_SCHEMA = "public"
_MARK = re.compile(r"--\s*schemakit:\s*renamed-from\b(?P<name>.*)$")
_PART = re.compile(r'\s*(?:"(?P<quoted>(?:[^"]|"")*)"|(?P<plain>[^\s."]+))\s*')
_VALUE = re.compile(r"\s*'(?P<value>(?:[^']|'')*)'\s*")


@dataclass(frozen=True)
class Directive:
    """One declared rename: ``old`` became ``new`` (a kind of ``RENAMED_KINDS``).
    ``on`` is the table of a column, constraint or policy, the type of an enum value,
    by its desired name (in ``schema``)."""

    kind: str
    schema: str
    new: str
    old: str
    location: Location
    source_line: str
    on: str | None = None

    def error(self, message: str, hint: str | None = None) -> SourceError:
        return SourceError(message, hint=hint, location=self.location, source_line=self.source_line)

    @property
    def line(self) -> str:
        """The directive as written in a file (``old`` quoted as needed)."""
        return directive_line(self.kind, self.old)


RENAMED_KINDS = (
    "type", "function", "table", "view", "materialized view", "column", "constraint", "index", "policy", "enum value",
)


def directive_line(kind: str, old: str) -> str:
    """The comment that declares a rename from ``old`` (a name, or an enum value)."""
    if kind == "enum value":
        return "-- schemakit: renamed-from '" + old.replace("'", "''") + "'"
    plain = re.fullmatch(r"[a-z_][a-z0-9_$]*", old) is not None
    return "-- schemakit: renamed-from " + (old if plain else '"' + old.replace('"', '""') + '"')


@dataclass(frozen=True)
class _Mark:
    """A directive comment: where it is and the text after ``renamed-from``."""

    offset: int  # in the statement's text (negative: in the comments above it)
    location: Location
    source_line: str
    name: str


def declared_renames(statements: Sequence[SourceStatement]) -> list[Directive]:
    """Every directive of the schema files' statements, in file order. Raises
    SourceError (at the directive) for one that is malformed or misplaced."""
    out: list[Directive] = []
    for stmt in sorted(statements, key=lambda s: s.position):
        marks = list(_leading(stmt)) + list(_inside(stmt))
        if marks:
            out.extend(_directives(stmt, marks))
    return out


def _leading(stmt: SourceStatement) -> Iterator[_Mark]:
    """Directives in the line comments right above the statement."""
    source = stmt.source
    if source is None:
        return
    line = stmt.location.line - 1
    found: list[_Mark] = []
    while line >= 1:
        text = source.line_text(line)
        if not text.lstrip().startswith("--"):
            break
        match = _MARK.search(text)
        if match is not None:
            col = match.start() + 1
            found.append(_Mark(-1, Location(source.display, line, col), text, match.group("name")))
        line -= 1
    yield from reversed(found)


def _char_offsets(text: str) -> list[int]:
    """For each byte offset of ``text`` in UTF-8, the character offset."""
    out: list[int] = []
    for i, ch in enumerate(text):
        out.extend([i] * len(ch.encode("utf-8")))
    out.append(len(text))
    return out


def _inside(stmt: SourceStatement) -> Iterator[_Mark]:
    if "renamed-from" not in stmt.sql:
        return
    for token in scan(stmt.sql):  # the scanner's offsets count characters
        if token.name != "SQL_COMMENT":
            continue
        start, end = token.start, token.end + 1
        match = _MARK.match(stmt.sql[start:end])
        if match is not None:
            yield _Mark(start, _locate(stmt, start), _line_of(stmt, start), match.group("name"))


def _locate(stmt: SourceStatement, offset: int) -> Location:
    before = stmt.sql[:offset]
    newlines = before.count("\n")
    if newlines == 0:
        return Location(stmt.location.file, stmt.location.line, stmt.location.col + offset)
    return Location(stmt.location.file, stmt.location.line + newlines, offset - before.rfind("\n"))


def _line_of(stmt: SourceStatement, offset: int) -> str:
    start = stmt.sql.rfind("\n", 0, offset) + 1
    end = stmt.sql.find("\n", offset)
    line = stmt.sql[start : end if end >= 0 else len(stmt.sql)]
    if start == 0:  # the statement's first line: what precedes it in the file too
        line = " " * (stmt.location.col - 1) + line
    return line.rstrip("\r")


def _same_line(stmt: SourceStatement, a: int, b: int) -> bool:
    lo, hi = min(a, b), max(a, b)
    return "\n" not in stmt.sql[lo:hi]


def _directives(stmt: SourceStatement, marks: list[_Mark]) -> Iterator[Directive]:
    node: Any = pglast.parse_sql(stmt.sql)[0].stmt
    chars = _char_offsets(stmt.sql)
    starts = _element_starts(stmt, node, chars)
    for mark in marks:
        if mark.offset < 0 or (_same_line(stmt, 0, mark.offset) and not any(s < mark.offset for s in starts)):
            yield _for_statement(node, mark)  # above the statement, or on its first line before any element
        elif isinstance(node, ast.CreateStmt):
            yield _for_element(stmt, node, mark, starts)
        elif isinstance(node, ast.CreateEnumStmt):
            yield _for_value(stmt, node, mark, starts)
        else:
            yield _for_statement(node, mark)


def _element_starts(stmt: SourceStatement, node: Any, chars: list[int]) -> list[int]:
    """Where the columns and constraints of a CREATE TABLE, or the values of an enum,
    start in the statement's text."""
    n: Any = node
    if type(n) is ast.CreateStmt:
        return [chars[cast(int, e.location)] for e in n.tableElts or () if isinstance(e, (ast.ColumnDef, ast.Constraint))]
    if type(n) is ast.CreateEnumStmt and n.vals:
        tokens = [t for t in scan(stmt.sql) if t.name == "SCONST"]
        return [t.start for t in tokens[-len(n.vals):]]  # the scanner counts characters
    return []


def _fail(mark: _Mark, message: str, hint: str | None = None) -> SourceError:
    return SourceError(message, hint=hint, location=mark.location, source_line=mark.source_line)


def _names(mark: _Mark) -> list[str]:
    """The dotted name after ``renamed-from``: unquoted parts fold to lower case."""
    text, parts, pos = mark.name, [], 0
    while True:
        match = _PART.match(text, pos)
        if match is None:
            break
        quoted = match.group("quoted")
        parts.append(quoted.replace('""', '"') if quoted is not None else match.group("plain").lower())
        pos = match.end()
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        break
    if not parts or pos != len(text):
        raise _fail(mark, "a renamed-from directive names the old object: `-- schemakit: renamed-from <old name>`")
    return parts


def _value(mark: _Mark) -> str:
    match = _VALUE.fullmatch(mark.name)
    if match is None:
        raise _fail(
            mark,
            "an enum value's renamed-from directive names the old value as a quoted literal",
            hint="for example: 'unhappy',  -- schemakit: renamed-from 'sad'",
        )
    return match.group("value").replace("''", "'")


def _in_schema(mark: _Mark, schema: str) -> str:
    """The old name of a schema object: ``name`` or ``<schema>.name``."""
    parts = _names(mark)
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != schema):
        raise _fail(mark, f"a rename stays in its schema: name the old object in {schema}, or unqualified")
    return parts[-1]


def _simple(mark: _Mark) -> str:
    parts = _names(mark)
    if len(parts) != 1:
        raise _fail(mark, "the old name of a column, constraint or policy is a plain name")
    return parts[0]


def _make(kind: str, schema: str | None, new: Any, old: str, mark: _Mark, on: str | None = None) -> Directive:
    return Directive(kind, schema or DEFAULT_SCHEMA, str(new), old, mark.location, mark.source_line, on)


def _qualified(names: Sequence[Any] | None) -> tuple[str, str]:
    parts = [str(n.sval) for n in names or ()]
    return (parts[-2] if len(parts) > 1 else DEFAULT_SCHEMA, parts[-1])


def _relation(rel: Any) -> tuple[str, str]:
    return (rel.schemaname or DEFAULT_SCHEMA, rel.relname)


_STATEMENT_KINDS: dict[type, str] = {
    ast.CreateStmt: "table",
    ast.ViewStmt: "view",
    ast.CreateTableAsStmt: "materialized view",
    ast.CreateFunctionStmt: "function",
    ast.CreateEnumStmt: "type",
    ast.CreateDomainStmt: "type",
    ast.CompositeTypeStmt: "type",
    ast.IndexStmt: "index",
}


def _created(n: Any) -> tuple[str, str] | None:
    """(schema, name) of what a CREATE statement makes."""
    kind = type(n)
    if kind is ast.CreateStmt:
        return _relation(n.relation)
    if kind is ast.IndexStmt:
        return (_relation(n.relation)[0], n.idxname) if n.idxname else None
    if kind is ast.ViewStmt:
        return _relation(n.view)
    if kind is ast.CreateTableAsStmt:
        return _relation(n.into.rel)
    if kind is ast.CompositeTypeStmt:
        return _relation(n.typevar)
    names = {ast.CreateFunctionStmt: "funcname", ast.CreateEnumStmt: "typeName", ast.CreateDomainStmt: "domainname"}
    return _qualified(getattr(n, names[kind])) if kind in names else None


def _for_statement(node: Any, mark: _Mark) -> Directive:
    """A directive on a whole statement: the object it creates."""
    n: Any = node
    created = _created(n) if type(n) in _STATEMENT_KINDS else None
    if created is not None:
        schema, name = created
        return _make(_STATEMENT_KINDS[type(n)], schema, name, _in_schema(mark, schema), mark)
    if type(n) is ast.CreatePolicyStmt:
        schema, table = _relation(n.table)
        return _make("policy", schema, n.policy_name, _simple(mark), mark, on=table)
    if type(n) is ast.AlterTableStmt and len(n.cmds or ()) == 1:
        cmd: Any = cast(Any, n.cmds)[0]
        schema, table = _relation(n.relation)
        if cmd.subtype == enums.AlterTableType.AT_AddColumn:
            return _make("column", schema, cmd.def_.colname, _simple(mark), mark, on=table)
        if cmd.subtype == enums.AlterTableType.AT_AddConstraint and cmd.def_.conname:
            return _make("constraint", schema, cmd.def_.conname, _simple(mark), mark, on=table)
    raise _fail(
        mark,
        "a renamed-from directive belongs on a CREATE of a table, view, materialized view, function, "
        "type or named index, a CREATE POLICY, or an ALTER TABLE that adds one column or one named constraint",
    )


def _for_element(stmt: SourceStatement, node: Any, mark: _Mark, starts: list[int]) -> Directive:
    """A directive inside a CREATE TABLE: the column or named constraint of its line, or the next."""
    elements: list[tuple[str, str | None]] = []
    for elt in node.tableElts or ():
        if isinstance(elt, ast.ColumnDef):
            elements.append(("column", elt.colname))
        elif isinstance(elt, ast.Constraint):
            elements.append(("constraint", elt.conname))
    target = _attached(stmt, mark, starts)
    if target is None:
        raise _fail(mark, "this renamed-from directive is on no column or constraint of the table")
    kind, name = elements[target]
    if name is None:
        raise _fail(mark, "only a named constraint can be renamed", hint="name it: CONSTRAINT <name> ...")
    schema, table = _relation(node.relation)
    return _make(kind, schema, name, _simple(mark), mark, on=table)


def _for_value(stmt: SourceStatement, node: Any, mark: _Mark, starts: list[int]) -> Directive:
    """A directive inside CREATE TYPE ... AS ENUM (...): the value of its line, or the next."""
    values = [v.sval for v in node.vals or ()]
    target = _attached(stmt, mark, starts)
    if target is None:
        raise _fail(mark, "this renamed-from directive is on no value of the enum")
    schema, name = _qualified(node.typeName)
    return _make("enum value", schema, values[target], _value(mark), mark, on=name)


def _attached(stmt: SourceStatement, mark: _Mark, starts: list[int]) -> int | None:
    """The element a directive at ``mark`` belongs to: the last one starting on its line
    before it, else the first one after it."""
    same = [i for i, s in enumerate(starts) if s < mark.offset and _same_line(stmt, s, mark.offset)]
    if same:
        return same[-1]
    after = [i for i, s in enumerate(starts) if s > mark.offset]
    return after[0] if after else None
