"""Constraints, indexes and views moved into their kind modules (issue 13, phase 2):
each kind's code lives in ``schemakit/kinds/<kind>.py``, the diff and the platform rule
ask the object (``compared``, ``source_name``) rather than test its class, and
``plan/order.py``'s ordering is split into named steps. Against a real server: the three
kinds created, replaced (a view recreated with the view over it) and commented, each step
applied, planned again (empty), and its script run a second time (it changes nothing)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import schemakit.changes
import schemakit.model
from schemakit.kinds import KINDS
from schemakit.kinds.constraint import CONSTRAINT, Constraint
from schemakit.kinds.index import INDEX, Index
from schemakit.kinds.policy import Policy
from schemakit.kinds.trigger import Trigger
from schemakit.kinds.view import VIEW, View
from schemakit.plan import order
from schemakit.render.guard import render_change
from tests.helpers import Target, model_of, query
from tests.test_core import _psql


@pytest.mark.parametrize("kind", [CONSTRAINT, INDEX, VIEW], ids=lambda k: k.name)
def test_kind_lives_in_its_module(kind: object) -> None:
    module = f"schemakit.kinds.{kind.name}"  # type: ignore[attr-defined]
    assert kind in KINDS and kind.catalog is not None  # type: ignore[attr-defined]
    assert kind.differ.__module__ == module and kind.hazards.__module__ in (module, "schemakit.kinds.base")  # type: ignore[attr-defined]
    for cls in kind.classes:  # type: ignore[attr-defined]
        assert cls.__module__ == module
        assert not hasattr(schemakit.model, cls.__name__)  # model.py holds no per-kind class
    changes = [
        c for c in vars(__import__(module, fromlist=["_"])).values()
        if inspect.isclass(c) and issubclass(c, schemakit.changes.Change) and c.__module__ == module
    ]
    assert changes
    for c in changes:
        assert not hasattr(schemakit.changes, c.__name__)  # changes.py holds no per-kind change
        renderer = render_change.dispatch(c)
        assert renderer.__module__ == module and renderer.__name__.startswith("render_")


def test_registry_keeps_the_differ_order() -> None:
    names = [k.name for k in KINDS]
    assert names.index("table") + 1 == names.index("view")
    assert names[names.index("view") : names.index("view") + 4] == ["view", "constraint", "index", "function"]


def test_order_changes_is_split_into_short_steps() -> None:
    tree = ast.parse(Path(inspect.getfile(order)).read_text())
    long = [
        (f.name, f.end_lineno - f.lineno + 1)  # type: ignore[operator]
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef) and f.end_lineno - f.lineno + 1 > 80  # type: ignore[operator]
    ]
    assert long == []


def test_objects_say_what_is_compared_and_their_source_name() -> None:
    v15 = View("public", "v", " SELECT t.a\n   FROM t;", ("a integer",))
    v18 = View("public", "v", " SELECT a\n   FROM t;", ("a integer",))
    assert v15.compared == v18.compared  # the same view printed by two majors
    assert View("public", "v", " SELECT a\n   FROM t;", ("a integer",), materialized=True).compared != v18.compared
    k = Constraint("public", "t", "t_a_check", "c", "CHECK ((a > 0))", comment="x")
    assert k.compared == ("c", "CHECK ((a > 0))")
    i = Index("public", "t", "t_a", "CREATE INDEX t_a ON public.t USING btree (a)", comment="x")
    assert i.compared == i.definition and i.source_name == "public.t_a"
    assert Trigger("public", "t", "tr", "CREATE TRIGGER ...").source_name == "public.t.tr"
    p = Policy("public", "t", "p", True, "ALL", ("public",), "true", None)
    assert p.source_name == "public.t.p" and p.compared == p.state
    assert k.source_name == "public.t_a_check" and v18.source_name == "public.v"


TABLE = """
CREATE TABLE public.items (id bigint PRIMARY KEY, price numeric NOT NULL, name text);
"""
FIRST = TABLE + """
ALTER TABLE public.items ADD CONSTRAINT items_price_check CHECK (price > 0);
CREATE INDEX items_name ON public.items (name);
CREATE VIEW public.cheap AS SELECT id, price FROM public.items WHERE price < 10;
CREATE VIEW public.cheap_ids AS SELECT id FROM public.cheap;
CREATE MATERIALIZED VIEW public.totals AS SELECT count(*) AS n FROM public.items;
CREATE INDEX totals_n ON public.totals (n);
COMMENT ON CONSTRAINT items_price_check ON public.items IS 'positive';
COMMENT ON INDEX public.items_name IS 'by name';
COMMENT ON VIEW public.cheap IS 'under ten';
"""
SECOND = TABLE + """
ALTER TABLE public.items ADD CONSTRAINT items_price_check CHECK (price > 1);
CREATE INDEX items_name ON public.items (lower(name));
CREATE VIEW public.cheap AS SELECT price, id FROM public.items WHERE price < 10;
CREATE VIEW public.cheap_ids AS SELECT id FROM public.cheap;
CREATE MATERIALIZED VIEW public.totals AS SELECT count(*) AS n, sum(price) AS total FROM public.items;
CREATE INDEX totals_n ON public.totals (n);
COMMENT ON CONSTRAINT items_price_check ON public.items IS 'positive';
COMMENT ON INDEX public.items_name IS 'by name';
COMMENT ON VIEW public.cheap IS 'under ten';
"""
OIDS = (
    "SELECT c.relname, c.oid::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' ORDER BY 1"
)


@pytest.fixture
def target(blank_target: Target) -> Target:
    return blank_target


def _step(t: Target, tmp_path: Path, text: str) -> str:
    """Plan the files as a script (something to do), apply, plan again (empty), run the
    script again: it succeeds and changes nothing. Returns the script."""
    (t.schema_dir / "schema.sql").write_text(text)
    script = tmp_path / "plan.sql"
    res = t.plan("--format", "sql", "--out", str(script), "--detailed-exitcode")
    assert res.exit_code == 2, res.output
    t.converge("--allow-hazards", "all", "--allow-destructive")
    model, oids = model_of(t.url), query(t.url, OIDS)
    again = _psql(t.url, script)
    assert again.returncode == 0, again.stderr
    assert query(t.url, OIDS) == oids
    assert model_of(t.url) == model
    return script.read_text()


def test_constraints_indexes_views_create_replace_recreate(target: Target, tmp_path: Path) -> None:
    script = _step(target, tmp_path, FIRST)
    assert "ADD CONSTRAINT items_price_check CHECK ((price > (0)::numeric))" in script
    assert "CREATE INDEX IF NOT EXISTS items_name" in script
    assert "CREATE OR REPLACE VIEW public.cheap" in script
    assert "CREATE MATERIALIZED VIEW IF NOT EXISTS public.totals" in script
    model = model_of(target.url)
    assert model.objects[("table constraint", "items_price_check on public.items")].comment == "positive"  # type: ignore[attr-defined]
    assert model.objects[("index", "public.items_name")].comment == "by name"  # type: ignore[attr-defined]
    assert model.objects[("view", "public.cheap")].comment == "under ten"  # type: ignore[attr-defined]

    script = _step(target, tmp_path, SECOND)
    assert "DROP CONSTRAINT IF EXISTS items_price_check" in script
    assert "DROP INDEX IF EXISTS public.items_name" in script
    # cheap's columns are reordered: it and the view over it are dropped and created again
    assert script.index("'DROP VIEW IF EXISTS public.cheap_ids'") < script.index("'DROP VIEW IF EXISTS public.cheap'")
    assert script.index("'DROP VIEW IF EXISTS public.cheap'") < script.index("CREATE OR REPLACE VIEW public.cheap AS")
    assert script.index("'DROP MATERIALIZED VIEW IF EXISTS public.totals'") < script.index(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS public.totals"
    )
    assert "COMMENT ON VIEW public.cheap IS 'under ten'" in script  # set again on the recreated view
    assert query(target.url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'totals_n'") == [
        ("CREATE INDEX totals_n ON public.totals USING btree (n)",)
    ]
    assert query(target.url, "SELECT obj_description('public.cheap'::regclass, 'pg_class')") == [("under ten",)]
