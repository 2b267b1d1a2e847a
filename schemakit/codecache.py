"""The compiled methods of the dataclasses, kept between runs: a fifth of a command's start.

A ``@dataclass`` writes the source of its ``__init__``, ``__eq__``, ``__hash__``, ``__repr__``
(and ``__setattr__``/``__delattr__`` when frozen) and compiles each with ``exec``: importing
the command line defines some 170 dataclasses (schemakit's, typer's, rich's), and
compiling their 1,000 small functions took 0.13-0.2 s of every command's 0.5 s of imports
(``bench/README.md``). The source text of a generated function fully determines its code
object, so the code can be compiled once and kept, as Python keeps a module's bytecode.

``install()`` puts a memo in front of the one ``exec`` of the ``dataclasses`` module (a
module-level name there shadows the builtin): a text it has seen runs its kept code
object, any other is compiled as before. The memo lives in the package's ``__pycache__``
(``importlib.util.cache_from_source``: the interpreter's tag and ``sys.pycache_prefix``),
is not written when bytecode is not (``sys.dont_write_bytecode``), is read only when this
user owns it, and is ignored when unreadable (then written anew). Nothing else changes:
the classes are made by ``dataclasses`` itself, from the same text.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.util
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

_KEEP_AT_MOST = 4000
"""Entries kept when the memo is written; above it, only what this run used (a memo of
an older schemakit's classes does not grow without end)."""


class _Memo:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.codes: dict[str, CodeType] = _load(path) if path is not None else {}
        self.used: set[str] = set()
        self.compiled = 0

    def exec(self, source: Any, globals: Any = None, locals: Any = None) -> None:
        if isinstance(source, str):
            code = self.codes.get(source)
            if code is None:
                code = self.codes[source] = compile(source, "<string>", "exec")
                self.compiled += 1
            self.used.add(source)
            source = code
        builtins.exec(source, globals, locals)

    def save(self) -> None:
        """Write the memo when this run compiled something it did not hold."""
        if not self.compiled or self.path is None or sys.dont_write_bytecode:
            return
        import tempfile

        codes = self.codes if len(self.codes) <= _KEEP_AT_MOST else {s: self.codes[s] for s in self.used}
        with contextlib.suppress(OSError, ValueError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(marshal.dumps(codes))
                os.replace(temp, self.path)  # whole or not at all, whoever writes last
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        self.compiled = 0


def _load(path: Path) -> dict[str, CodeType]:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_uid != os.getuid():
                return {}
            found = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, CodeType)}


def memo_path() -> Path | None:
    """Where the memo is kept (None when the interpreter keeps no bytecode cache)."""
    if sys.implementation.cache_tag is None:
        return None
    try:
        return Path(importlib.util.cache_from_source(str(Path(__file__).with_name("_dataclass_methods.py"))))
    except (NotImplementedError, ValueError):
        return None


_memo: _Memo | None = None


def install() -> None:
    """Compile the dataclasses' methods through the memo from now on (idempotent)."""
    global _memo
    import dataclasses

    if _memo is None:
        _memo = _Memo(memo_path())
    setattr(dataclasses, "exec", _memo.exec)


def save() -> None:
    """Keep what the run compiled (after the imports; again at the end of a command)."""
    if _memo is not None:
        _memo.save()
