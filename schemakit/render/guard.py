"""The renderer's shared machinery: the guard every non-trivial change is wrapped in,
twins, quoting helpers, ``render_change`` (the singledispatch every kind registers its
renderers on), ``comment_target`` (what COMMENT ON and ALTER ... OWNER TO name) and the
guarded drops shared by every kind (``gone_guard``, ``drop_for_rework``).

A kind module (``schemakit/kinds/<kind>.py``) imports what it needs from here.

The design, as it was worked out (DESIGN.md section 3):

Changes → idempotent SQL (DESIGN.md section 3).

Every statement can run twice: the second run succeeds and changes nothing.
Where ``IF [NOT] EXISTS`` is not enough, a change is wrapped in a *guard*: a
``DO`` block that reads the object's state from the catalog and

- skips when the object is already in the desired state,
- applies the change when it is in the state the plan was made from,
- raises otherwise, because the database is not what the plan expected.

Identifiers and literals are composed with ``psycopg.sql``; catalog text
(``pg_get_expr``, ``format_type``, ``pg_get_*def``) is trusted SQL.

**Deparsed text across majors.** A guard's "old" state is the target's own text, but
its "new" state is the shadow's, and a shadow of another major may print the same
definition otherwise: PostgreSQL 16+ prints a single-relation view's columns
unqualified, 15 qualifies them (schemakit.viewdef). After the first run the target
holds the definition printed its own way, so a second run found neither state and
raised. Measured on 15 against 18, views and materialized views are the only listed
kind that differs: about 80 CHECK, policy (sub-selects, CTEs, LATERAL, VALUES,
whole-row), default, index predicate, trigger WHEN, domain check and partition bound
expressions print alike. The fix must still hold for any pair of majors. Options:

- record the target's printing at plan time: impossible in general, since the new
  definition may use objects the plan itself creates, and a snapshot plan has no
  target at all;
- a normalization stable across majors: viewdef.normalize needs pglast, which the
  server does not have, and it covers only the one difference known today;
- accept the inverse of that normalization as a second "new" text: the same
  limitation, and a guess at what another major prints;
- state other than text (markers, hashes): COMMENTs on user objects are not ours;
- **a twin** (chosen): when the state matches neither text, the guard builds the
  desired object in ``pg_temp`` from the very text the script creates it from, reads
  it with the same probe, and takes the object for done when the two are equal. That
  is the target's own printing of the same definition, on any pair of majors, with
  nothing to know about their differences. It is sound: the twin is what the script's
  statement makes on this server, in this session. Its cost is paid only where the
  texts differ (never on a same-major pair), in a subtransaction that always rolls
  back (no object, lock or catalog row outlives it); if the twin cannot be built (no
  TEMPORARY privilege, a foreign key, an INSTEAD OF trigger, an index ON ONLY a
  partitioned table), the guard raises as before.

Twins exist for the guards whose new state is deparsed text: views and materialized
views (a temporary plain view prints the same query alike), CHECK and other
constraints but foreign keys (on a temporary copy of the table, same name, so that
references to it print alike), policies, index definitions (predicate and
expressions), triggers (WHEN) and domain checks. Without one: partition bounds (only
constants, printed by the types' output functions), type texts (``format_type``),
which no major has printed otherwise; column defaults are not guarded (``SET
DEFAULT`` sets the same expression again).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, singledispatch
from typing import TYPE_CHECKING, Any, cast

import pglast
from pglast.stream import RawStream
from psycopg import sql

from schemakit.changes import Change, Rework, TypeRebuild, is_gone
from schemakit.model import DbObject, qualified, quote_ident

if TYPE_CHECKING:
    pass

SCRIPT_PREAMBLE = "SET check_function_bodies = false;"


class Name(sql.Identifier):
    """An identifier, quoted only where PostgreSQL needs it, so scripts read well in review."""

    def as_bytes(self, context: Any = None) -> bytes:
        return ".".join(quote_ident(part) for part in self._obj).encode()


def text(composed: sql.Composable) -> str:
    return composed.as_string(None).strip()


def ident(schema: str, name: str) -> sql.Identifier:
    return Name(schema, name)


def regclass(schema: str, name: str) -> sql.Composable:
    """``pg_catalog.to_regclass('<quoted name>')``: NULL when the table is absent."""
    return sql.SQL("pg_catalog.to_regclass({})").format(sql.Literal(text(ident(schema, name))))


# -- the guard -------------------------------------------------------------------


def guard(
    *,
    what: str,
    probe: sql.Composable,
    target: str | None,
    origin: str | None,
    actions: list[str],
    strict: bool = True,
    twin: Twin | None = None,
) -> str:
    """A DO block that applies ``actions`` only when ``probe`` returns ``origin``.

    ``probe`` is a query returning one text value (NULL: the object is absent);
    it runs with ``search_path = pg_catalog`` so catalog text is qualified the
    same way the plan saw it. ``target`` is the desired state (None: absent).
    With ``strict=False`` any other state is left alone instead of raising.
    With a ``twin`` (a strict guard whose ``target`` is deparsed text), a state that
    is neither counts as done when it equals the twin's: the target's own printing
    of the desired definition (see the module's comment).
    """
    execs = "\n    ".join(text(sql.SQL("EXECUTE {};").format(sql.Literal(a))) for a in actions)
    probe_text = text(probe) if twin is not None else ""
    if probe_text:
        probe = sql.SQL(probe_text)
    body = text(
        sql.SQL(
            """
DECLARE
  _sk_path text := pg_catalog.current_setting('search_path');
  _sk_state text;{declare_twin}
BEGIN
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
  _sk_state := ({probe});
  PERFORM pg_catalog.set_config('search_path', _sk_path, true);
  IF _sk_state IS NOT DISTINCT FROM {target} THEN
    RETURN;  -- already in the desired state
  ELSIF _sk_state IS NOT DISTINCT FROM {origin} THEN
    {execs}
  {otherwise}
  END IF;
END"""
        ).format(
            probe=probe,
            target=sql.Literal(target),
            origin=sql.Literal(origin),
            execs=sql.SQL(execs),
            otherwise=_otherwise(what, strict, twin, probe_text),
            declare_twin=sql.SQL("\n  _sk_twin text;" if strict and twin is not None else ""),
        )
    )
    return do_block(body)


_RAISE = """ELSE
    RAISE EXCEPTION 'schemakit: % is not in the state this plan was made from', {what}
      USING DETAIL = pg_catalog.format('found: %s', _sk_state),
            HINT = 'Someone changed the database since the plan was made: plan again.';"""


def _otherwise(what: str, strict: bool, twin: Twin | None, probe: str) -> sql.Composable:
    """The guard's last branch: nothing, RAISE, or the twin's test and then RAISE."""
    if not strict:
        return sql.SQL("")
    if twin is None:
        return sql.SQL(_RAISE).format(what=sql.Literal(what))
    setup = "\n      ".join(f"EXECUTE {text(sql.Literal(step))};" for step in twin.setup)
    return sql.SQL(_TWIN).format(setup=sql.SQL(setup), probe=twin.probe_for(probe), what=sql.Literal(what))


# The twin is built and read in a subtransaction that always rolls back (the RAISE at
# its end, or any error while building it: then there is no twin and the guard raises).
_TWIN = """ELSE
    BEGIN
      PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
      {setup}
      _sk_twin := ({probe});
      RAISE SQLSTATE 'SKTWN';
    EXCEPTION WHEN OTHERS THEN
      NULL;
    END;
    IF _sk_twin IS NULL OR _sk_twin IS DISTINCT FROM _sk_state THEN
      RAISE EXCEPTION 'schemakit: % is not in the state this plan was made from', {what}
        USING DETAIL = pg_catalog.format('found: %s', _sk_state),
              HINT = 'Someone changed the database since the plan was made: plan again.';
    END IF;"""


# -- twins: the target's own printing of a desired definition ---------------------

TWIN = "schemakit_twin"


@dataclass(frozen=True, slots=True)
class Twin:
    """A stand-in for an object in its desired state, built in ``pg_temp`` from the
    same text the script creates the object from, and read by the object's probe.

    ``setup`` are the statements that build it, EXECUTEd in order; ``probe`` reads its
    state in the form the object's probe reads the object.
    """

    setup: tuple[str, ...]
    probe: sql.Composable | tuple[str, str]

    def probe_for(self, probe: str) -> sql.Composable:
        """The twin's probe: given, or the object's own (rendered: ``probe``) with one
        fragment of it swapped for another (the object's name for the twin's: cheaper
        than composing the same query again)."""
        if not isinstance(self.probe, tuple):
            return self.probe
        real, twin = self.probe
        assert probe.count(real) == 1, (probe, real)
        return sql.SQL(probe.replace(real, twin))


@lru_cache(maxsize=1024)
def regclass_text(schema: str, name: str) -> str:
    return text(regclass(schema, name))


@lru_cache(maxsize=1024)
def twin_table(schema: str, table: str) -> str:
    """A temporary table of the same name and columns: expressions that name their
    table (a policy's sub-select reaching out to it) print the same on both."""
    return text(sql.SQL("CREATE TEMPORARY TABLE {} (LIKE {})").format(Name(table), ident(schema, table)))


def prefix_on_twin(statement: str, before: str, schema: str, table: str) -> str:
    """``statement`` (made by this module: ``before`` then the table) on the twin table."""
    real = f"{before}{qualified(schema, table)} "
    assert statement.startswith(real), statement
    return f"{before}pg_temp.{quote_ident(table)} {statement[len(real):]}"


def retargeted(definition: str, schema: str, table: str) -> str | None:
    """A pg_get_indexdef / pg_get_triggerdef text made to create its object on the twin
    table; None when its `` ON <table> `` is not there to swap (``ON ONLY``): the
    statement must never reach the real table."""
    real = f" ON {qualified(schema, table)} "
    if real not in definition:
        return None
    return definition.replace(real, f" ON pg_temp.{quote_ident(table)} ", 1)


def as_real(definition: str, schema: str, table: str) -> sql.Composable:
    """A twin's pg_get_indexdef / pg_get_triggerdef text (``definition``, an expression)
    with the real table in place of the twin's, which PostgreSQL 14+ prints
    ``pg_temp.<table>``."""
    return sql.SQL("pg_catalog.replace({}, {}, {})").format(
        sql.SQL(definition),
        sql.Literal(f" ON pg_temp.{quote_ident(table)} "),
        sql.Literal(f" ON {qualified(schema, table)} "),
    )


def do_block(body: str) -> str:
    tag = "$sk$"
    n = 0
    while tag in body:
        n += 1
        tag = f"$sk{n}$"
    return f"DO {tag}\n{body}\n{tag};"


def reprint(definition: str, **flags: bool) -> str:
    """Re-print a catalog definition through pglast with some flags set."""
    stmt = pglast.parse_sql(definition)[0].stmt
    assert stmt is not None
    for name, value in flags.items():
        setattr(stmt, name, value)
    return str(RawStream()(stmt))


def with_prefix(definition: str, prefixes: dict[str, str], **flags: bool) -> str:
    """Swap the fixed prefix PostgreSQL's pg_get_*def prints (fast path), else re-print.

    ``pg_get_indexdef`` always starts with ``CREATE [UNIQUE] INDEX `` and
    ``pg_get_triggerdef`` with ``CREATE TRIGGER ``; parsing thousands of them
    through pglast dominated rendering large plans.
    """
    for old, new in prefixes.items():
        if definition.startswith(old):
            return new + definition[len(old):]
    return reprint(definition, **flags)



# -- dispatch ----------------------------------------------------------------------


@singledispatch
def render_change(change: Change) -> list[str]:
    """The SQL of one change. Each change class registers its renderer (a function with
    a real name, in its kind's module); this base is never the one that answers."""
    raise TypeError(f"no SQL renderer for {type(change).__name__}")


@singledispatch
def comment_target(obj: DbObject, column: str | None) -> sql.Composable:
    """What ``COMMENT ON`` and ``ALTER ... OWNER TO`` name for ``obj`` (``TABLE s.t``,
    ``POLICY p ON s.t``); each kind registers its own."""
    raise TypeError(f"no COMMENT ON for {obj.kind}")


def on_table_target(word: str, name: str, schema: str, table: str) -> sql.Composable:
    """``<WORD> name ON schema.table``: the comment target of an object on a table."""
    return sql.SQL("{} {} ON {}").format(sql.SQL(word), Name(name), ident(schema, table))


# -- guarded drops shared by every kind -------------------------------------------------

_RELKINDS = {"table": "rp", "view": "v", "materialized view": "m", "sequence": "S"}


def presence_probe(obj: DbObject) -> sql.Composable:
    """'present' while ``obj`` exists as the kind of object it is (NULL otherwise: gone,
    or another object of that name has taken its place)."""
    from schemakit.kinds.function import Function  # the kind's module imports this one

    if isinstance(obj, Function):
        return sql.SQL(
            "SELECT 'present' FROM pg_catalog.pg_proc p "
            "WHERE p.pronamespace = pg_catalog.to_regnamespace({}) AND p.proname = {} "
            "AND pg_catalog.pg_get_function_identity_arguments(p.oid) = {}"
        ).format(sql.Literal(text(Name(obj.schema))), sql.Literal(obj.name), sql.Literal(obj.arguments))
    schema, name = getattr(obj, "schema"), getattr(obj, "name")
    if obj.kind == "type":
        return sql.SQL("SELECT 'present' FROM pg_catalog.pg_type t WHERE t.oid = pg_catalog.to_regtype({})").format(
            sql.Literal(text(ident(schema, name)))
        )
    relkinds = _RELKINDS[obj.key[0]]
    return sql.SQL(
        "SELECT 'present' FROM pg_catalog.pg_class c WHERE c.oid = {} AND c.relkind::text = ANY ({})"
    ).format(regclass(schema, name), sql.Literal(list(relkinds)))


def gone_guard(obj: DbObject, actions: list[str]) -> str:
    """``actions`` run only while ``obj`` (which the plan drops) still exists."""
    return guard(
        what=f"{obj.key[0]} {obj.identity}",
        probe=presence_probe(obj),
        target=None,
        origin="present",
        actions=actions,
    )


def drop_for_rework(cause: Rework, drop: str) -> str:
    """Drop an object (created again later in the plan) so that a column it uses can
    change type or go: only while that column (or its enum type) is in its old state;
    or so that an object it uses can be dropped for good: only while that one exists."""
    from schemakit.kinds.function import Function  # the kind's module imports this one

    if is_gone(cause):
        return gone_guard(cause[0], [drop])
    if isinstance(cause[0], Function):
        old_f, new_f = cause[0], cause[1]
        assert isinstance(new_f, Function)
        return guard(
            what=f"function {old_f.identity}",
            probe=sql.SQL(
                "SELECT pg_catalog.pg_get_function_result(p.oid) FROM pg_catalog.pg_proc p "
                "WHERE p.pronamespace = pg_catalog.to_regnamespace({}) AND p.proname = {} "
                "AND pg_catalog.pg_get_function_identity_arguments(p.oid) = {}"
            ).format(sql.Literal(text(Name(old_f.schema))), sql.Literal(old_f.name), sql.Literal(old_f.arguments)),
            target=new_f.result,
            origin=old_f.result,
            actions=[drop],
        )
    from schemakit.kinds.columns import column_collation_probe, column_collation_state, column_type_probe
    from schemakit.kinds.composite import CompositeType
    from schemakit.kinds.domain import Domain
    from schemakit.kinds.enum import EnumType
    from schemakit.kinds.table import Table
    from schemakit.kinds.typecommon import rebuild_guard

    if isinstance(cause[0], (EnumType, Domain, CompositeType)):
        return rebuild_guard(cast(TypeRebuild, cause), [drop])
    if len(cause) == 2:  # the table is rebuilt: its partitioning changes
        from schemakit.kinds.table_rebuild import partitioning_probe, partitioning_state

        old_t, new_t = cause
        assert isinstance(old_t, Table) and isinstance(new_t, Table)
        return guard(
            what=f"table {new_t.identity}",
            probe=partitioning_probe(new_t),
            target=partitioning_state(new_t),
            origin=partitioning_state(old_t),
            actions=[drop],
        )
    table, before, after = cause
    if after is not None and after.type == before.type and after.collation != before.collation:
        return guard(
            what=f"column {table.identity}.{before.name}",
            probe=column_collation_probe(table, before),
            target=column_collation_state(after),
            origin=column_collation_state(before),
            actions=[drop],
        )
    return guard(
        what=f"column {table.identity}.{before.name}",
        probe=column_type_probe(table, before),
        target=after.type if after is not None else None,
        origin=before.type,
        actions=[drop],
    )
