"""Owners, a kind of their own that no object kind owns: the ``Owner`` model object
(who owns one object whose owner the schema files declare), the ``SetOwner`` change
and its renderer. What the files declare and the catalog reading of owners stay in
``schemakit.owners``; the differ (``schemakit.diff._owners``) needs what every kind's
changes recreate, so it stays with the diff; the hazard rule is shared
(``schemakit.kinds.base.ownership_hazards``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from psycopg import sql

from schemakit.changes import Action, Change
from schemakit.model import DbObject, Key
from schemakit.render.guard import Name, comment_target, render_change, text


@dataclass(frozen=True, slots=True)
class Owner(DbObject):
    """Who owns one object whose owner the schema files declare (schemakit.owners).
    ``creator`` is true when that is the role the catalog was read as: the role that
    creates the objects (the applying role on a target, the loading role on a shadow),
    whatever its name."""

    kind: ClassVar[str] = "owner"
    on_kind: str  # the object's key kind: table, view, function, type, schema, ...
    on: str  # the object's identity
    role: str
    creator: bool = False

    @property
    def identity(self) -> str:
        return f"{self.on_kind} {self.on}"

    @property
    def object_key(self) -> Key:
        return (self.on_kind, self.on)

    def same_as(self, other: Owner) -> bool:
        """The same owner: the same role, or the role that creates the objects on both sides."""
        return self.role == other.role or (self.creator and other.creator)


@dataclass(frozen=True)
class SetOwner(Change):
    """Give an object whose owner the files declare that owner (``ALTER ... OWNER TO``,
    idempotent by nature). ``owner.creator``: the role that applies (CURRENT_USER).
    ``before`` is the owner now, None for an object the plan creates (or recreates)."""

    action: ClassVar[Action] = "alter"
    owner: Owner
    on: DbObject  # the object, as desired
    before: Owner | None = None

    def describe(self) -> str:
        def who(o: Owner) -> str:
            return "the applying role" if o.creator else o.role

        was = f"{who(self.before)} → " if self.before is not None else ""
        return f"owner of {self.owner.on_kind} {self.owner.on}: {was}{who(self.owner)}"


@render_change.register
def render_set_owner(c: SetOwner) -> list[str]:
    # ALTER ... OWNER TO is idempotent: a second run finds the owner set and changes nothing.
    role: sql.Composable = sql.SQL("CURRENT_USER") if c.owner.creator else Name(c.owner.role)
    return [text(sql.SQL("ALTER {} OWNER TO {}").format(comment_target(c.on, None), role))]
