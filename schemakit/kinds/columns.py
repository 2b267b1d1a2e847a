"""Columns, in one place: the ``Column`` value (columns live in their ``Table``, they
are not objects of their own), its row mapping from ``table.sql``, the column changes
(add, drop, drop a default, alter), their renderers with the column probes, their
hazards, and the facts about columns the diff and the renderer share (issue 12):

- which type changes go through text (``through_text``): PostgreSQL has no cast between
  two enum types (nor, in general, between user-defined types), but every type has text
  I/O;
- which default calls a serial sequence (``serial``): a sequence not modelled on its own
  whose ``nextval`` a column's default calls, folded into that column.

Which defaults are volatile is a catalog fact (``Column.volatile_default``, read from
the default's expression tree in ``kinds/table.sql``), not guessed from names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change, Rework
from schemakit.hazards import Hazard
from schemakit.model import Model, _fields_of
from schemakit.render.guard import Name, drop_for_rework, guard, ident, regclass, render_change, text

if TYPE_CHECKING:
    from schemakit.kinds.table import Table

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    identity: str | None = None  # "a" (ALWAYS) or "d" (BY DEFAULT)
    generated: str | None = None  # the STORED expression
    collation: str | None = None  # only when it differs from the type's default
    comment: str | None = None
    local: bool = True  # attislocal: False for a column a child table only inherits
    # The default calls a volatile function (read from its expression tree); it follows
    # from the default, so it takes no part in comparisons.
    volatile_default: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        names, values = _fields_of(Column)
        data = dict(zip(names, values(self)))
        # The usual case is left out: snapshots and fingerprints stay as they were. The
        # default's volatility follows from the default itself: never written, never compared.
        if data["local"]:
            del data["local"]
        del data["volatile_default"]
        return data


def column_from_row(raw: list[Any]) -> Column:
    """One column of a row of ``table.sql`` (its ``columns`` array)."""
    name, type_, not_null, default, identity, generated, collation, comment, local, volatile = raw
    return Column(
        name=name,
        type=type_,
        not_null=not_null,
        default=default,
        identity=identity,
        generated=generated,
        collation=collation,
        comment=comment,
        local=local,
        volatile_default=volatile,
    )


# -- facts the diff and the renderer share -------------------------------------------------


def is_qualified_type(type_: str) -> bool:
    """True when ``format_type`` text (read with ``search_path = pg_catalog``) names a
    type outside pg_catalog: ``public.mood``, ``"My Schema".t[]``, ``extensions.citext``.
    Built-in types print unqualified (``integer``, ``character varying(10)``, ``"char"``)."""
    quoted = False
    depth = 0
    for ch in type_:
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "." and depth == 0:
            return True
    return False


def through_text(old_type: str, new_type: str, domains: frozenset[str] = frozenset()) -> bool:
    """True when a column's type change casts through text (``USING c::text::new``):
    either side is a user-defined type (an enum, a composite, an extension's type),
    between which PostgreSQL often has no cast ("cannot cast type a to b"), while every
    type has text I/O. A domain (``domains``: their identities) casts as its base type
    does, so a change between a domain and a built-in type keeps the direct cast."""

    def user_defined(type_: str) -> bool:
        return is_qualified_type(type_) and type_.removesuffix("[]") not in domains

    return old_type != new_type and (user_defined(old_type) or user_defined(new_type))


_NEXTVAL = re.compile(r"^nextval\('((?:[^']|'')+)'::regclass\)$")


def serial(col: object, desired: Model) -> str | None:
    """The sequence of a serial column: its default calls a sequence not modelled on its own."""
    assert isinstance(col, Column)
    m = _NEXTVAL.match(col.default or "")
    if m is None or ("sequence", m.group(1)) in desired.objects:
        return None
    return m.group(1).replace("''", "'")


def column_shape(col: object) -> tuple[object, ...]:
    """What an ALTER COLUMN changes (the comment is a SetComment of its own)."""
    assert isinstance(col, Column)
    return (col.type, col.not_null, col.default, col.identity, col.generated, col.collation)


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AddColumn(Change):
    action: ClassVar[Action] = "alter"
    table: Table
    column: Column
    serial: str | None = None  # the folded serial sequence the column's default calls

    def describe(self) -> str:
        return f"table {self.key[1]}: add column {self.column.name} {self.column.type}"


@dataclass(frozen=True)
class DropColumn(Change):
    action: ClassVar[Action] = "alter"
    table: Table
    column: Column

    def describe(self) -> str:
        return f"table {self.key[1]}: drop column {self.column.name}"


@dataclass(frozen=True)
class DropColumnDefault(Change):
    """Drop a default that calls a function about to be recreated (set again after)."""

    action: ClassVar[Action] = "drop"
    table: Table
    column: Column
    reworked: Rework

    def describe(self) -> str:
        return f"table {self.key[1]}: drop default of {self.column.name} (set again below)"


@dataclass(frozen=True)
class AlterColumn(Change):
    action: ClassVar[Action] = "alter"
    table: Table
    old: Column
    new: Column
    serial: str | None = None  # the new default is this (new) serial sequence's nextval
    old_serial: str | None = None  # the old default was this serial sequence's nextval
    via_text: bool = False  # the type change casts through text (through_text)

    def describe(self) -> str:
        what = []
        if self.old.type != self.new.type:
            what.append(f"type {self.old.type} → {self.new.type}")
        if self.old.collation != self.new.collation:
            what.append(f"collation {self.old.collation or 'default'} → {self.new.collation or 'default'}")
        if self.old.identity != self.new.identity:
            kinds = {"a": "always", "d": "by default", None: "none"}
            what.append(f"identity {kinds[self.old.identity]} → {kinds[self.new.identity]}")
        if self.old.generated != self.new.generated:
            what.append("drop expression")
        if self.old.not_null != self.new.not_null:
            what.append("set not null" if self.new.not_null else "drop not null")
        if self.old.default != self.new.default:
            what.append(f"default {self.new.default}" if self.new.default else "drop default")
        if self.old.comment != self.new.comment:
            what.append("comment")
        return f"table {self.key[1]}: alter column {self.new.name} ({'; '.join(what)})"


# -- SQL: probes, definitions, statements ------------------------------------------------


def column_type_probe(table: Table, column: Column) -> sql.Composable:
    return sql.SQL(
        "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
        "WHERE a.attrelid = {} AND a.attname = {} AND NOT a.attisdropped"
    ).format(regclass(table.schema, table.name), sql.Literal(column.name))


def column_collation_probe(table: Table, column: Column) -> sql.Composable:
    """The column's type and collation, as :func:`column_collation_state` prints them
    (the collation only where it differs from the type's, as the catalog reader reads it)."""
    return sql.SQL(
        "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) || ' COLLATE ' || "
        "COALESCE((SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) "
        "FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
        "WHERE co.oid = a.attcollation AND a.attcollation <> t.typcollation), '') "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = {} AND a.attname = {} AND NOT a.attisdropped"
    ).format(regclass(table.schema, table.name), sql.Literal(column.name))


def column_collation_state(column: Column) -> str:
    return f"{column.type} COLLATE {column.collation or ''}"


def column_definition(col: Column) -> sql.Composable:
    parts: list[sql.Composable] = [Name(col.name), sql.SQL(col.type)]
    if col.collation:
        parts.append(sql.SQL("COLLATE {}").format(sql.SQL(col.collation)))
    if col.generated is not None:
        parts.append(sql.SQL("GENERATED ALWAYS AS ({}) STORED").format(sql.SQL(col.generated)))
    elif col.identity:
        how = "ALWAYS" if col.identity == "a" else "BY DEFAULT"
        parts.append(sql.SQL(f"GENERATED {how} AS IDENTITY"))
    elif col.default is not None:
        parts.append(sql.SQL("DEFAULT {}").format(sql.SQL(col.default)))
    if col.not_null:
        parts.append(sql.SQL("NOT NULL"))
    return sql.SQL(" ").join(parts)


def serial_sequence_sql(t: Table, column: str, sequence: str) -> tuple[str, str]:
    """CREATE SEQUENCE before a serial column and OWNED BY after it (``sequence``
    is catalog text from the column's default, already quoted)."""
    col = t.column(column)
    type_ = col.type if col is not None and col.type in ("smallint", "integer", "bigint") else "integer"
    create = sql.SQL("CREATE SEQUENCE IF NOT EXISTS {} AS {}").format(sql.SQL(sequence), sql.SQL(type_))
    owned = sql.SQL("ALTER SEQUENCE {} OWNED BY {}").format(
        sql.SQL(sequence), Name(t.schema, t.name, column)
    )
    return text(create), text(owned)


@render_change.register
def render_add_column(c: AddColumn) -> list[str]:
    add = text(
        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}").format(
            ident(c.table.schema, c.table.name), column_definition(c.column)
        )
    )
    if c.serial is None:
        return [add]
    create, owned = serial_sequence_sql(c.table, c.column.name, c.serial)
    return [create, add, owned]


