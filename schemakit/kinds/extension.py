"""Extensions, in one place: the model class, the changes (create, drop, alter schema
or version), the differ, the renderers, the hazard rule and the rank.

An extension's version is compared only when the schema files pin one (DESIGN.md
section 2); one in a platform-managed schema is never dropped.

Its catalog query is ``extension.sql`` (``extension_from_row``); the reader leaves out the
platform's own extensions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change
from schemakit.hazards import Hazard
from schemakit.kinds.base import Context, Kind, pairs
from schemakit.model import DbObject, Model, quote_ident
from schemakit.render.guard import Name, guard, render_change, text


@dataclass(frozen=True, slots=True)
class Extension(DbObject):
    kind: ClassVar[str] = "extension"
    name: str
    schema: str
    version: str

    @property
    def identity(self) -> str:
        return quote_ident(self.name)


def extension_from_row(r: tuple[Any, ...]) -> Extension:
    """One row of ``extension.sql`` (the reader leaves out the platform's own)."""
    return Extension(name=r[0], schema=r[1], version=r[2])


@dataclass(frozen=True)
class CreateExtension(Change):
    action: ClassVar[Action] = "create"
    extension: Extension
    pin_version: bool = False


@dataclass(frozen=True)
class DropExtension(Change):
    action: ClassVar[Action] = "drop"
    extension: Extension


@dataclass(frozen=True)
class AlterExtension(Change):
    action: ClassVar[Action] = "alter"
    old: Extension
    new: Extension

    def describe(self) -> str:
        parts = []
        if self.old.schema != self.new.schema:
            parts.append(f"schema {self.old.schema} → {self.new.schema}")
        if self.old.version != self.new.version:
            parts.append(f"version {self.old.version} → {self.new.version}")
        return f"extension {self.key[1]}: " + ", ".join(parts)


def diff_extensions(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    from schemakit.platform import is_managed_schema  # which imports this module

    for old, new in pairs(current, desired, Extension):
        if new is None:
            assert old is not None
            if not is_managed_schema(old.schema):
                yield DropExtension(old)
        elif old is None:
            yield CreateExtension(new, pin_version=new.name in desired.pinned_extensions)
        else:
            # The version is compared only when the files pin one (DESIGN.md section 2).
            if new.name not in desired.pinned_extensions:
                new = replace(new, version=old.version)
            if (old.schema, old.version) != (new.schema, new.version):
                yield AlterExtension(old=old, new=new)


@render_change.register
def render_create_extension(c: CreateExtension) -> list[str]:
    from schemakit.platform import is_managed_schema  # which imports this module

    e = c.extension
    stmt = sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}").format(
        Name(e.name), Name(e.schema)
    )
    if c.pin_version:
        stmt = sql.SQL("{} VERSION {}").format(stmt, sql.Literal(e.version))
    if is_managed_schema(e.schema) and e.schema not in ("extensions", "public", "pg_catalog"):
        return [text(create_extension_in_own_schema(e.name, e.schema, stmt))]
    return [text(stmt)]


def create_extension_in_own_schema(name: str, schema: str, stmt: sql.Composable) -> sql.Composable:
    """An extension whose control file names its schema (pgsodium, vault, graphql...).

    The schema is the platform's, never planned: when it does not exist yet, the
    extension creates it, and ``WITH SCHEMA`` would fail on the missing schema.
    """
    bare = sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(Name(name))
    return sql.SQL(
        "DO $sk$\nBEGIN\n"
        "  IF pg_catalog.to_regnamespace({}) IS NULL THEN\n"
        "    {};  -- its control file names the schema: created with it\n"
        "  ELSE\n"
        "    {};\n"
        "  END IF;\n"
        "END\n$sk$"
    ).format(sql.Literal(schema), bare, stmt)


@render_change.register
def render_drop_extension(c: DropExtension) -> list[str]:
    return [text(sql.SQL("DROP EXTENSION IF EXISTS {}").format(Name(c.extension.name)))]


@render_change.register
def render_alter_extension(c: AlterExtension) -> list[str]:
    out = []
    if c.old.schema != c.new.schema:
        out.append(
            text(
                sql.SQL("ALTER EXTENSION {} SET SCHEMA {}").format(
                    Name(c.new.name), Name(c.new.schema)
                )
            )
        )
    if c.old.version != c.new.version:
        update = sql.SQL("ALTER EXTENSION {} UPDATE TO {}").format(Name(c.new.name), sql.Literal(c.new.version))
        out.append(
            guard(
                what=f"extension {c.new.name}",
                probe=sql.SQL("SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = {}").format(
                    sql.Literal(c.new.name)
                ),
                target=c.new.version,
                origin=c.old.version,
                actions=[text(update)],
            )
        )
    return out


def extension_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, AlterExtension) and c.old.version != c.new.version:
        return [Hazard(hz.EXTENSION_VERSION, f"{c.old.version} → {c.new.version}")]
    return []


EXTENSION = Kind(
    name="extension",
    ranks=(("extension", 1),),
    classes=(Extension,),
    differ=diff_extensions,
    hazards=extension_hazards,
    statements=frozenset({"create_extension"}),
)
