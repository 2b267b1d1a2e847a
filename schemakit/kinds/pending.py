"""The parts of the kinds not moved into their own module yet, as the registry needs
them: each one's differ (still in ``schemakit.diff``, reached through
``pending_differ``) and each one's hazard rule (here, split per kind out of what was
one ``elif`` chain in ``plan.py``).

Moving a kind (docs/architecture.md) takes its rule from here into its module, and its
differ out of ``schemakit.diff``; when every kind has moved, this module is gone.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from schemakit import hazards as hz
from schemakit.changes import (
    AddColumn,
    AddConstraint,
    AlterColumn,
    AlterExtension,
    Change,
    CreateFunction,
    CreateIndex,
    DeleteBucket,
    DropColumn,
    DropFunction,
    DropIndex,
    DropTable,
    RebuildTable,
    ReplaceConstraint,
    ReplaceIndex,
    SetGrant,
    SetPartitionOf,
    SetRowSecurity,
    SyncRows,
)
from schemakit.hazards import Hazard
from schemakit.kinds.base import Context, Differ, on_table
from schemakit.model import Model
from schemakit.tableprops import table_property_hazards


def pending_differ(name: str) -> Differ:
    """The differ ``schemakit.diff.<name>``, looked up when it runs (``schemakit.diff``
    imports the registry, so the registry cannot import it)."""

    def differ(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
        found: Differ = getattr(importlib.import_module("schemakit.diff"), name)
        return found(current, desired, ctx)

    differ.__name__ = differ.__qualname__ = name
    return differ


# -- hazard rules, one per kind ----------------------------------------------------------

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


def _alter_column_hazards(c: AlterColumn, table: str) -> list[Hazard]:
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


def _add_column_hazards(c: AddColumn, table: str, table_exists: bool) -> list[Hazard]:
    out: list[Hazard] = []
    if c.column.generated is not None or c.column.identity is not None:
        out.append(Hazard(hz.TABLE_REWRITE, f"adding a generated/identity column to {table}", table))
    elif c.column.volatile_default and table_exists:
        out.extend(volatile_default_hazards(c, table))
    if c.column.not_null and c.column.default is None and c.column.generated is None:
        out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"NOT NULL column without default on {table}", table))
    return out


def _rebuild_table_hazards(c: RebuildTable, table: str) -> list[Hazard]:
    was, now = c.old.partition_by or "not partitioned", c.new.partition_by or "not partitioned"
    out = [
        Hazard(hz.TABLE_REWRITE, f"{table} is rebuilt ({was} → {now}): its rows are copied into a new table", table),
        Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"{table} is renamed away and dropped", table),
    ]
    if c.lost:
        out.append(Hazard(hz.DELETES_DATA, f"the rebuilt {table} has no column {', '.join(c.lost)}", table))
    return out


def table_hazards(c: Change, current: Model) -> list[Hazard]:
    """Tables and their columns: data lost, rewrites, locks."""
    table, exists = on_table(c, current)
    if isinstance(c, DropTable):
        return [Hazard(hz.DELETES_DATA, f"drops table {table} and its rows")]
    if isinstance(c, DropColumn):
        return [Hazard(hz.DELETES_DATA, f"drops column {c.column.name} of {table}")]
    if isinstance(c, AlterColumn):
        return _alter_column_hazards(c, table)
    if isinstance(c, AddColumn):
        return _add_column_hazards(c, table, exists)
    if isinstance(c, SetRowSecurity):
        return [Hazard(hz.AUTHZ_UPDATE, f"on {table}")] if exists else []
    if isinstance(c, SetPartitionOf):
        out: list[Hazard] = []
        if c.old_parent is not None:
            out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"detaching {table} from {c.old_parent}", table))
        if c.table.partition_of is not None:
            out.append(Hazard(hz.ACQUIRES_SHARE_LOCK, f"attaching {table} scans it to check its bound", table))
        return out
    if isinstance(c, RebuildTable):
        return _rebuild_table_hazards(c, table)
    return table_property_hazards(c, exists)


def constraint_hazards(c: Change, current: Model) -> list[Hazard]:
    table, exists = on_table(c, current)
    if isinstance(c, (AddConstraint, ReplaceConstraint)) and exists:
        return [Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"validates the constraint over {table}", table)]
    return []


def index_hazards(c: Change, current: Model) -> list[Hazard]:
    table, exists = on_table(c, current)
    if isinstance(c, CreateIndex) and exists:
        return [
            Hazard(hz.INDEX_BUILD, f"on {table}", table),
            Hazard(hz.ACQUIRES_SHARE_LOCK, f"writes to {table} wait for the build", table),
        ]
    if isinstance(c, ReplaceIndex):
        return [
            Hazard(hz.INDEX_DROPPED, f"{c.old.identity} is rebuilt"),
            Hazard(hz.INDEX_BUILD, f"on {table}", table),
            Hazard(hz.ACQUIRES_SHARE_LOCK, f"writes to {table} wait for the build", table),
        ]
    if isinstance(c, DropIndex):
        return [Hazard(hz.INDEX_DROPPED, c.index.identity)]
    return []


def function_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, (CreateFunction, DropFunction)) and c.key in current.objects:
        return [Hazard(hz.HAS_UNTRACKABLE_DEPENDENCIES, c.key[1])]
    return []


def bucket_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, DeleteBucket):
        return [Hazard(hz.DELETES_DATA, f"deletes bucket {c.bucket.id!r}")]
    return []


def rows_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, SyncRows) and c.deletes:
        return [Hazard(hz.DELETES_DATA, f"deletes {len(c.deletes)} row(s) of {c.key[1]} no longer declared")]
    return []


def grant_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, SetGrant) and c.grant.object_key in current.objects:
        return [Hazard(hz.AUTHZ_UPDATE, c.describe())]
    return []


def extension_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, AlterExtension) and c.old.version != c.new.version:
        return [Hazard(hz.EXTENSION_VERSION, f"{c.old.version} → {c.new.version}")]
    return []


