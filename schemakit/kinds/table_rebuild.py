"""The rebuild of a table whose partitioning changes: the ``RebuildTable`` change, its
hazards and its SQL. The table is rebuilt beside the old one.

One guarded DO block, skipped when the table already has the new partitioning (a
re-run of the script), run when it has the old one, refused otherwise:

1. the new table under a temporary name, with its desired partitions (also under
   temporary names): a row must find its partition when it is copied;
2. the rows of the columns both tables share, copied (a row that fits no partition
   fails the whole apply with a clear message);
3. identity and serial sequences set past the copied rows' maximum (and past what the
   old sequence had handed out);
4. the names swapped: the old table renamed away, the new one renamed into place, the
   old one dropped with its old partitions, then the partitions and identity sequences
   renamed into place.

What uses the table (indexes, constraints, FKs pointing at it, triggers, policies,
views) is dropped before this step and created after it by the plan (``Rework``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change
from schemakit.hazards import Hazard
from schemakit.kinds.columns import Column, column_definition
from schemakit.render.guard import _RAISE, Name, do_block, ident, regclass, render_change, text

if TYPE_CHECKING:
    from schemakit.kinds.table import Table


@dataclass(frozen=True)
class RebuildTable(Change):
    """How the table is partitioned changes (regular ↔ partitioned, another key or
    strategy), which PostgreSQL cannot do in place: a new table is created beside the
    old one with its desired ``partitions`` (parents first), the rows of the columns
    both share are copied, the old table is renamed away and dropped (with its old
    partitions) and the new one renamed into place. What uses the table is dropped
    before and created after (``Rework`` cause ``(old, new)``). ``serials`` are the
    (column, sequence) of folded serial columns, whose sequence the new table keeps."""

    action: ClassVar[Action] = "alter"
    old: Table
    new: Table
    partitions: tuple[Table, ...] = ()
    serials: tuple[tuple[str, str], ...] = ()

    @property
    def cause(self) -> tuple[Table, Table]:
        return self.old, self.new

    @property
    def copied(self) -> tuple[str, ...]:
        """The columns whose values are copied: in both tables, and not generated in the new one."""
        return tuple(
            c.name for c in self.new.columns if c.generated is None and self.old.column(c.name) is not None
        )

    @property
    def lost(self) -> tuple[str, ...]:
        """Old columns the new table does not have."""
        return tuple(c.name for c in self.old.columns if self.new.column(c.name) is None)

    def describe(self) -> str:
        before = self.old.partition_by or "not partitioned"
        after = self.new.partition_by or "not partitioned"
        return f"table {self.key[1]}: rebuild to change its partitioning ({before} → {after}), rows copied"


def rebuild_table_hazards(c: RebuildTable, table: str) -> list[Hazard]:
    was, now = c.old.partition_by or "not partitioned", c.new.partition_by or "not partitioned"
    out = [
        Hazard(hz.TABLE_REWRITE, f"{table} is rebuilt ({was} → {now}): its rows are copied into a new table", table),
        Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"{table} is renamed away and dropped", table),
    ]
    if c.lost:
        out.append(Hazard(hz.DELETES_DATA, f"the rebuilt {table} has no column {', '.join(c.lost)}", table))
    return out


NAMEDATALEN = 64
_NEW = "__schemakit_new"
_OLD = "__schemakit_old"


def _clip(name: str, size: int) -> str:
    """The longest prefix of ``name`` that fits ``size`` bytes (whole characters)."""
    while len(name.encode()) > size:
        name = name[:-1]
    return name


def temporary_name(name: str, suffix: str) -> str:
    """``name`` + ``suffix``, the name clipped so that the whole fits an identifier."""
    return _clip(name, NAMEDATALEN - 1 - len(suffix.encode())) + suffix


def sequence_name(table: str, column: str) -> str:
    """The name PostgreSQL gives an identity sequence (makeObjectName: both parts
    clipped, the longer first, until ``table_column_seq`` fits)."""
    avail = NAMEDATALEN - 1 - len("_seq") - 1
    a, b = len(table.encode()), len(column.encode())
    while a + b > avail:
        if a > b:
            a -= 1
        else:
            b -= 1
    return f"{_clip(table, a)}_{_clip(column, b)}_seq"


def partitioning_state(t: Table) -> str:
    return t.partition_by or "not partitioned"


def partitioning_probe(t: Table) -> sql.Composable:
    """How the table is partitioned now: its key, 'not partitioned', NULL when absent."""
    return sql.SQL(
        "SELECT COALESCE(pg_catalog.pg_get_partkeydef(c.oid), 'not partitioned') "
        "FROM pg_catalog.pg_class c WHERE c.oid = {}"
    ).format(regclass(t.schema, t.name))


def _identity_column(col: Column, sequence: sql.Composable) -> sql.Composable:
    """An identity column whose sequence gets the given (temporary) name."""
    assert col.identity is not None
    parts: list[sql.Composable] = [Name(col.name), sql.SQL(col.type)]
    if col.collation:
        parts.append(sql.SQL("COLLATE {}").format(sql.SQL(col.collation)))
    how = "ALWAYS" if col.identity == "a" else "BY DEFAULT"
    parts.append(sql.SQL(f"GENERATED {how} AS IDENTITY (SEQUENCE NAME {{}})").format(sequence))
    if col.not_null:
        parts.append(sql.SQL("NOT NULL"))
    return sql.SQL(" ").join(parts)


def _literal_name(schema: str, name: str) -> sql.Composable:
    """A quoted, qualified name as a text literal (for pg_get_serial_sequence)."""
    return sql.Literal(text(ident(schema, name)))


def rebuild_statements(c: RebuildTable) -> tuple[list[str], str, list[str]]:
    """(before the copy, the copy, after the copy)."""
    t = c.new
    new_name = temporary_name(t.name, _NEW)
    new_table = ident(t.schema, new_name)
    before = _serials_kept(c)
    columns, renames = _new_columns(t)
    create = sql.SQL("CREATE TABLE {} (\n    {}\n)").format(new_table, sql.SQL(",\n    ").join(columns))
    if t.partition_by is not None:
        create = sql.SQL("{} PARTITION BY {}").format(create, sql.SQL(t.partition_by))
    before.append(text(create))
    before.extend(_new_partitions(c, new_table))
    copy = _copy(c, new_table)
    after = _sequences_past(c, new_name, new_table)
    after.extend(_swap(c, new_table, renames))
    return before, copy, after


def _serials_kept(c: RebuildTable) -> list[str]:
    """The folded serial sequences, created if missing and freed from the old column."""
    t = c.new
    out: list[str] = []
    for col_name, seq in c.serials:
        col = t.column(col_name)
        type_ = col.type if col is not None and col.type in ("smallint", "integer", "bigint") else "integer"
        out.append(text(sql.SQL("CREATE SEQUENCE IF NOT EXISTS {} AS {}").format(sql.SQL(seq), sql.SQL(type_))))
        # Owned by the old column, it would go with the old table.
        out.append(text(sql.SQL("ALTER SEQUENCE {} OWNED BY NONE").format(sql.SQL(seq))))
    return out


def _new_columns(t: Table) -> tuple[list[sql.Composable], list[str]]:
    """The new table's column definitions (identities with temporary sequence names),
    and the renames of those sequences into place."""
    columns: list[sql.Composable] = []
    renames: list[str] = []
    for col in t.columns:
        if col.identity is not None and col.generated is None:
            final = sequence_name(t.name, col.name)
            temporary = temporary_name(final, _NEW)
            columns.append(_identity_column(col, ident(t.schema, temporary)))
            renames.append(
                text(sql.SQL("ALTER SEQUENCE {} RENAME TO {}").format(ident(t.schema, temporary), Name(final)))
            )
        else:
            columns.append(column_definition(col))
    return columns, renames


def _new_partitions(c: RebuildTable, new_table: sql.Composable) -> list[str]:
    """The desired partitions, parents first, each attached to its parent's new self."""
    t = c.new
    out: list[str] = []
    placed = {t.identity: new_table}
    for p in c.partitions:
        parent = placed.get(p.partition_of or "")
        assert parent is not None, p.identity
        temporary = temporary_name(p.name, _NEW)
        placed[p.identity] = ident(p.schema, temporary)
        part = sql.SQL("CREATE TABLE {} PARTITION OF {} {}").format(
            placed[p.identity], parent, sql.SQL(p.partition_bound or "DEFAULT")
        )
        if p.partition_by is not None:
            part = sql.SQL("{} PARTITION BY {}").format(part, sql.SQL(p.partition_by))
        out.append(text(part))
    return out


