"""Table triggers, in one place: the model class, its catalog query (``trigger.sql``)
and row mapping, the changes (create or replace, drop), the differ, the renderers with
their guard probe and twin, the hazard rule and the rank.

A trigger is keyed ``("trigger", "<name> on <schema>.<table>")`` and belongs to its
table (``owner_key``). Its state is ``pg_get_triggerdef`` plus ``tgenabled``; a
constraint trigger cannot be replaced, so it is dropped and created again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change, Rework, _recreated
from schemakit.hazards import Hazard
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, owned, pairs, rebuilt_relations
from schemakit.model import DbObject, Key, Model, qualified, quote_ident
from schemakit.render.guard import (
    Name,
    Twin,
    as_real,
    comment_target,
    drop_for_rework,
    guard,
    ident,
    on_table_target,
    regclass,
    render_change,
    retargeted,
    text,
    twin_table,
    with_prefix,
)

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trigger(DbObject):
    kind: ClassVar[str] = "trigger"
    schema: str
    table: str
    name: str
    definition: str  # pg_get_triggerdef
    enabled: str = "O"
    is_constraint: bool = False
    comment: str | None = None

    @property
    def identity(self) -> str:
        return f"{quote_ident(self.name)} on {qualified(self.schema, self.table)}"

    @property
    def owner_key(self) -> Key:
        return ("table", qualified(self.schema, self.table))

    @property
    def source_name(self) -> str:
        return f"{self.schema}.{self.table}.{self.name}"

    @property
    def compared(self) -> object:
        return (self.definition, self.enabled)


def trigger_from_row(r: tuple[Any, ...]) -> Trigger:
    """One row of ``trigger.sql``."""
    return Trigger(
        schema=r[0],
        table=r[1],
        name=r[2],
        definition=r[3],
        enabled=r[4],
        is_constraint=r[5],
        comment=r[6],
    )


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateTrigger(Change):
    """Create, or replace when ``old`` is set."""

    action: ClassVar[Action] = "create"
    trigger: Trigger
    old: Trigger | None = None

    @property
    def recreates(self) -> bool:
        """A constraint trigger cannot be replaced: it is dropped and created again."""
        return self.old is not None and self.trigger.is_constraint


@dataclass(frozen=True)
class DropTrigger(Change):
    """Drop; with ``reworked`` set, only so that a column it uses can be dropped
    or change type, to be created again after (see DropView)."""

    action: ClassVar[Action] = "drop"
    trigger: Trigger
    reworked: Rework | None = None

    def describe(self) -> str:
        return _recreated(self)


# -- differ ------------------------------------------------------------------------------


def diff_triggers(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    rebuilt = rebuilt_relations(ctx)
    for old, new in pairs(current, desired, Trigger):
        if old is not None and new is not None and qualified(old.schema, old.table) in rebuilt:
            # INSTEAD OF triggers go with their view when it is recreated.
            yield CreateTrigger(new)
            yield from comment(None, new)
            continue
        if new is None:
            assert old is not None
            if not owned(old, ctx.dropped):
                yield DropTrigger(old)
            continue
        if old is not None and (cause := ctx.users.get(old.key)) is not None:
            yield DropTrigger(old, reworked=cause)
            yield CreateTrigger(new)
        elif old is None or (old.definition, old.enabled) != (new.definition, new.enabled):
            yield CreateTrigger(new, old=old)
        yield from comment(old, new)


# -- SQL: probe, twin, statements ------------------------------------------------------


def trigger_probe(t: Trigger) -> sql.Composable:
    return sql.SQL(
        "SELECT pg_catalog.pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text "
        "FROM pg_catalog.pg_trigger t WHERE t.tgrelid = {} AND t.tgname = {}"
    ).format(regclass(t.schema, t.table), sql.Literal(t.name))


def trigger_state(t: Trigger) -> str:
    return f"{t.definition} {t.enabled}"


def trigger_twin(t: Trigger) -> Twin | None:
    create = retargeted(t.definition, t.schema, t.table)
    if create is None:
        return None
    probe = sql.SQL("SELECT {} || ' ' || {} FROM pg_catalog.pg_trigger t WHERE t.tgrelid = {} AND t.tgname = {}").format(
        as_real("pg_catalog.pg_get_triggerdef(t.oid)", t.schema, t.table),
        sql.Literal(t.enabled),
        regclass("pg_temp", t.table),
        sql.Literal(t.name),
    )
    return Twin(setup=(twin_table(t.schema, t.table), create), probe=probe)


def trigger_or_replace(definition: str) -> str:
    return with_prefix(definition, {"CREATE TRIGGER ": "CREATE OR REPLACE TRIGGER "}, replace=True)


def trigger_enable_sql(t: Trigger) -> str | None:
    verb = {"O": None, "D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}.get(t.enabled)
    if verb is None:
        return None
    return text(
        sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
            ident(t.schema, t.table), sql.SQL(verb), Name(t.name)
        )
    )


def drop_trigger_sql(t: Trigger) -> str:
    return text(
        sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(Name(t.name), ident(t.schema, t.table))
    )


@render_change.register
def render_create_trigger(c: CreateTrigger) -> list[str]:
    t = c.trigger
    if t.is_constraint:
        actions = [drop_trigger_sql(t), t.definition]
    else:
        actions = [trigger_or_replace(t.definition)]
    enable = trigger_enable_sql(t)
    if enable:
        actions.append(enable)
    return [
        guard(
            what=f"trigger {t.identity}",
            probe=trigger_probe(t),
            target=trigger_state(t),
            origin=trigger_state(c.old) if c.old else None,
            actions=actions,
            twin=trigger_twin(t),
        )
    ]


@render_change.register
def render_drop_trigger(c: DropTrigger) -> list[str]:
    t = c.trigger
    if c.reworked is None:
        return [drop_trigger_sql(t)]
    return [drop_for_rework(c.reworked, drop_trigger_sql(t))]


@comment_target.register
def trigger_comment_target(obj: Trigger, column: str | None) -> sql.Composable:
    return on_table_target("TRIGGER", obj.name, obj.schema, obj.table)


# -- hazards -----------------------------------------------------------------------------


def trigger_hazards(c: Change, current: Model) -> list[Hazard]:
    """A trigger replaced may call other functions: what it reaches is not tracked."""
    if isinstance(c, CreateTrigger) and c.old is not None:
        return [Hazard(hz.HAS_UNTRACKABLE_DEPENDENCIES, f"trigger {c.key[1]} is replaced")]
    return []


TRIGGER = Kind(
    name="trigger",
    ranks=(("trigger", 10),),
    classes=(Trigger,),
    differ=diff_triggers,
    hazards=trigger_hazards,
    statements=frozenset({"create_trigger"}),
    catalog=CatalogQuery("schemakit.kinds", "trigger.sql", trigger_from_row),
)
