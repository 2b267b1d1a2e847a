"""The targets file of ``plan --targets`` / ``apply --targets``: which databases, named,
grouped and in which order.

Two forms, told apart by the content (a file ending in ``.toml`` is always TOML):

**Lines.** One target a line; blank lines and ``#`` comments are skipped::

    postgresql://app@db1.example.com/tenant_1
    tenant-2 = postgresql://app@db2.example.com/tenant_2
    query: postgresql://app@control.example.com/meta SELECT url FROM tenants ORDER BY id

``NAME = URL`` names a target (otherwise its name is ``host:port/dbname``). A line
``query: URL SQL`` runs SQL on URL (read only) and adds one target per row: the first
column is the URL, an optional second column its name.

**TOML.**::

    canary = "canary"                  # the group that goes first (apply --canary)
    groups = ["canary", "eu", "us"]    # the order of the groups (the others follow)

    [[targets]]
    name = "tenant-1"
    url = "postgresql://app@db1.example.com/tenant_1"
    group = "canary"

    [[queries]]
    url = "postgresql://app@control.example.com/meta"
    sql = "SELECT url, name FROM tenants WHERE region = 'eu'"
    group = "eu"

Passwords never belong in the file: libpq reads them from ``PGPASSWORD`` or
``~/.pgpass``, and ``${VAR}`` in a URL is replaced by the environment variable VAR.
Names and labels never hold a password (``schemakit.connect.redact``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from schemakit.connect import connect, parse_url, redact, redact_text
from schemakit.errors import SchemakitError

QUERY_PREFIX = "query:"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAMED = re.compile(r"^([A-Za-z0-9_.@:/-]+)\s*=\s*(\S+://\S*)$")


class TargetsError(SchemakitError):
    """The targets file cannot be read (a usage error of the file, exit 1)."""


@dataclass(frozen=True)
class FleetTarget:
    """One database of the fleet. ``url`` may hold a password: print ``name`` or ``label``."""

    name: str
    url: str
    group: str = ""
    index: int = 0  # position in the file's order (after the group order)

    @property
    def label(self) -> str:
        return redact(self.url)


@dataclass(frozen=True)
class Fleet:
    """The targets in order, and the group named ``canary`` in the file (if any)."""

    targets: tuple[FleetTarget, ...]
    canary_group: str | None = None

    def canaries(self, count: int) -> tuple[FleetTarget, ...]:
        """The targets that go first: the canary group's, else the first ``count``."""
        if self.canary_group is not None:
            return tuple(t for t in self.targets if t.group == self.canary_group)
        return self.targets[: max(0, count)]


def expand(url: str, where: str) -> str:
    """``${VAR}`` → the environment variable's value; unset is an error naming it."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise TargetsError(f"{where}: the environment variable {name} is not set")
        return os.environ[name]

    return _VARIABLE.sub(value, url)


def default_name(url: str) -> str:
    """``host:port/dbname`` of a URL (never its password)."""
    params = parse_url(url, "the targets file")
    host = str(params.get("host") or "localhost")
    port = params.get("port")
    db = str(params.get("dbname") or params.get("user") or "")
    return f"{host}:{port}/{db}" if port else f"{host}/{db}"


def load_targets(path: Path) -> Fleet:
    """Read a targets file (either form; see the module's docstring)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TargetsError(f"cannot read the targets file {path}: {exc.strerror}") from None
    if path.suffix == ".toml" or _looks_like_toml(text):
        fleet = _from_toml(text, path)
    else:
        fleet = Fleet(tuple(_from_lines(text, path)))
    if not fleet.targets:
        raise TargetsError(f"the targets file {path} lists no target")
    return _numbered(fleet)


def _looks_like_toml(text: str) -> bool:
    return any(line.strip().startswith(("[[targets]]", "[[queries]]", "canary =", "groups =")) for line in text.splitlines())


def _from_lines(text: str, path: Path) -> list[FleetTarget]:
    out: list[FleetTarget] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        if line.startswith(QUERY_PREFIX):
            url, _, query = line[len(QUERY_PREFIX) :].strip().partition(" ")
            if not query.strip():
                raise TargetsError(f"{where}: expected `query: URL SQL`")
            out.extend(queried(expand(url, where), query.strip(), "", where))
            continue
        named = _NAMED.match(line)
        name, url = (named.group(1), named.group(2)) if named else ("", line)
        url = expand(url, where)
        parse_url(url, where)
        out.append(FleetTarget(name or default_name(url), url))
    return out


def _from_toml(text: str, path: Path) -> Fleet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TargetsError(f"{path}: not valid TOML: {exc}") from None
    out: list[FleetTarget] = []
    for i, entry in enumerate(_tables(data, "targets", path)):
        where = f"{path}: targets[{i}]"
        url = expand(_string(entry, "url", where, required=True), where)
        parse_url(url, where)
        out.append(FleetTarget(_string(entry, "name", where) or default_name(url), url, _string(entry, "group", where)))
    for i, entry in enumerate(_tables(data, "queries", path)):
        where = f"{path}: queries[{i}]"
        url = expand(_string(entry, "url", where, required=True), where)
        out.extend(queried(url, _string(entry, "sql", where, required=True), _string(entry, "group", where), where))
    order = data.get("groups", [])
    if not isinstance(order, list) or not all(isinstance(g, str) for g in order):
        raise TargetsError(f"{path}: `groups` must be a list of group names")
    canary = data.get("canary")
    if canary is not None and not isinstance(canary, str):
        raise TargetsError(f"{path}: `canary` must be a group name")
    if canary is not None and not any(t.group == canary for t in out):
        raise TargetsError(f"{path}: the canary group {canary!r} has no target")
    rank = {g: i for i, g in enumerate([*([canary] if canary else []), *order])}
    ranked = sorted(enumerate(out), key=lambda p: (rank.get(p[1].group, len(rank)), p[0]))
    return Fleet(tuple(t for _, t in ranked), canary)


def _tables(data: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TargetsError(f"{path}: `{key}` must be an array of tables ([[{key}]])")
    return value


def _string(entry: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value):
        raise TargetsError(f"{where}: `{key}` must be a {'non-empty ' if required else ''}string")
    return value


def queried(url: str, query: str, group: str, where: str) -> list[FleetTarget]:
    """The targets a query returns: first column a URL, optional second a name."""
    try:
        with connect(url, given_by=where) as conn, conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            rows = conn.execute(query.encode()).fetchall()
    except psycopg.Error as exc:
        raise TargetsError(redact_text(f"{where}: the targets query failed: {str(exc).strip()}", url)) from None
    out = []
    for row in rows:
        if not row or not isinstance(row[0], str):
            raise TargetsError(f"{where}: the targets query must return URLs (text) in its first column")
        name = str(row[1]) if len(row) > 1 and row[1] is not None else default_name(row[0])
        out.append(FleetTarget(name, row[0], group))
    return out


def _numbered(fleet: Fleet) -> Fleet:
    seen: dict[str, int] = {}
    out = []
    for i, t in enumerate(fleet.targets):
        seen[t.name] = seen.get(t.name, 0) + 1
        name = t.name if seen[t.name] == 1 else f"{t.name}#{seen[t.name]}"
        out.append(FleetTarget(name, t.url, t.group, i))
    return Fleet(tuple(out), fleet.canary_group)


def describe(targets: Sequence[FleetTarget]) -> str:
    return ", ".join(t.name for t in targets)
