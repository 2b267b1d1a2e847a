"""Rules that need a live database's statistics (``lint --db`` only): indexes never
scanned, and tables much larger than their rows (splinter's unused_index, table_bloat)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

from schemakit.lint.exprs import name
from schemakit.lint.findings import Finding, Subject, finding
from schemakit.platform import is_managed_schema

_UNUSED = """
SELECT s.schemaname, s.relname, s.indexrelname
FROM pg_catalog.pg_stat_user_indexes s
JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.objid = s.relid AND d.deptype = 'e')
ORDER BY 1, 2, 3
"""

# Expected pages: live rows × (row header + average width from pg_stats) over the usable
# page size. A table counts as bloated past 70 times that and 20 MB of waste (splinter's bounds).
_BLOAT = """
WITH widths AS (
  SELECT schemaname, tablename, sum((1 - null_frac) * avg_width) AS width
  FROM pg_catalog.pg_stats GROUP BY 1, 2
), sizes AS (
  SELECT n.nspname, c.relname, c.relpages::numeric AS pages,
         ceil((c.reltuples * (w.width + 28))::numeric / (current_setting('block_size')::numeric - 24)) AS expected,
         current_setting('block_size')::numeric AS bs
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN widths w ON w.schemaname = n.nspname AND w.tablename = c.relname
  WHERE c.relkind = 'r' AND c.reltuples > 0
)
SELECT nspname, relname, round(pages / greatest(expected, 1), 1), ((pages - expected) * bs)::bigint
FROM sizes
WHERE pages / greatest(expected, 1) > 70 AND (pages - expected) * bs > 20 * 1024 * 1024
ORDER BY 1, 2
"""


def _rows(conn: psycopg.Connection[Any], query: str) -> list[tuple[Any, ...]]:
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(query.encode())
        return cur.fetchall()


def unused_index(conn: psycopg.Connection[Any]) -> Iterator[Finding]:
    for schema, table, index in _rows(conn, _UNUSED):
        if is_managed_schema(schema):
            continue
        yield finding(
            "unused_index",
            f"index {name(schema, index)}",
            f"index {index} on {name(schema, table)} has never been scanned since the statistics were reset",
            f"if no query needs it: DROP INDEX {name(schema, index)}; (remove its CREATE INDEX from the schema files)",
            Subject(names=(f"{schema}.{index}",)),
        )


def table_bloat(conn: psycopg.Connection[Any]) -> Iterator[Finding]:
    for schema, table, ratio, waste in _rows(conn, _BLOAT):
        if is_managed_schema(schema):
            continue
        yield finding(
            "table_bloat",
            f"table {name(schema, table)}",
            f"{name(schema, table)} takes {ratio}× the pages its rows need ({int(waste) // (1024 * 1024)} MB wasted)",
            f"VACUUM (FULL) {name(schema, table)}; in a quiet window (it locks the table), and tune autovacuum",
            Subject(names=(f"{schema}.{table}",)),
        )


def live_findings(conn: psycopg.Connection[Any]) -> list[Finding]:
    return [*unused_index(conn), *table_bloat(conn)]