@render_change.register
def render_drop_column(c: DropColumn) -> list[str]:
    return [
        text(
            sql.SQL("ALTER TABLE {} DROP COLUMN IF EXISTS {}").format(
                ident(c.table.schema, c.table.name), Name(c.column.name)
            )
        )
    ]


@render_change.register
def render_drop_column_default(c: DropColumnDefault) -> list[str]:
    t = c.table
    drop = text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(ident(t.schema, t.name), Name(c.column.name)))
    return [drop_for_rework(c.reworked, drop)]


def _type_change(c: AlterColumn, table: sql.Composable, col: Name, becomes_identity: bool) -> str:
    """The guarded ALTER COLUMN ... TYPE (with its collation) of an AlterColumn."""
    t, old, new = c.table, c.old, c.new
    alter = sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {}").format(table, col, sql.SQL(new.type))
    if new.collation:
        alter = sql.SQL("{} COLLATE {}").format(alter, sql.SQL(new.collation))
    via_text = c.via_text
    if via_text:
        # No cast between two enums (or user-defined types), but both have text I/O.
        alter = sql.SQL("{} USING {}::text::{}").format(alter, col, sql.SQL(new.type))
    else:
        alter = sql.SQL("{} USING {}::{}").format(alter, col, sql.SQL(new.type))
    actions = [text(alter)]
    if via_text and old.default is not None and old.default == new.default and not becomes_identity:
        # The default (a literal cast to the old type) cannot be converted with the
        # column: dropped before, set again after, within the guard.
        actions = [
            text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(table, col)),
            *actions,
            text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(table, col, sql.SQL(old.default))),
        ]
    if old.collation != new.collation:
        # The type alone may not change: the guard compares the collation too.
        probe, target, origin = column_collation_probe(t, new), column_collation_state(new), column_collation_state(old)
    else:
        probe, target, origin = column_type_probe(t, new), new.type, old.type
    return guard(
        what=f"column {t.identity}.{new.name}",
        probe=probe,
        target=target,
        origin=origin,
        actions=actions,
    )