def _copy(c: RebuildTable, new_table: sql.Composable) -> str:
    """The INSERT of the shared columns' rows into the new table ('' when none)."""
    t = c.new
    copied = c.copied
    names = sql.SQL(", ").join(Name(n) for n in copied)
    overriding = any((col := t.column(n)) is not None and col.identity == "a" for n in copied)
    return text(
        sql.SQL("INSERT INTO {} ({}){} SELECT {} FROM {}").format(
            new_table, names, sql.SQL(" OVERRIDING SYSTEM VALUE" if overriding else ""), names, ident(t.schema, t.name)
        )
    ) if copied else ""


def _sequences_past(c: RebuildTable, new_name: str, new_table: sql.Composable) -> list[str]:
    """Sequences go on after the copied rows' maximum, and after what the old one gave."""
    old, t = c.old, c.new
    serials = dict(c.serials)
    copied = c.copied
    out: list[str] = []
    for col in t.columns:
        if col.identity is None and col.name not in serials:
            continue
        column = Name(col.name)
        if col.name in serials:
            sequence: sql.Composable = sql.SQL("{}::pg_catalog.regclass").format(sql.Literal(serials[col.name]))
        else:
            sequence = sql.SQL("pg_catalog.pg_get_serial_sequence({}, {})").format(
                _literal_name(t.schema, new_name), sql.Literal(col.name)
            )
        values: list[sql.Composable] = []
        if col.name in copied:
            values.append(sql.SQL("(SELECT max({}) FROM {})").format(column, new_table))
        if col.name in serials:
            values.append(sql.SQL("pg_catalog.pg_sequence_last_value({})").format(sequence))
        elif old.column(col.name) is not None:
            values.append(
                sql.SQL(
                    "pg_catalog.pg_sequence_last_value(pg_catalog.pg_get_serial_sequence({}, {})::pg_catalog.regclass)"
                ).format(_literal_name(old.schema, old.name), sql.Literal(col.name))
            )
        if values:
            out.append(
                text(
                    sql.SQL("SELECT pg_catalog.setval({}, v) FROM (SELECT GREATEST({}) AS v) s WHERE v IS NOT NULL").format(
                        sequence, sql.SQL(", ").join(values)
                    )
                )
            )
    return out


