"""What grants and default privileges share: ``PrivilegeDelta`` (a grantee's
privileges going from what they are to what they should be) and
``privilege_statements``, the REVOKE and GRANT statements that bring them there.
"""

from __future__ import annotations

from collections.abc import Callable

from psycopg import sql

from schemakit.render.guard import Name, text


def added(before: tuple[str, ...], after: tuple[str, ...]) -> list[str]:
    """The privileges in ``after`` that ``before`` lacks (in ``after``'s order)."""
    return [p for p in after if p not in before]


class PrivilegeDelta:
    """A grantee's privileges going from ``before`` (and ``before_grantable``) to
    ``wanted``: what to GRANT, REVOKE, and grant or revoke the grant option of."""

    before: tuple[str, ...]
    before_grantable: tuple[str, ...]

    @property
    def wanted(self) -> tuple[tuple[str, ...], tuple[str, ...]]:  # pragma: no cover - overridden
        """(privileges, grantable) as they should be."""
        raise NotImplementedError

    @property
    def added(self) -> list[str]:
        return added(self.before, self.wanted[0])

    @property
    def removed(self) -> list[str]:
        return added(self.wanted[0], self.before)

    @property
    def lost_option(self) -> list[str]:
        privileges, grantable = self.wanted
        return [p for p in added(grantable, self.before_grantable) if p in privileges]

    @property
    def gained_option(self) -> list[str]:
        return added(self.before_grantable, self.wanted[1])

    def what(self) -> str:
        """The delta in words, for summaries."""
        parts = [
            f"{verb} {', '.join(names)}"
            for verb, names in (
                ("grant", self.added),
                ("with grant option:", self.gained_option),
                ("revoke", self.removed),
                ("without grant option:", self.lost_option),
            )
            if names
        ]
        return "; ".join(parts)


def grantee_sql(name: str) -> sql.Composable:
    return sql.SQL("PUBLIC") if name == "PUBLIC" else Name(name)


def privilege_statements(
    c: PrivilegeDelta,
    head: sql.Composable,
    on: sql.Composable,
    grantee: sql.Composable,
    privileges: Callable[[list[str]], sql.Composable],
    *,
    revoke_all: bool,
) -> list[str]:
    """REVOKE what is extra, GRANT what is missing, and the grant options that change;
    each statement is idempotent. ``head`` prefixes each (ALTER DEFAULT PRIVILEGES)."""
    wanted, grantable = c.wanted
    out: list[str] = []

    def add(template: str, names: list[str] | None = None) -> None:
        parts = [head] + ([privileges(names)] if names is not None else []) + [on, grantee]
        out.append(text(sql.SQL(template).format(*parts)))

    if c.removed and not wanted and revoke_all:
        # Nothing is left: ALL, so that privileges not modelled (MAINTAIN) go too.
        add("{}REVOKE ALL ON {} FROM {}")
    elif c.removed:
        add("{}REVOKE {} ON {} FROM {}", c.removed)
    if c.lost_option:
        add("{}REVOKE GRANT OPTION FOR {} ON {} FROM {}", c.lost_option)
    plain = [p for p in c.added if p not in grantable]
    if plain:
        add("{}GRANT {} ON {} TO {}", plain)
    if c.gained_option:
        add("{}GRANT {} ON {} TO {} WITH GRANT OPTION", c.gained_option)
    return out