def _identity_change(
    c: AlterColumn, table: sql.Composable, col: Name, unset: list[str], identity_not_null: list[str]
) -> str:
    """The column becomes an identity, or its identity changes how it generates."""
    t, old, new = c.table, c.old, c.new
    how = sql.SQL("ALWAYS" if new.identity == "a" else "BY DEFAULT")
    if old.identity is not None:
        return text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET GENERATED {}").format(table, col, how))
    assert new.identity is not None
    return guard(
        what=f"column {t.identity}.{new.name}",
        probe=sql.SQL(
            "SELECT a.attidentity::text FROM pg_catalog.pg_attribute a "
            "WHERE a.attrelid = {} AND a.attname = {} AND NOT a.attisdropped"
        ).format(regclass(t.schema, t.name), sql.Literal(new.name)),
        target=new.identity,
        origin="",
        actions=[
            *unset,
            # PostgreSQL adds an identity only to a NOT NULL column.
            *identity_not_null,
            text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} ADD GENERATED {} AS IDENTITY").format(table, col, how)),
        ],
    )


def _default_change(c: AlterColumn, table: sql.Composable, col: Name, becomes_identity: bool) -> list[str]:
    """The new default (and its serial sequence), and the new sequence set past the rows."""
    t, old, new = c.table, c.old, c.new
    out: list[str] = []
    serial_owned = None
    if c.serial is not None:
        create, serial_owned = serial_sequence_sql(t, new.name, c.serial)
        out.append(create)
    if new.default is not None and old.default != new.default:
        out.append(
            text(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                    table, col, sql.SQL(new.default)
                )
            )
        )
    if serial_owned is not None:
        out.append(serial_owned)
    if becomes_identity or serial_owned is not None:
        # A new sequence for a column that holds values continues after the largest.
        out.append(
            text(
                sql.SQL(
                    "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence({}, {}), "
                    "COALESCE((SELECT pg_catalog.max({}) FROM {}), 0) + 1, false)"
                ).format(sql.Literal(text(table)), sql.Literal(new.name), col, table)
            )
        )
    return out


