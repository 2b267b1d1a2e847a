"""Read schema files and split them into statements with pglast.

Statement boundaries come from the parser (each statement's location in its output),
never from splitting on ``;``: dollar-quoted bodies and ``BEGIN ATOMIC ... END``
contain semicolons. The whole file is parsed at once (syntax errors are reported at
their file position), to JSON; then each statement's tree is built from it on its own
(see ``tree``), when the caller asks for it, so that only one statement's Python tree
is alive at a time.
"""

from __future__ import annotations

import gc
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pglast
from pglast import ast
from pglast.parser import ParseError, parse_sql_json, scan, split

from schemakit.source.model import SourceError, SourceFile, error_at
from schemakit.source.refs import NODE_TYPES
from schemakit.source.tree import CharOffsets, Json, TreeBuilder

_COMMENT_TOKENS = frozenset({"SQL_COMMENT", "C_COMMENT"})


@dataclass(frozen=True)
class RawStatement:
    """Where one statement's text lies in its file."""

    source: SourceFile
    start: int  # offset of the first non-blank, non-comment character
    end: int  # offset just past the last non-blank, non-comment character

    @property
    def sql(self) -> str:
        return self.source.text[self.start : self.end]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while parse trees are built and analysed.

    The trees are large and acyclic, so reference counting frees them; the collector
    would only rescan them again and again (about a third of ``load_sources``' time
    on a 1,000-table schema). Restores the collector's previous state.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def display_path(path: Path) -> str:
    """The path relative to the current directory when it lies below it, else as given."""
    try:
        if path.is_absolute():
            return os.fspath(path.relative_to(Path.cwd()))
    except ValueError:
        pass
    return os.fspath(path)


def read_source(path: Path, index: int) -> SourceFile:
    """Read and decode one schema file. Every failure is a SourceError."""
    display = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise SourceError(f"cannot read {display}: {reason}") from None
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark is not part of the SQL
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _decode_error(path, display, index, data, exc) from None
    source = SourceFile.from_text(path, display, index, text)
    nul = text.find("\0")
    if nul >= 0:
        raise error_at(
            source,
            nul,
            "file contains a NUL character",
            "schema files must be plain UTF-8 text; is this a binary file?",
        )
    return source


def _decode_error(
    path: Path, display: str, index: int, data: bytes, exc: UnicodeDecodeError
) -> SourceError:
    # Map the bad byte to a line and a character column using a lossy decode.
    text = data.decode("utf-8", errors="replace")
    before = data[: exc.start].decode("utf-8", errors="replace")
    source = SourceFile.from_text(path, display, index, text)
    bad = data[exc.start : exc.start + 1].hex()
    return error_at(
        source,
        len(before),
        f"file is not valid UTF-8 (byte 0x{bad})",
        "schema files must be UTF-8 encoded; convert it, e.g. `iconv -f latin1 -t utf-8`",
    )


Parsed = tuple[RawStatement, ast.Node, list[ast.Node] | None]


def parse_source(source: SourceFile) -> Iterator[Parsed]:
    """Each statement of a file with its parse tree, in file order.

    With each tree come its nodes of the types ``refs.NODE_TYPES``, for ``classify``
    (None when they are not known).

    The whole file is parsed before the first statement is yielded, so a syntax error
    anywhere is reported (at its file position) before any statement is analysed.
    """
    text = source.text
    try:
        output = parse_sql_json(text)
    except ParseError as exc:
        raise _syntax_error(source, exc) from None
    except Exception as exc:  # pglast may raise other errors on pathological input
        raise _parser_bug(source, exc) from None
    offsets = None if text.isascii() else CharOffsets(text)
    size = len(text) if offsets is None else offsets.size  # the text's length in bytes
    builder = TreeBuilder(offsets, NODE_TYPES)
    resume = 0  # where the statements not yielded yet start
    items = _raw_statements(output)
    while True:
        try:
            item = next(items, None)
        except RecursionError:  # a very deeply nested expression
            yield from _parse_each(source, resume)
            return
        except ValueError as exc:
            raise _parser_bug(source, exc) from None
        if item is None:
            return
        # Byte offsets; a length of 0 means "up to the end of the text".
        start = item.get("stmt_location", 0)
        stop = start + item["stmt_len"] if item.get("stmt_len") else size
        if offsets is not None:
            start, stop = offsets(start), offsets(stop)
        resume = stop
        raw = _trimmed(source, start, stop)
        if raw is None or "stmt" not in item:
            continue
        try:
            node = builder.statement(item["stmt"], raw.start, raw.end - raw.start)
        except RecursionError:
            yield from _parse_statement(raw)
            continue
        except Exception as exc:  # the file parsed: this is not the user's error
            raise _parser_bug(source, exc) from None
        if node is not None:
            yield raw, node, builder.noted


_DECODER = json.JSONDecoder()
_STATEMENTS = '"stmts":['


def _raw_statements(output: str) -> Iterator[Json]:
    """The RawStmt objects of ``parse_sql_json``'s output, decoded one at a time.

    Decoding the whole output at once would keep every statement's JSON in memory
    until the last tree is built; one at a time, it is still in the processor's cache
    when its tree is built, which is markedly faster. The output is compact:
    ``{"version":N,"stmts":[{...},{...}]}`` (no "stmts" when there is no statement).
    """
    if not output.startswith('{"version":'):  # not the expected layout: decode it all
        yield from json.loads(output).get("stmts", ())
        return
    position = output.find(_STATEMENTS)
    if position < 0:
        return
    position += len(_STATEMENTS)
    while output[position] != "]":
        item, position = _DECODER.raw_decode(output, position)
        yield item
        if output[position] == ",":
            position += 1


