"""Comments, a change no one kind owns: ``SetComment`` (COMMENT ON any object, or a
column of a table) and its renderer. Each kind registers its own ``comment_target``
(schemakit.render.guard); the differs yield ``SetComment`` through
``schemakit.kinds.base.comment``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from psycopg import sql

from schemakit.changes import Action, Change
from schemakit.model import DbObject
from schemakit.render.guard import comment_target, render_change, text


@dataclass(frozen=True)
class SetComment(Change):
    """COMMENT ON the object (or a column of it, when ``column`` is set)."""

    action: ClassVar[Action] = "alter"
    target: DbObject
    comment: str | None
    column: str | None = None

    def describe(self) -> str:
        where = f"{self.key[1]}.{self.column}" if self.column else self.key[1]
        return f"comment on {self.kind} {where}"


@render_change.register
def render_set_comment(c: SetComment) -> list[str]:
    return [
        text(
            sql.SQL("COMMENT ON {} IS {}").format(
                comment_target(c.target, c.column), sql.Literal(c.comment)
            )
        )
    ]
