"""The source module: read ``schema/*.sql``, check it, and order it for the shadow load.

Every file is parsed with pglast before any database is touched. Statements are
classified (only declarative DDL, plus bucket rows, is accepted), the
``DROP ... IF EXISTS x; CREATE ... x`` idiom is reduced to the CREATE, and the result is
returned in a load order computed from references, so that file order does not matter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from schemakit.source.classified import Classified
from schemakit.source.classify import Rejected, classify
from schemakit.source.model import Location, SourceError, SourceErrors, SourceStatement, error_at
from schemakit.source.order import Item, Order, load_order, shape
from schemakit.source.model import SourceFile
from schemakit.source.parse import RawStatement, display_path, parse_source, paused_gc, read_source
from schemakit.source.wrappers import TransactionWrappers

__all__ = [
    "FileItems",
    "Location",
    "ParseMemo",
    "SourceError",
    "SourceStatement",
    "load_schema_dir",
    "load_sources",
    "locate",
]

DEFAULT_SEARCH_PATH: tuple[str, ...] = ("public",)


@dataclass(frozen=True)
class FileItems:
    """One file's statements as the loader analysed them: (start, end, classification)
    each, whether the file's transaction wrapper was skipped, and the ``shape`` of the
    classifications (what the load order depends on). What a ``ParseMemo`` holds, so that
    an unchanged file of a changed folder is not parsed again."""

    statements: tuple[tuple[int, int, Classified], ...]
    wrapped: bool = False
    shape: str = ""


class ParseMemo(Protocol):
    """Files analysed before (schemakit.cache.FileMemo), by their text and search path."""

    def get(self, source: SourceFile, search: tuple[str, ...]) -> FileItems | None: ...

    def put(self, source: SourceFile, search: tuple[str, ...], items: FileItems) -> None: ...

    def order(self, shape: str) -> Order | None: ...

    def put_order(self, shape: str, order: Order) -> None: ...


def load_sources(
    paths: Sequence[Path],
    *,
    search_path: Sequence[str] = DEFAULT_SEARCH_PATH,
    notice: Callable[[str], None] | None = None,
    memo: ParseMemo | None = None,
) -> list[SourceStatement]:
    """Parse, check and order the statements of ``paths`` (taken in the order given).

    Unqualified names resolve against ``search_path``: objects are created in its first
    schema. Raises SourceError for a file that cannot be read or parsed, or a statement
    that has no place in a schema file; SourceErrors when there are several (every file is
    checked). A file's BEGIN ... COMMIT wrapper
    is skipped; ``notice`` is then called once, naming the files that had one. ``memo``
    gives the analysis of a file it saw before with the same text (and is given each
    file analysed without an error).
    """
    search = tuple(search_path) or DEFAULT_SEARCH_PATH
    items: list[Item] = []
    shapes: list[str] = []  # each file's FileItems.shape, in file order (with a memo)
    wrappers = TransactionWrappers()
    errors: list[SourceError] = []  # every located error of every file, reported together
    with paused_gc():
        for index, path in enumerate(paths):
            try:
                source = read_source(Path(path), index)
                known = memo.get(source, search) if memo is not None else None
                if known is not None:
                    items.extend(Item(RawStatement(source, a, b), info) for a, b, info in known.statements)
                    shapes.append(known.shape)
                    if known.wrapped and source.display not in wrappers.files:
                        wrappers.files.append(source.display)
                    continue
                first, errors_before, wrapped_before = len(items), len(errors), len(wrappers.files)
                for raw, node, nodes in parse_source(source):
                    try:
                        if wrappers.skip(raw, node):
                            continue
                        info = classify(node, raw.sql, search[0], nodes)
                    except Rejected as exc:
                        errors.append(error_at(source, raw.start, exc.message, exc.hint))
                        continue
                    except SourceError as exc:
                        errors.append(exc)
                        continue
                    except Exception as exc:  # a bug here must still surface as a located error
                        errors.append(error_at(
                            source,
                            raw.start,
                            f"schemakit could not analyse this statement ({exc.__class__.__name__}: {exc})",
                            "this is a bug in schemakit; please report it with the statement",
                        ))
                        continue
                    items.append(Item(raw, info))
                wrappers.end_of_file()
                if memo is not None and len(errors) == errors_before:
                    analysed = FileItems(
                        tuple((it.raw.start, it.raw.end, it.info) for it in items[first:]),
                        len(wrappers.files) > wrapped_before,
                        shape(it.info for it in items[first:]),
                    )
                    memo.put(source, search, analysed)
                    shapes.append(analysed.shape)
            except SourceError as exc:
                errors.append(exc)
                with suppress(SourceError):
                    wrappers.end_of_file()  # forget a wrapper the failed file left open
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise SourceErrors(errors)
        statements = load_order(items, search, memo, _folder_shape(shapes, search) if memo is not None else None)
        # Free the analysis before the collector resumes: it would scan it all once more.
        del items
    said = wrappers.notice()
    if said is not None and notice is not None:
        notice(said)
    return statements


def _folder_shape(shapes: Sequence[str], search: tuple[str, ...]) -> str | None:
    """The shape of every file's items, in file order (None: a file's is unknown)."""
    if not all(shapes):
        return None
    return hashlib.sha256("\0".join([*search, "", *shapes]).encode()).hexdigest()


def load_schema_dir(
    directory: Path,
    *,
    search_path: Sequence[str] = DEFAULT_SEARCH_PATH,
    notice: Callable[[str], None] | None = None,
    memo: ParseMemo | None = None,
) -> list[SourceStatement]:
    """Load every ``*.sql`` file of ``directory``, files taken in name order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SourceError(
            f"schema directory {display_path(directory)} does not exist",
            hint="create it and put the schema's *.sql files in it",
        )
    try:
        paths = sorted(p for p in directory.glob("*.sql") if p.is_file())
    except OSError as exc:
        raise SourceError(f"cannot list {display_path(directory)}: {exc.strerror}") from None
    return load_sources(paths, search_path=search_path, notice=notice, memo=memo)


def locate(stmt: SourceStatement, char_offset_in_stmt: int) -> Location:
    """Map a position inside ``stmt.sql`` to ``file:line:col``.

    ``char_offset_in_stmt`` is PostgreSQL's error position: 1-based, in characters, into
    the statement text as sent (``stmt.sql``). Out-of-range values are clamped.
    """
    sql = stmt.sql
    index = max(0, min(char_offset_in_stmt - 1, len(sql)))
    before = sql[:index]
    newlines = before.count("\n")
    if newlines == 0:
        return Location(stmt.location.file, stmt.location.line, stmt.location.col + index)
    return Location(
        stmt.location.file,
        stmt.location.line + newlines,
        index - before.rfind("\n"),
    )