def _parse_each(source: SourceFile, resume: int = 0) -> Iterator[Parsed]:
    """Like ``parse_source`` from character offset ``resume`` on, with pglast's own
    (slower) tree building, statement by statement: for trees too deep to be built
    from the JSON."""
    text = source.text
    try:
        pieces = split(text, with_parser=True, only_slices=True)
    except Exception as exc:  # the file parsed as a whole: this is not the user's error
        raise _parser_bug(source, exc) from None
    for piece in pieces:
        if (piece.start or 0) < resume:
            continue
        raw = _trimmed(source, piece.start or 0, len(text) if piece.stop is None else piece.stop)
        if raw is not None:
            yield from _parse_statement(raw)


def _parse_statement(raw: RawStatement) -> Iterator[Parsed]:
    try:
        parsed = pglast.parse_sql(raw.sql)
    except Exception as exc:  # the file parsed as a whole: this is not the user's error
        raise _parser_bug(raw.source, exc) from None
    for item in parsed:
        if item.stmt is not None:
            yield raw, item.stmt, None


def _parser_bug(source: SourceFile, exc: Exception) -> SourceError:
    return SourceError(
        f"cannot parse {source.display}: {exc}",
        hint="this looks like a bug in the SQL parser; please report it",
    )


def _trimmed(source: SourceFile, loc: int, stop: int) -> RawStatement | None:
    """The statement in ``text[loc:stop]`` without surrounding blanks and comments."""
    bounds = _plain_bounds(source.text, loc, stop)
    if bounds is not None:
        return RawStatement(source, *bounds)
    chunk = source.text[loc:stop]
    tokens = _tokens(chunk)
    if tokens:
        return RawStatement(source, loc + tokens[0][0], loc + tokens[-1][1])
    # No tokens (should not happen): fall back to trimming blanks.
    start = loc + (len(chunk) - len(chunk.lstrip()))
    end = loc + len(chunk.rstrip())
    return RawStatement(source, start, end) if end > start else None


_BLANKS = " \t\n\r\f"  # PostgreSQL's white space, but for \v (left to the scanner)
_LEADING = re.compile(r"(?:[ \t\n\r\f]+|--[^\n\r]*)*")  # blanks and line comments
_BLOCK_COMMENT_MARK = re.compile(r"/\*|\*/")


def _plain_bounds(text: str, loc: int, stop: int) -> tuple[int, int] | None:
    """The first token's start and last token's end in ``text[loc:stop]``, for the
    common case; None when only the scanner can tell (see ``_tokens``).

    Leading blanks and comments are skipped; trailing ones may only be blanks.
    """
    start = loc
    while True:
        start = _LEADING.match(text, start, stop).end()  # type: ignore[union-attr]
        if not text.startswith("/*", start, stop):
            break
        depth = 0  # block comments nest
        for mark in _BLOCK_COMMENT_MARK.finditer(text, start, stop):
            depth += 1 if mark.group() == "/*" else -1
            if depth == 0:
                start = mark.end()
                break
        else:
            return None
    end = len(text[start:stop].rstrip(_BLANKS)) + start
    if end <= start or text[start].isspace() or text[end - 1].isspace() or text[end - 1] == "/":
        return None
    last_line = max(text.rfind("\n", start, end), text.rfind("\r", start, end))
    if text.find("--", max(start, last_line), end) >= 0:
        return None  # perhaps a trailing line comment
    return start, end


def _tokens(text: str) -> list[tuple[int, int]]:
    """(start, end-exclusive) of every non-comment token, from PostgreSQL's scanner."""
    try:
        return [(t.start, t.end + 1) for t in scan(text) if t.name not in _COMMENT_TOKENS]
    except Exception:
        return []


_AT_OR_NEAR = re.compile(r'at or near "(?P<token>.*)"$', re.DOTALL)
_STATEMENT_STARTERS = frozenset(
    "alter analyze begin call cluster comment commit copy create delete do drop end grant "
    "insert lock merge reindex reset revoke rollback savepoint security select set "
    "start truncate update vacuum with".split()
)


def _syntax_error(source: SourceFile, exc: ParseError) -> SourceError:
    message = str(exc.args[0]) if exc.args else "syntax error"
    location = exc.args[1] if len(exc.args) > 1 else None
    text = source.text
    if not isinstance(location, int):
        # "at end of input": point just past the last non-blank character.
        location = len(text.rstrip())
    hint = "PostgreSQL's parser rejected the statement here; check the SQL near the caret"
    match = _AT_OR_NEAR.search(message)
    if message.startswith("unterminated"):
        hint = "a quote, comment or $$ body opened here is never closed"
    elif match and match.group("token").lower() in _STATEMENT_STARTERS:
        previous = _previous_token_end(text, location)
        here = source.location(location)
        if previous is not None and source.location(previous).line < here.line:
            # A statement starts on a new line while the previous one is still open: the
            # ';' is missing at the end of the previous statement. Point there.
            token = match.group("token")
            hint = (
                f"the previous statement is not terminated: add ';' here; the next "
                f'statement ("{token} ...") starts at line {here.line}, column {here.col}'
            )
            return error_at(source, previous + 1, message, hint)
        hint = "a new statement seems to start here: is a ';' missing before it?"
    elif message.endswith("at end of input"):
        hint = "the statement is incomplete: a closing parenthesis, END or $$ may be missing"
    return error_at(source, location, message, hint)


def _previous_token_end(text: str, offset: int) -> int | None:
    tokens = _tokens(text[:offset])
    if not tokens:
        return None
    return tokens[-1][1] - 1