@render_change.register
def render_alter_column(c: AlterColumn) -> list[str]:
    t, old, new = c.table, c.old, c.new
    table = ident(t.schema, t.name)
    col = Name(new.name)
    out: list[str] = []
    becomes_identity = new.identity is not None and old.identity is None
    identity_not_null = (
        [text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(table, col))]
        if becomes_identity and not old.not_null
        else []
    )
    unset: list[str] = []  # the old default (and its serial sequence) goes
    if old.default is not None and old.default != new.default:
        unset.append(text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(table, col)))
        if c.old_serial is not None:
            unset.append(text(sql.SQL("DROP SEQUENCE IF EXISTS {}").format(sql.SQL(c.old_serial))))
    if not becomes_identity:
        out.extend(unset)  # else inside the identity guard below: an identity has no default
    if old.identity is not None and new.identity is None:
        out.append(text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP IDENTITY IF EXISTS").format(table, col)))
    if old.generated is not None and new.generated is None:
        out.append(text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP EXPRESSION IF EXISTS").format(table, col)))
    if old.type != new.type or old.collation != new.collation:
        out.append(_type_change(c, table, col, becomes_identity))
    if new.identity is not None and new.identity != old.identity:
        out.append(_identity_change(c, table, col, unset, identity_not_null))
    out.extend(_default_change(c, table, col, becomes_identity))
    if old.not_null != new.not_null and not identity_not_null:
        verb = "SET NOT NULL" if new.not_null else "DROP NOT NULL"
        out.append(text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} {}").format(table, col, sql.SQL(verb))))
    return out


# -- hazards -----------------------------------------------------------------------------
# ``widening`` is shared with the type rebuilds' rule (kinds.typecommon).

_WIDENINGS = {
    ("smallint", "integer"),
    ("smallint", "bigint"),
    ("integer", "bigint"),
    ("real", "double precision"),
    ("character varying", "text"),
    ("character", "text"),
}


def widening(old: str, new: str) -> bool:
    """True when every value of type ``old`` fits ``new`` unchanged."""
    if (old, new) in _WIDENINGS:
        return True
    for base in ("character varying", "numeric"):
        if old.startswith(base + "(") and new in (base, "text" if base != "numeric" else base):
            return True
        if old.startswith(base + "(") and new.startswith(base + "("):
            o = [int(x) for x in old[len(base) + 1 : -1].split(",")]
            n = [int(x) for x in new[len(base) + 1 : -1].split(",")]
            return all(b >= a for a, b in zip(o, n)) and (len(o) < 2 or o[1] == n[1])
    return False


def volatile_default_hazards(c: AddColumn, table: str) -> list[Hazard]:
    """A column added with a volatile default (``gen_random_uuid()``) is computed for
    every row: the table is rewritten under an ACCESS EXCLUSIVE lock. A constant or
    stable default is stored once in the catalog instead (PostgreSQL 11+)."""
    col = c.column
    safer = (
        f"{col.name} DEFAULT {col.default} is computed for every row; safer: add {col.name} "
        "nullable without the default, backfill it in batches, then set the default "
        f"{'and NOT NULL' if col.not_null else ''}".rstrip()
    )
    return [
        Hazard(hz.TABLE_REWRITE, safer, table),
        Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"adding {col.name} with a volatile default rewrites {table}", table),
    ]


def alter_column_hazards(c: AlterColumn, table: str) -> list[Hazard]:
    out: list[Hazard] = []
    if c.old.type != c.new.type:
        if not widening(c.old.type, c.new.type):
            out.append(Hazard(hz.DELETES_DATA, f"{c.new.name}: {c.old.type} → {c.new.type} may not fit every value", table))
        out.append(Hazard(hz.TABLE_REWRITE, f"{c.new.name}: {c.old.type} → {c.new.type}", table))
        out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"altering column type of {table}", table))
    elif c.old.collation != c.new.collation:
        out.append(
            Hazard(
                hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK,
                f"{c.new.name}: collation {c.old.collation or 'default'} → {c.new.collation or 'default'} "
                f"rebuilds the column's indexes under lock",
                table,
            )
        )
    if c.new.not_null and not c.old.not_null:
        out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"SET NOT NULL scans {table} under lock", table))
    return out


def add_column_hazards(c: AddColumn, table: str, table_exists: bool) -> list[Hazard]:
    out: list[Hazard] = []
    if c.column.generated is not None or c.column.identity is not None:
        out.append(Hazard(hz.TABLE_REWRITE, f"adding a generated/identity column to {table}", table))
    elif c.column.volatile_default and table_exists:
        out.extend(volatile_default_hazards(c, table))
    if c.column.not_null and c.column.default is None and c.column.generated is None:
        out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"NOT NULL column without default on {table}", table))
    return out
