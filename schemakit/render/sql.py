"""A plan's statements as one SQL script: a header comment, the preamble, then each
statement closed with ``;`` (a phase marker, comment lines only, is left open).

Importing this module imports every kind (``schemakit.kinds``), so ``render_change``
knows every change's renderer; the guards themselves are in ``schemakit.render.guard``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import schemakit.kinds  # noqa: F401  (every kind registers its renderers on render_change)
from schemakit.render.guard import SCRIPT_PREAMBLE, render_change

__all__ = ["render_change", "render_script", "script_chunks"]


def render_script(statements: Iterable[str], *, header: str = "") -> str:
    """A complete script: header comment, preamble, statements."""
    return "".join(script_chunks(statements, header=header))


def script_chunks(statements: Iterable[str], *, header: str = "") -> Iterator[str]:
    """``render_script`` piece by piece, for output that is written as it is made."""
    header = header.rstrip()
    if header:
        yield header + "\n\n"
    yield SCRIPT_PREAMBLE
    for statement in statements:
        text = statement.rstrip()
        yield "\n\n" + (text if _only_comments(text) else text.rstrip(";") + ";")
    yield "\n"


def _only_comments(text: str) -> bool:
    """Whether ``text`` is comment lines only (a phase marker): no ``;`` after it."""
    return all(line.lstrip().startswith("--") for line in text.splitlines() if line.strip())
