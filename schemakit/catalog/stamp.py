"""A database's catalog stamp: one cheap query whose answer changes whenever anything the
catalog reader reads may have changed, so that a model read before can be used again.

Every DDL statement writes its catalog rows as new row versions: a new transaction id in
``xmin`` and a new place in ``ctid``. The stamp is, for each system catalog the reader (and
the ``pg_get_*def`` / ``format_type`` / ``pg_get_expr`` functions it calls) looks at, the
count of its rows and the sum of a 64-bit hash of each row's ``(xmin, ctid)``: an update,
insert or delete anywhere changes it (two changes cancel out only if their hashes do, a
chance of 2⁻⁶⁴). The views the reader uses stand for the catalogs under them
(``pg_roles`` is hashed by content: ``pg_authid`` is not readable by every role), and
Supabase's ``storage.buckets`` rows (the buckets kind) are stamped the same way.

PostgreSQL updates a few ``pg_class`` and ``pg_database`` columns in place, without a
new row version: page and row estimates, ``relhasindex``/``relhasrules``/``relhastriggers``
flags (derived from other catalogs, which are stamped), frozen transaction ids. The
reader reads none of them (``tests/test_stamp.py`` checks the queries for them).

``pg_database`` and ``pg_shdepend`` are left out: other databases of the server (a
shadow created and dropped) change them without changing this database's schema.
The server's exact version, the database, the role and schemakit's code are part of the
key (``schemakit.catalog.memo``), not of the stamp.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

__all__ = ["CATALOGS", "stamp", "stamp_query"]

CATALOGS: tuple[tuple[str, int], ...] = (
    # (catalog, the first major version that has it)
    ("pg_namespace", 0),
    ("pg_class", 0),
    ("pg_attribute", 0),
    ("pg_attrdef", 0),
    ("pg_type", 0),
    ("pg_proc", 0),
    ("pg_aggregate", 0),
    ("pg_operator", 0),
    ("pg_opclass", 0),
    ("pg_opfamily", 0),
    ("pg_am", 0),
    ("pg_collation", 0),
    ("pg_constraint", 0),
    ("pg_index", 0),
    ("pg_trigger", 0),
    ("pg_policy", 0),
    ("pg_rewrite", 0),
    ("pg_depend", 0),
    ("pg_description", 0),
    ("pg_seclabel", 0),
    ("pg_extension", 0),
    ("pg_default_acl", 0),
    ("pg_init_privs", 0),
    ("pg_publication", 0),
    ("pg_publication_rel", 0),
    ("pg_publication_namespace", 15),
    ("pg_event_trigger", 0),
    ("pg_sequence", 0),
    ("pg_range", 0),
    ("pg_enum", 0),
    ("pg_inherits", 0),
    ("pg_partitioned_table", 0),
    ("pg_statistic_ext", 0),
    ("pg_language", 0),
    ("pg_cast", 0),
    ("pg_conversion", 0),
    ("pg_transform", 0),
    ("pg_ts_config", 0),
    ("pg_ts_dict", 0),
    ("pg_ts_parser", 0),
    ("pg_ts_template", 0),
    ("pg_foreign_data_wrapper", 0),
    ("pg_foreign_server", 0),
    ("pg_foreign_table", 0),
    ("pg_auth_members", 0),
    ("pg_db_role_setting", 0),
    ("pg_tablespace", 0),
)
"""The catalogs stamped by their row versions."""

SETTINGS = (
    "server_version_num", "DateStyle", "IntervalStyle", "TimeZone", "extra_float_digits", "bytea_output",
    "lc_monetary", "lc_numeric", "standard_conforming_strings",
)
"""The session's settings that change how the catalog's functions print values (a default's
date constant follows DateStyle): part of the stamp, so that a session that prints
otherwise reads again."""

_VERSIONS = sql.SQL(
    "(SELECT pg_catalog.concat(pg_catalog.sum(pg_catalog.hashtextextended(c.xmin::text || c.ctid::text, 0)), "
    "'/', pg_catalog.count(*)) FROM pg_catalog.{} c)"
)
_ROLES = sql.SQL(
    "(SELECT pg_catalog.concat(pg_catalog.sum(pg_catalog.hashtextextended(r::text, 0)), '/', pg_catalog.count(*)) "
    "FROM pg_catalog.pg_roles r)"
)
_HAS_BUCKETS = sql.SQL("pg_catalog.to_regclass('storage.buckets') IS NOT NULL")
# The buckets are rows of a table that may not exist: stamped in a second round trip when it does.
_BUCKETS = sql.SQL(
    "SELECT pg_catalog.concat(pg_catalog.sum(pg_catalog.hashtextextended(b.xmin::text || b.ctid::text, 0)), "
    "'/', pg_catalog.count(*)) FROM storage.buckets b"
)


def stamp_query(major: int) -> sql.Composed:
    """The stamp's query for a server of ``major``: the stamp, and whether there are buckets."""
    parts: list[sql.Composable] = [
        sql.SQL("pg_catalog.current_setting({})").format(sql.Literal(name)) for name in SETTINGS
    ]
    parts += [_VERSIONS.format(sql.Identifier(name)) for name, since in CATALOGS if major >= since]
    parts.append(_ROLES)
    return sql.SQL("SELECT pg_catalog.concat_ws(',', {}), {}").format(sql.SQL(", ").join(parts), _HAS_BUCKETS)


def stamp(conn: psycopg.Connection[Any]) -> str:
    """The catalog stamp of the connected database, in the connection's current snapshot
    (run it inside the read's transaction to stamp what that read sees)."""
    with conn.cursor() as cur:
        cur.execute(stamp_query(conn.info.server_version // 10000))
        row = cur.fetchone()
        if row is None:
            return ""
        text, has_buckets = str(row[0]), bool(row[1])
        if has_buckets:
            cur.execute(_BUCKETS)
            buckets = cur.fetchone()
            text += f",buckets={buckets[0] if buckets else ''}"
    return text
