"""The independent judge (tests/judge.py): it catches what schemakit's own checks miss,
and the differences it found in schemakit, fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemakit.catalog.reader import CatalogReader
from schemakit.changes import Change
from schemakit.kinds.index import CreateIndex
from schemakit.render.guard import render_change
from tests.helpers import Target, query
from tests.judge import JudgeError, judge_schema_dir, normalize

TABLE = """
CREATE TABLE public.items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
"""
INDEX = "CREATE INDEX items_name ON public.items (name);\n"


def write(t: Target, text: str) -> None:
    (t.schema_dir / "schema.sql").write_text(text)


def apply_and_replan(t: Target) -> None:
    """schemakit's own checks: the apply succeeds and a second plan is empty."""
    res = t.apply("--allow-hazards", "all", "--allow-destructive")
    assert res.exit_code == 0, res.output
    again = t.plan("--detailed-exitcode")
    assert again.exit_code == 0, again.output


@pytest.fixture
def no_index_renderer() -> Iterator[None]:
    """Our own renderer broken: a CreateIndex renders to nothing."""
    original: Callable[[CreateIndex], list[str]] = render_change.dispatch(CreateIndex)
    render_change.register(CreateIndex, lambda c: [])
    try:
        yield
    finally:
        render_change.register(CreateIndex, original)


def test_judge_passes_a_correct_apply(blank_target: Target) -> None:
    write(blank_target, TABLE + INDEX)
    apply_and_replan(blank_target)
    judge_schema_dir(blank_target.url, blank_target.shadow, blank_target.schema_dir)


def test_judge_fails_when_the_renderer_skips_create_index(blank_target: Target, no_index_renderer: None) -> None:
    write(blank_target, TABLE + INDEX)
    res = blank_target.apply()
    assert res.exit_code == 0, res.output
    assert query(blank_target.url, "SELECT to_regclass('public.items_name')") == [(None,)]
    with pytest.raises(JudgeError) as info:
        judge_schema_dir(blank_target.url, blank_target.shadow, blank_target.schema_dir)
    assert "+CREATE INDEX items_name ON public.items USING btree (name);" not in str(info.value)
    assert "-CREATE INDEX items_name ON public.items USING btree (name);" in str(info.value)


