"""Event triggers (CREATE EVENT TRIGGER), in one place: the model class, its catalog
query (``event_trigger.sql``) and row mapping, the changes (create, drop, alter), the
differ, the renderers with their guard probe, the hazard rule and the rank.

An event trigger is database-wide: keyed ``("event trigger", "<name>")``, as
``pg_identify_object`` names it. Its state is its event, its function, its tags
(sorted) and whether it fires (``evtenabled``: O, D, R, A). ALTER EVENT TRIGGER can
change only the last; any other difference drops and creates it again, in one guarded
step. Creating one needs a superuser (on Supabase, a role supautils lets do it).

The platform rule: event triggers owned by a platform role (``supabase_admin`` owns
Supabase's), calling a function in a platform schema, or belonging to an extension are
the platform's: never read, so never planned or dropped (``event_trigger.sql``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change
from schemakit.hazards import Hazard
from schemakit.kinds.base import CatalogQuery, Context, Kind, comment, pairs
from schemakit.model import DbObject, Model, qualified, quote_ident
from schemakit.render.guard import Name, comment_target, guard, render_change, text

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventTrigger(DbObject):
    kind: ClassVar[str] = "event trigger"
    name: str
    event: str  # ddl_command_start, ddl_command_end, sql_drop, table_rewrite, login
    function_schema: str  # its function (an event trigger's takes no arguments)
    function_name: str
    tags: tuple[str, ...] = ()  # WHEN TAG IN (...), sorted; () for every command
    enabled: str = "O"  # O (origin and local), D (disabled), R (replica), A (always)
    comment: str | None = None

    @property
    def identity(self) -> str:
        return quote_ident(self.name)

    @property
    def function(self) -> str:
        """The function, qualified and quoted as the guard's probe prints it."""
        return qualified(self.function_schema, self.function_name)

    @property
    def state(self) -> str:
        """Everything compared, as the guard's probe reads it."""
        return event_trigger_state(self.event, self.function, self.tags, self.enabled)

    @property
    def definition(self) -> tuple[str, str, tuple[str, ...]]:
        """What ALTER EVENT TRIGGER cannot change."""
        return (self.event, self.function, self.tags)


def event_trigger_state(event: str, function: str, tags: tuple[str, ...], enabled: str) -> str:
    return "|".join([event, function, ",".join(tags), enabled])


def event_trigger_from_row(r: tuple[Any, ...]) -> EventTrigger:
    """One row of ``event_trigger.sql``."""
    return EventTrigger(
        name=r[0], event=r[1], function_schema=r[2], function_name=r[3], tags=tuple(r[4]), enabled=r[5], comment=r[6]
    )


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateEventTrigger(Change):
    action: ClassVar[Action] = "create"
    event_trigger: EventTrigger

    def describe(self) -> str:
        return f"event trigger {self.key[1]} (on {self.event_trigger.event})"


@dataclass(frozen=True)
class DropEventTrigger(Change):
    action: ClassVar[Action] = "drop"
    event_trigger: EventTrigger


@dataclass(frozen=True)
class AlterEventTrigger(Change):
    """ALTER EVENT TRIGGER ... ENABLE/DISABLE when only that changes, else drop and create
    (``recreate``)."""

    action: ClassVar[Action] = "alter"
    old: EventTrigger
    new: EventTrigger

    @property
    def recreate(self) -> bool:
        return self.old.definition != self.new.definition

    @property
    def recreates(self) -> bool:
        return self.recreate

    def describe(self) -> str:
        how = "drop and create" if self.recreate else _ENABLE[self.new.enabled].lower()
        return f"event trigger {self.key[1]} ({how})"


# -- differ ------------------------------------------------------------------------------


def diff_event_triggers(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, EventTrigger):
        if new is None:
            assert old is not None
            yield DropEventTrigger(old)
            continue
        if old is None:
            yield CreateEventTrigger(new)
        elif old.state != new.state:
            yield AlterEventTrigger(old=old, new=new)
        yield from comment(old, new)


# -- SQL: probe, statements ----------------------------------------------------------------

