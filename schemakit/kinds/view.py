"""Views and materialized views, in one place: the model class, its catalog query
(``view.sql``) and row mapping, the changes (create or replace, drop), the differ and
what it decides before every differ runs (``recreated_views``: the views dropped and
created again, in the diff's ``Context``), the renderers with their guard probe and
twin, the comment target and the ranks.

A view is keyed ``("view", "<schema>.<name>")``, a materialized view
``("materialized view", ...)``. Its state is ``pg_get_viewdef`` plus its ``name type``
columns, compared in the form every major prints (``schemakit.viewdef``). CREATE OR
REPLACE VIEW can only append columns; any other change, and any change of a
materialized view, drops the view and what depends on it and creates them again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from psycopg import sql

from schemakit.changes import Action, Change, Rework
from schemakit.kinds.base import CatalogQuery, Cause, Context, Kind, comment, no_hazards, pairs
from schemakit.model import DbObject, Key, Model, qualified
from schemakit.render.guard import (
    TWIN,
    Name,
    Twin,
    comment_target,
    drop_for_rework,
    guard,
    ident,
    regclass,
    regclass_text,
    render_change,
    text,
)
from schemakit.viewdef import normalize as normalize_view

# -- model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class View(DbObject):
    """A view or materialized view; ``columns`` are ``name type`` in order."""

    kind: ClassVar[str] = "view"
    schema: str
    name: str
    definition: str  # pg_get_viewdef under search_path = pg_catalog
    columns: tuple[str, ...]
    options: tuple[str, ...] = ()  # sorted reloptions, e.g. security_invoker=true
    materialized: bool = False
    comment: str | None = None

    @property
    def identity(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def key(self) -> Key:
        return ("materialized view" if self.materialized else "view", self.identity)

    @property
    def compared(self) -> object:
        return view_shape(self)


def view_from_row(r: tuple[Any, ...]) -> View:
    """One row of ``view.sql``."""
    return View(
        schema=r[0],
        name=r[1],
        definition=r[2],
        columns=tuple(r[3]),
        options=tuple(r[4]),
        materialized=bool(r[5]),
        comment=r[6],
    )


# -- changes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateView(Change):
    """CREATE OR REPLACE VIEW (``old`` set: replaced in place), or CREATE MATERIALIZED VIEW."""

    action: ClassVar[Action] = "create"
    view: View
    old: View | None = None


@dataclass(frozen=True)
class DropView(Change):
    """Drop a view. ``because`` is set when it is dropped only to be recreated: the
    drop is then guarded by that view's state (old definition → drop, new → skip)."""

    action: ClassVar[Action] = "drop"
    view: View
    because: tuple[View, View] | None = None  # (old, new) of the view that changes
    reworked: Rework | None = None  # a column under it changes type or goes

    def describe(self) -> str:
        if self.because is None and self.reworked is None:
            return f"{self.kind} {self.key[1]}"
        return f"{self.kind} {self.key[1]} (dropped to be recreated)"


# -- differ ------------------------------------------------------------------------------


def view_replaceable(old: View, new: View) -> bool:
    """CREATE OR REPLACE VIEW can only append columns, and never to a materialized view."""
    return (
        not old.materialized
        and not new.materialized
        and tuple(new.columns[: len(old.columns)]) == old.columns
    )


def view_shape(v: View) -> tuple[object, ...]:
    """What the diff compares of a view."""
    return (normalize_view(v.definition), v.columns, v.options, v.materialized)


def recreated_views(current: Model, desired: Model, users: Mapping[Key, Rework]) -> dict[Key, Cause]:
    """Views that must be dropped and recreated → what causes it.

    A view whose columns change incompatibly (or a changed materialized view) is
    recreated, and so is every view that depends on it, transitively. So is every
    view over a table whose column changes type (PostgreSQL refuses the change while
    a view uses the table): the cause is then (table, old column, new column).
    """
    roots: dict[Key, Cause] = {
        key: cause
        for key, cause in users.items()
        if key[0] in ("view", "materialized view") and key in desired.objects
    }
    for old, new in pairs(current, desired, View):
        if old is not None and new is not None and old != new and not view_replaceable(old, new):
            if view_shape(old) != view_shape(new):
                roots[old.key] = (old, new)
    dependents: dict[Key, set[Key]] = {}
    for key, deps in current.depends.items():
        if key[0] in ("view", "materialized view"):
            for dep in deps:
                dependents.setdefault(dep, set()).add(key)
    out = dict(roots)
    todo = sorted(roots)
    while todo:
        key = todo.pop()
        for dep in sorted(dependents.get(key, ())):
            if dep not in out and dep in desired.objects:
                out[dep] = out[key]
                todo.append(dep)
    return out