def test_judge_catches_a_bug_that_fools_schemakits_replan(
    blank_target: Target, no_index_renderer: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renderer skips CREATE INDEX and the catalog reader misses indexes: the
    re-plan reads both sides the same (wrong) way, so schemakit's own fixed point holds;
    the judge, which uses neither, fails."""
    fetch = CatalogReader.fetch

    def no_indexes(self: CatalogReader, name: str, package: str | None = None) -> list[tuple[object, ...]]:
        return [] if name in ("indexes", "index.sql") else fetch(self, name, package)

    monkeypatch.setattr(CatalogReader, "fetch", no_indexes)
    write(blank_target, TABLE + INDEX)
    apply_and_replan(blank_target)  # schemakit is fooled: nothing left to do
    assert query(blank_target.url, "SELECT to_regclass('public.items_name')") == [(None,)]
    with pytest.raises(JudgeError, match="CREATE INDEX items_name"):
        judge_schema_dir(blank_target.url, blank_target.shadow, blank_target.schema_dir)


def test_normalize_sorts_only_column_lines() -> None:
    dump = "CREATE TABLE public.t (\n    b text,\n    a integer\n);\nCREATE VIEW v AS\n z,\n y;\n"
    assert normalize(dump) == "CREATE TABLE public.t (\n    a integer,\n    b text\n);\nCREATE VIEW v AS\n z,\n y;\n"


def test_normalize_sorts_an_event_triggers_tags_only() -> None:
    """``evttags`` is a set kept in written order; schemakit writes it sorted."""
    dump = "CREATE EVENT TRIGGER e ON ddl_command_end\n         WHEN TAG IN ('DROP TABLE', 'ALTER TABLE')\n"
    assert normalize(dump) == "CREATE EVENT TRIGGER e ON ddl_command_end\n         WHEN TAG IN ('ALTER TABLE', 'DROP TABLE')\n"
    assert normalize("SELECT 'b', 'a';\n") == "SELECT 'b', 'a';\n"


# -- differences the judge found, fixed --------------------------------------------------


def test_rebuilt_domain_keeps_its_not_null_constraint_name(blank_target: Target) -> None:
    """A domain rebuilt (base type change) while its retired self still held
    ``dom_not_null`` got ``dom_not_null1`` (found by the judge in the property test)."""
    domain = "CREATE DOMAIN public.dom AS {} NOT NULL CHECK (VALUE < 10);\n"
    table = "CREATE TABLE public.t (id bigint PRIMARY KEY, c public.dom);\n"
    write(blank_target, domain.format("integer") + table)
    blank_target.converge()
    write(blank_target, domain.format("bigint") + table)
    blank_target.converge("--allow-hazards", "all")
    names = query(
        blank_target.url,
        "SELECT conname FROM pg_constraint WHERE contypid = 'public.dom'::regtype AND contype = 'n'",
    )
    assert names in ([], [("dom_not_null",)])  # PostgreSQL 15 keeps no row for it


def test_a_target_without_the_baseline_gets_no_supabase_platform_state(
    empty_db: str, pg_admin_url: str, tmp_path: Path
) -> None:
    """On a plain database (no auth/storage, no --install-baseline), the files' table is
    all an apply makes: not Supabase's supabase_realtime publication, its default
    privileges in public, nor the grants they give anon/authenticated/service_role (the
    shadow had the baseline; found by the judge in tests/test_safety.py)."""
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "app.sql").write_text("CREATE TABLE public.items (id bigint PRIMARY KEY, name text);\n")
    t = Target(empty_db, pg_admin_url, schema)
    t.converge()
    assert query(t.url, "SELECT count(*) FROM pg_publication") == [(0,)]
    assert query(t.url, "SELECT count(*) FROM pg_default_acl") == [(0,)]
    assert query(t.url, "SELECT relacl FROM pg_class WHERE oid = 'public.items'::regclass") == [(None,)]


# -- every kind's CREATE: a renderer that skips it makes the judge fail ---------------------

_T = "CREATE TABLE public.t (id bigint PRIMARY KEY, name text);\n"
_TF = "CREATE FUNCTION public.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
_ETF = "CREATE FUNCTION public.etf() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;\n"

#: change class name: (schema files, a fragment of the dump line the judge must miss).
#: The broken object is the last one, and nothing in the files depends on it, so that
#: the apply itself succeeds without it.
SKIPPED_CREATES: dict[str, tuple[str, str]] = {
    "CreateTable": ("CREATE TABLE public.lonely (id integer);\n", "-CREATE TABLE public.lonely ("),
    "CreateView": (_T + "CREATE VIEW public.v AS SELECT id FROM public.t;\n", "-CREATE VIEW public.v AS"),
    "CreateView(materialized)": (
        _T + "CREATE MATERIALIZED VIEW public.m AS SELECT id FROM public.t;\n",
        "-CREATE MATERIALIZED VIEW public.m AS",
    ),
    "CreateIndex": (_T + "CREATE INDEX t_name ON public.t (name);\n", "-CREATE INDEX t_name ON public.t"),
    "CreateSequence": ("CREATE SEQUENCE public.s;\n", "-CREATE SEQUENCE public.s"),
    "CreateFunction": (
        "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;\n",
        "-CREATE FUNCTION public.f() RETURNS integer",
    ),
    "CreateEnum": ("CREATE TYPE public.mood AS ENUM ('ok', 'sad');\n", "-CREATE TYPE public.mood AS ENUM ("),
    "CreateRange": (
        "CREATE TYPE public.floatrange AS RANGE (subtype = float8);\n",
        "-CREATE TYPE public.floatrange AS RANGE (",
    ),
    "CreateComposite": ("CREATE TYPE public.pair AS (a integer, b text);\n", "-CREATE TYPE public.pair AS ("),
    "CreateDomain": ("CREATE DOMAIN public.pos AS integer CHECK (VALUE > 0);\n", "-CREATE DOMAIN public.pos AS integer"),
    "CreateCollation": (
        'CREATE COLLATION public.bytes (provider = libc, locale = "C");\n',
        "-CREATE COLLATION public.bytes (",
    ),
    "CreateSchema": ("CREATE SCHEMA app;\n", "-CREATE SCHEMA app;"),
    "CreateExtension": ("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;\n", "-CREATE EXTENSION IF NOT EXISTS pg_trgm"),
    "CreatePublication": (_T + "CREATE PUBLICATION pub FOR TABLE public.t;\n", "-CREATE PUBLICATION pub"),
    "CreateTrigger": (
        _T + _TF + "CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.tf();\n",
        "-CREATE TRIGGER t_touch BEFORE UPDATE ON public.t",
    ),
    "CreatePolicy": (
        _T + "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;\nCREATE POLICY t_read ON public.t FOR SELECT USING (true);\n",
        "-CREATE POLICY t_read ON public.t",
    ),
    "AddConstraint": (
        _T + "ALTER TABLE public.t ADD CONSTRAINT t_name_check CHECK (name <> '');\n",
        "-    CONSTRAINT t_name_check CHECK",
    ),
    "CreateEventTrigger": (
        _ETF + "CREATE EVENT TRIGGER et ON ddl_command_end EXECUTE FUNCTION public.etf();\n",
        "-CREATE EVENT TRIGGER et ON ddl_command_end",
    ),
}


def _change_class(name: str) -> type[Change]:
    import schemakit.kinds as kinds_package
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(kinds_package.__path__):
        found = getattr(importlib.import_module(f"schemakit.kinds.{module.name}"), name, None)
        if isinstance(found, type) and issubclass(found, Change):
            return found
    raise LookupError(name)


def test_every_kinds_create_renderer_is_in_the_table() -> None:
    """Each kind's CREATE (a Create* change class) has a broken-renderer case below."""
    import schemakit.kinds as kinds_package
    import importlib
    import pkgutil

    creates = {
        name
        for module in pkgutil.iter_modules(kinds_package.__path__)
        for name, value in vars(importlib.import_module(f"schemakit.kinds.{module.name}")).items()
        if name.startswith("Create") and isinstance(value, type) and issubclass(value, Change)
    }
    assert creates == {case.split("(")[0] for case in SKIPPED_CREATES} - {"AddConstraint"}


@pytest.mark.parametrize("case", sorted(SKIPPED_CREATES))
def test_judge_fails_when_the_renderer_skips_one_kinds_create(
    blank_target: Target, request: pytest.FixtureRequest, case: str
) -> None:
    """A renderer that drops one kind's CREATE (this kind's only; a materialized view's
    for the materialized case): the apply succeeds, the object is missing, and the judge
    fails, naming it, on either major."""
    files, missing = SKIPPED_CREATES[case]
    cls = _change_class(case.split("(")[0])
    original = render_change.dispatch(cls)
    materialized = case.endswith("(materialized)")

    def broken(change: Change) -> list[str]:
        view = getattr(change, "view", None)
        if cls.__name__ == "CreateView" and bool(getattr(view, "materialized", False)) != materialized:
            return list(original(change))
        return []

    t = blank_target
    if case == "CreateEventTrigger":  # only a superuser creates event triggers
        t = Target(request.getfixturevalue("baseline_db"), t.shadow, t.schema_dir)
    write(t, files)
    render_change.register(cls, broken)
    try:
        res = t.apply()
    finally:
        render_change.register(cls, original)
    assert res.exit_code == 0, res.output
    with pytest.raises(JudgeError) as info:
        judge_schema_dir(t.url, t.judge_admin, t.schema_dir)
    assert missing in str(info.value), str(info.value)
    # Rendered whole, the same files satisfy the judge: the failure was the skipped CREATE.
    t.converge()