def _swap(c: RebuildTable, new_table: sql.Composable, renames: list[str]) -> list[str]:
    """The old table renamed away and dropped, the new one (its partitions, its
    identity sequences) renamed into place, the serial sequences owned again."""
    t = c.new
    retired = temporary_name(t.name, _OLD)
    out = [
        text(sql.SQL("ALTER TABLE {} RENAME TO {}").format(ident(t.schema, t.name), Name(retired))),
        text(sql.SQL("ALTER TABLE {} RENAME TO {}").format(new_table, Name(t.name))),
        text(sql.SQL("DROP TABLE {}").format(ident(t.schema, retired))),  # its partitions with it
    ]
    for p in c.partitions:
        out.append(
            text(sql.SQL("ALTER TABLE {} RENAME TO {}").format(ident(p.schema, temporary_name(p.name, _NEW)), Name(p.name)))
        )
    out.extend(renames)
    for col_name, seq in c.serials:
        out.append(
            text(sql.SQL("ALTER SEQUENCE {} OWNED BY {}").format(sql.SQL(seq), Name(t.schema, t.name, col_name)))
        )
    return out


def _execs(statements: list[str], indent: str) -> sql.Composable:
    return sql.SQL("\n" + indent).join(sql.SQL("EXECUTE {};").format(sql.Literal(s)) for s in statements)


@render_change.register
def render_rebuild_table(c: RebuildTable) -> list[str]:
    t = c.new
    before, copy, after = rebuild_statements(c)
    what = f"table {t.identity}"
    copying: sql.Composable
    if copy:
        copying = sql.SQL(
            """BEGIN
      EXECUTE {copy};
    EXCEPTION WHEN check_violation THEN
      GET STACKED DIAGNOSTICS _sk_detail = PG_EXCEPTION_DETAIL;
      RAISE EXCEPTION 'schemakit: % cannot be rebuilt with its new partitioning: a row fits none of its partitions (%)',
                      {what}, _sk_detail
        USING DETAIL = _sk_detail,
              HINT = 'Add a partition (or a DEFAULT partition) that holds it, or move or delete the row first.';
    END;"""
        ).format(copy=sql.Literal(copy), what=sql.Literal(what))
    else:
        copying = sql.SQL("NULL;  -- no column to copy")
    body = text(
        sql.SQL(
            """
DECLARE
  _sk_path text := pg_catalog.current_setting('search_path');
  _sk_state text;
  _sk_detail text;
BEGIN
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
  _sk_state := ({probe});
  PERFORM pg_catalog.set_config('search_path', _sk_path, true);
  IF _sk_state IS NOT DISTINCT FROM {target} THEN
    RETURN;  -- already rebuilt
  ELSIF _sk_state IS NOT DISTINCT FROM {origin} THEN
    {before}
    {copying}
    {after}
  {otherwise}
  END IF;
END"""
        ).format(
            probe=partitioning_probe(t),
            target=sql.Literal(partitioning_state(t)),
            origin=sql.Literal(partitioning_state(c.old)),
            before=_execs(before, "    "),
            copying=copying,
            after=_execs(after, "    "),
            otherwise=sql.SQL(_RAISE).format(what=sql.Literal(what)),
        )
    )
    return [do_block(body)]