_ENABLE = {"O": "ENABLE", "D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


def event_trigger_probe(e: EventTrigger) -> sql.Composable:
    """The state ``EventTrigger.state`` prints, read from the catalog (NULL: absent)."""
    return sql.SQL(
        "SELECT pg_catalog.concat_ws('|', e.evtevent, "
        "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname), "
        "pg_catalog.array_to_string(ARRAY(SELECT t FROM pg_catalog.unnest(COALESCE(e.evttags, '{{}}'::text[])) t "
        "ORDER BY t COLLATE \"C\"), ','), e.evtenabled::text) "
        "FROM pg_catalog.pg_event_trigger e JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE e.evtname = {}"
    ).format(sql.Literal(e.name))


def create_event_trigger_sql(e: EventTrigger) -> list[str]:
    """CREATE EVENT TRIGGER, then ALTER ... DISABLE/ENABLE when it does not fire as
    created (O)."""
    when: sql.Composable = sql.SQL("")
    if e.tags:
        when = sql.SQL(" WHEN TAG IN ({})").format(sql.SQL(", ").join(sql.Literal(t) for t in e.tags))
    create = sql.SQL("CREATE EVENT TRIGGER {} ON {}{} EXECUTE FUNCTION {}()").format(
        Name(e.name), Name(e.event), when, Name(e.function_schema, e.function_name)
    )
    out = [text(create)]
    if e.enabled != "O":
        out.append(alter_event_trigger_sql(e))
    return out


def alter_event_trigger_sql(e: EventTrigger) -> str:
    return text(sql.SQL("ALTER EVENT TRIGGER {} {}").format(Name(e.name), sql.SQL(_ENABLE[e.enabled])))


def drop_event_trigger_sql(e: EventTrigger) -> str:
    return text(sql.SQL("DROP EVENT TRIGGER IF EXISTS {}").format(Name(e.name)))


@render_change.register
def render_create_event_trigger(c: CreateEventTrigger) -> list[str]:
    e = c.event_trigger
    return [
        guard(
            what=f"event trigger {e.identity}",
            probe=event_trigger_probe(e),
            target=e.state,
            origin=None,
            actions=create_event_trigger_sql(e),
        )
    ]


@render_change.register
def render_drop_event_trigger(c: DropEventTrigger) -> list[str]:
    return [drop_event_trigger_sql(c.event_trigger)]


@render_change.register
def render_alter_event_trigger(c: AlterEventTrigger) -> list[str]:
    new = c.new
    if c.recreate:
        actions = [drop_event_trigger_sql(c.old), *create_event_trigger_sql(new)]
    else:
        actions = [alter_event_trigger_sql(new)]
    return [
        guard(
            what=f"event trigger {new.identity}",
            probe=event_trigger_probe(new),
            target=new.state,
            origin=c.old.state,
            actions=actions,
        )
    ]


@comment_target.register
def event_trigger_comment_target(obj: EventTrigger, column: str | None) -> sql.Composable:
    return sql.SQL("EVENT TRIGGER {}").format(Name(obj.name))


# -- hazards -----------------------------------------------------------------------------


def event_trigger_hazards(c: Change, current: Model) -> list[Hazard]:
    """An event trigger's function runs on every matching DDL command of every role (this
    plan's later steps included): what it does is not tracked."""
    if isinstance(c, CreateEventTrigger):
        e = c.event_trigger
    elif isinstance(c, AlterEventTrigger) and c.new.enabled != "D":
        e = c.new
    else:
        return []
    return [Hazard(hz.HAS_UNTRACKABLE_DEPENDENCIES, f"event trigger {e.identity} runs {e.function}() on {e.event}")]


EVENT_TRIGGER = Kind(
    name="event trigger",
    ranks=(("event trigger", 10),),
    classes=(EventTrigger,),
    differ=diff_event_triggers,
    hazards=event_trigger_hazards,
    statements=frozenset({"create_event_trigger", "alter_event_trigger"}),
    catalog=CatalogQuery("schemakit.kinds", "event_trigger.sql", event_trigger_from_row),
)