def diff_views(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    rebuilt = ctx.rebuilt
    for old, new in pairs(current, desired, View):
        if new is None:
            assert old is not None
            yield DropView(old)
            continue
        if old is None:
            yield CreateView(new)
            yield from comment(None, new)
        elif old.key in rebuilt:
            cause = rebuilt[old.key]
            if isinstance(cause[0], View) and isinstance(cause[1], View):
                yield DropView(old, because=(cause[0], cause[1]))
            else:
                yield DropView(old, reworked=cast(Rework, cause))
            yield CreateView(new)
            yield from comment(None, new)
        else:
            if view_shape(old) != view_shape(new):
                yield CreateView(new, old=old)
            yield from comment(old, new)


# -- SQL: probe, twin, statements ------------------------------------------------------


def view_probe(v: View) -> sql.Composable:
    """The definition and the ``name type`` columns, as :func:`view_state` prints them."""
    return sql.SQL(
        "SELECT pg_catalog.pg_get_viewdef(c.oid) || ' | ' || pg_catalog.array_to_string(ARRAY("
        "SELECT pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) "
        "FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum), ', ') FROM pg_catalog.pg_class c WHERE c.oid = {}"
    ).format(regclass(v.schema, v.name))


def view_state(v: View) -> str:
    return f"{v.definition} | {', '.join(v.columns)}"


def view_twin(v: View) -> Twin:
    """A temporary (plain) view of the same query: views and materialized views print
    their query alike."""
    body = v.definition.strip().rstrip(";")
    create = text(sql.SQL("CREATE TEMPORARY VIEW {} AS\n{}").format(Name(TWIN), sql.SQL(body)))
    return Twin(setup=(create,), probe=(regclass_text(v.schema, v.name), regclass_text("pg_temp", TWIN)))


def view_options_sql(v: View) -> sql.Composable:
    if not v.options:
        return sql.SQL("")
    opts = []
    for option in v.options:
        name, _, value = option.partition("=")
        opts.append(sql.SQL("{} = {}").format(Name(name), sql.Literal(value)))
    return sql.SQL(" WITH ({})").format(sql.SQL(", ").join(opts))


def create_view_sql(v: View) -> str:
    body = v.definition.strip().rstrip(";")
    if v.materialized:
        return text(
            sql.SQL("CREATE MATERIALIZED VIEW IF NOT EXISTS {}{} AS\n{}").format(
                ident(v.schema, v.name), view_options_sql(v), sql.SQL(body)
            )
        )
    return text(
        sql.SQL("CREATE OR REPLACE VIEW {}{} AS\n{}").format(
            ident(v.schema, v.name), view_options_sql(v), sql.SQL(body)
        )
    )


def drop_view_sql(v: View) -> str:
    """Drop a view (or materialized view) only while the name is one: a re-run must not
    fail on the materialized view (or view) the plan put in its place."""
    return guard(
        what=f"{v.key[0]} {v.identity}",
        probe=sql.SQL("SELECT c.relkind::text FROM pg_catalog.pg_class c WHERE c.oid = {}").format(
            regclass(v.schema, v.name)
        ),
        target=None,
        origin="m" if v.materialized else "v",
        actions=[drop_view_statement(v)],
        strict=False,
    )


def drop_view_statement(v: View) -> str:
    word = "MATERIALIZED VIEW" if v.materialized else "VIEW"
    return text(sql.SQL("DROP {} IF EXISTS {}").format(sql.SQL(word), ident(v.schema, v.name)))


@render_change.register
def render_create_view(c: CreateView) -> list[str]:
    # CREATE OR REPLACE keeps the view's OID and replaces its options; running it
    # twice changes nothing.
    return [create_view_sql(c.view)]


@render_change.register
def render_drop_view(c: DropView) -> list[str]:
    if c.reworked is not None:
        return [drop_for_rework(c.reworked, drop_view_statement(c.view))]
    if c.because is None:
        return [drop_view_sql(c.view)]
    old, new = c.because
    # Dropped to be recreated: only while the changing view is still in its old state.
    return [
        guard(
            what=f"{old.key[0]} {old.identity}",
            probe=view_probe(old),
            target=view_state(new),
            origin=view_state(old),
            actions=[drop_view_statement(c.view)],
            twin=view_twin(new),
        )
    ]


@comment_target.register
def view_comment_target(obj: View, column: str | None) -> sql.Composable:
    word = "MATERIALIZED VIEW" if obj.materialized else "VIEW"
    return sql.SQL("{} {}").format(sql.SQL(word), ident(obj.schema, obj.name))


VIEW = Kind(
    name="view",
    ranks=(("view", 8), ("materialized view", 9)),
    classes=(View,),
    differ=diff_views,
    hazards=no_hazards,
    statements=frozenset({"create_view", "create_materialized_view", "alter_view", "alter_materialized_view"}),
    catalog=CatalogQuery("schemakit.kinds", "view.sql", view_from_row),
)
