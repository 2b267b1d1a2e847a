"""Renames (issue 15): ``-- schemakit: renamed-from <old>`` directives plan ALTER ... RENAME
and keep the data; a drop and an add of the same shape are suggested as a rename."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from schemakit.server.embedded import bin_path
from tests.helpers import Target, model_of, query


@pytest.fixture
def target(blank_target: Target) -> Target:
    return blank_target


def write(t: Target, text: str) -> None:
    (t.schema_dir / "schema.sql").write_text(text)


def psql(url: str, script: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_path("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(script)],
        capture_output=True,
        text=True,
    )


def renamed(t: Target, tmp_path: Path, text: str) -> str:
    """Write ``text``, run the plan's script twice with psql (the second run changes
    nothing), and check that a re-plan (directives still in place) is empty. Returns
    the plan's text."""
    write(t, text)
    plan = t.plan()
    assert plan.exit_code == 0, plan.output
    script = tmp_path / "rename.sql"
    res = t.plan("--format", "sql", "--out", str(script))
    assert res.exit_code == 0, res.output
    first = psql(t.url, script)
    assert first.returncode == 0, first.stderr
    again = t.plan("--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output
    second = psql(t.url, script)
    assert second.returncode == 0, second.stderr
    assert t.plan("--detailed-exitcode").exit_code == 0
    return plan.stdout


TABLE_BEFORE = """
CREATE TABLE public.memos (
    id bigserial PRIMARY KEY,
    body text NOT NULL CHECK (body <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memos_created_at_idx ON public.memos (created_at);
"""

TABLE_AFTER = """
-- schemakit: renamed-from memos
CREATE TABLE public.notes (
    id bigserial PRIMARY KEY,
    body text NOT NULL CHECK (body <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_created_at_idx ON public.notes (created_at);
"""


def test_declared_table_rename_keeps_rows(target: Target, tmp_path: Path) -> None:
    write(target, TABLE_BEFORE)
    target.converge()
    query(target.url, "INSERT INTO public.memos (body) VALUES ('a'), ('b')")
    text = renamed(target, tmp_path, TABLE_AFTER)
    assert "rename table public.memos to notes" in text
    # what PostgreSQL named after the table follows it: constraints, index, serial sequence
    for line in (
        "rename constraint memos_pkey to notes_pkey",
        "rename constraint memos_body_check to notes_body_check",
        "rename index memos_created_at_idx to notes_created_at_idx",
        "rename sequence public.memos_id_seq to notes_id_seq",
    ):
        assert line in text, text
    assert "Plan: 5 changes (5 to alter)." in text, text
    assert query(target.url, "SELECT id, body FROM public.notes ORDER BY id") == [(1, "a"), (2, "b")]
    # the serial sequence followed: the next id continues
    query(target.url, "INSERT INTO public.notes (body) VALUES ('c')")
    assert query(target.url, "SELECT max(id) FROM public.notes") == [(3,)]


COLUMN_BEFORE = """
CREATE TABLE public.people (
    id int PRIMARY KEY,
    full_name text NOT NULL,
    CONSTRAINT people_full_name_check CHECK (length(full_name) < 100)
);
CREATE INDEX people_full_name_idx ON public.people (full_name);
"""

COLUMN_AFTER = """
CREATE TABLE public.people (
    id int PRIMARY KEY,
    display_name text NOT NULL,  -- schemakit: renamed-from full_name
    CONSTRAINT people_full_name_check CHECK (length(display_name) < 100)
);
CREATE INDEX people_full_name_idx ON public.people (display_name);
"""


def test_declared_column_rename_keeps_rows(target: Target, tmp_path: Path) -> None:
    write(target, COLUMN_BEFORE)
    target.converge()
    query(target.url, "INSERT INTO public.people VALUES (1, 'Ada'), (2, 'Alan')")
    text = renamed(target, tmp_path, COLUMN_AFTER)
    assert "rename column full_name to display_name" in text
    assert "Plan: 1 change " in text, text  # the check and the index follow the column
    assert query(target.url, "SELECT id, display_name FROM public.people ORDER BY id") == [(1, "Ada"), (2, "Alan")]


def test_declared_column_rename_on_alter_table_add_column(target: Target, tmp_path: Path) -> None:
    write(target, "CREATE TABLE public.t (id int PRIMARY KEY);\nALTER TABLE public.t ADD COLUMN a text;\n")
    target.converge()
    query(target.url, "INSERT INTO public.t VALUES (1, 'x')")
    text = renamed(
        target,
        tmp_path,
        "CREATE TABLE public.t (id int PRIMARY KEY);\n-- schemakit: renamed-from a\nALTER TABLE public.t ADD COLUMN b text;\n",
    )
    assert "rename column a to b" in text
    assert query(target.url, "SELECT id, b FROM public.t") == [(1, "x")]


ENUM_BEFORE = """
CREATE TYPE public.mood AS ENUM ('sad', 'ok');
CREATE TABLE public.feelings (id int PRIMARY KEY, mood public.mood NOT NULL);
"""

ENUM_AFTER = """
CREATE TYPE public.mood AS ENUM (
    'unhappy',  -- schemakit: renamed-from 'sad'
    'ok'
);
CREATE TABLE public.feelings (id int PRIMARY KEY, mood public.mood NOT NULL);
"""


def test_declared_enum_value_rename_keeps_rows(target: Target, tmp_path: Path) -> None:
    write(target, ENUM_BEFORE)
    target.converge()
    query(target.url, "INSERT INTO public.feelings VALUES (1, 'sad'), (2, 'ok')")
    text = renamed(target, tmp_path, ENUM_AFTER)
    assert "rename value 'sad' to 'unhappy'" in text and "rebuild" not in text, text
    assert query(target.url, "SELECT id, mood::text FROM public.feelings ORDER BY id") == [(1, "unhappy"), (2, "ok")]
    assert query(target.url, "SELECT enum_range(NULL::public.mood)::text") == [("{unhappy,ok}",)]


KINDS_BEFORE = """
CREATE TYPE public.colour AS ENUM ('red', 'blue');
CREATE TABLE public.items (
    id int PRIMARY KEY,
    price numeric NOT NULL,
    colour public.colour,
    CONSTRAINT items_price_positive CHECK (price > 0)
);
CREATE INDEX items_price_idx ON public.items (price);
ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;
CREATE POLICY items_read ON public.items FOR SELECT USING (price > 1);
CREATE VIEW public.cheap_items AS SELECT id, price FROM public.items WHERE price < 10;
CREATE FUNCTION public.twice(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
"""

KINDS_AFTER = """
-- schemakit: renamed-from colour
CREATE TYPE public.color AS ENUM ('red', 'blue');
CREATE TABLE public.items (
    id int PRIMARY KEY,
    price numeric NOT NULL,
    colour public.color,
    CONSTRAINT items_price_check CHECK (price > 0)  -- schemakit: renamed-from items_price_positive
);
-- schemakit: renamed-from items_price_idx
CREATE INDEX items_by_price ON public.items (price);
ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;
-- schemakit: renamed-from items_read
CREATE POLICY items_select ON public.items FOR SELECT USING (price > 1);
-- schemakit: renamed-from public.cheap_items
CREATE VIEW public.bargains AS SELECT id, price FROM public.items WHERE price < 10;
-- schemakit: renamed-from twice
CREATE FUNCTION public.double(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
"""


def test_declared_renames_of_every_kind(target: Target, tmp_path: Path) -> None:
    write(target, KINDS_BEFORE)
    target.converge()
    query(target.url, "INSERT INTO public.items VALUES (1, 5, 'red')")
    oids = "SELECT 'public.items'::regclass::oid, 'public.color'::regtype::oid"
    text = renamed(target, tmp_path, KINDS_AFTER)
    for line in (
        "rename type public.colour to color",
        "rename constraint items_price_positive to items_price_check",
        "rename index items_price_idx to items_by_price",
        "rename policy items_read to items_select",
        "rename view public.cheap_items to bargains",
        "rename function public.twice(x numeric) to double",
    ):
        assert line in text, text
    assert "Plan: 6 changes (6 to alter)." in text, text
    assert query(target.url, "SELECT id, price::int, colour::text FROM public.items") == [(1, 5, "red")]
    assert query(target.url, "SELECT count(*) FROM public.bargains") == [(1,)]
    assert query(target.url, "SELECT public.double(2)::int") == [(4,)]
    assert query(target.url, oids)  # the type kept its identity (regtype resolves)


def test_declared_domain_and_materialized_view_renames(target: Target, tmp_path: Path) -> None:
    write(target, """
CREATE DOMAIN public.posint AS int CONSTRAINT positive CHECK (VALUE > 0);
CREATE TABLE public.n (v public.posint);
CREATE MATERIALIZED VIEW public.n_sum AS SELECT sum(v) AS s FROM public.n;
""")
    target.converge()
    text = renamed(target, tmp_path, """
-- schemakit: renamed-from posint
CREATE DOMAIN public.positive AS int CONSTRAINT positive CHECK (VALUE > 0);
CREATE TABLE public.n (v public.positive);
-- schemakit: renamed-from n_sum
CREATE MATERIALIZED VIEW public.n_total AS SELECT sum(v) AS s FROM public.n;
""")
    assert "rename type public.posint to positive" in text and "rename materialized view public.n_sum to n_total" in text
    assert "Plan: 2 changes" in text, text


def test_directive_naming_nothing_is_an_error_at_the_directive(target: Target) -> None:
    write(target, "CREATE TABLE public.t (\n    id int,\n    b text  -- schemakit: renamed-from nope\n);\n")
    res = target.plan()
    assert res.exit_code == 1
    assert "schema.sql:3:13: error: renamed-from names column nope of public.t" in res.output, res.output
    assert "^" in res.output
    write(target, "-- schemakit: renamed-from nothing_here\nCREATE TABLE public.t (id int);\n")
    res = target.plan()
    assert res.exit_code == 1 and "schema.sql:1:1: error: renamed-from names table public.nothing_here" in res.output, res.output


def test_directive_on_a_statement_without_a_rename_is_an_error(target: Target) -> None:
    write(target, "CREATE TABLE public.t (id int);\n-- schemakit: renamed-from x\nCOMMENT ON TABLE public.t IS 'x';\n")
    res = target.plan()
    assert res.exit_code == 1 and "schema.sql:2:1: error: a renamed-from directive belongs on" in res.output, res.output


SUGGEST_BEFORE = "CREATE TABLE public.accounts (id int PRIMARY KEY, nickname text);\n"
SUGGEST_AFTER = "CREATE TABLE public.accounts (id int PRIMARY KEY, handle text);\n"


def test_suggested_column_rename_in_text_markdown_and_json(target: Target) -> None:
    write(target, SUGGEST_BEFORE)
    target.converge()
    write(target, SUGGEST_AFTER)
    directive = "-- schemakit: renamed-from nickname"
    text = target.plan()
    assert text.exit_code == 0
    assert "possible rename: column nickname of public.accounts → handle (text)" in text.stdout, text.stdout
    assert directive in text.stdout
    md = target.plan("--format", "markdown")
    assert "possible rename" in md.stdout and directive in md.stdout, md.stdout
    data = json.loads(target.plan("--format", "json").stdout)
    assert data["possible_renames"] == [
        {"kind": "column", "old": "nickname", "new": "handle", "on": "public.accounts", "directive": directive}
    ]
    # declared, the suggestion becomes the rename
    write(target, SUGGEST_AFTER.replace("handle text", "handle text  " + directive + "\n"))
    plan = target.plan()
    assert "rename column nickname to handle" in plan.stdout and "possible rename" not in plan.stdout, plan.stdout


def test_detailed_exitcode_reports_changes_with_a_suggestion(target: Target) -> None:
    write(target, SUGGEST_BEFORE)
    target.converge()
    write(target, SUGGEST_AFTER)
    plan = target.plan("--detailed-exitcode")
    assert plan.exit_code == 2 and "possible rename" in plan.stdout, plan.output


def test_suggested_renames_of_a_table_and_an_index(target: Target) -> None:
    write(target, "CREATE TABLE public.memos (id int, body text);\nCREATE INDEX by_body ON public.memos (body);\n"
                  "CREATE TYPE public.colour AS ENUM ('red', 'blue');\n")
    target.converge()
    write(target, "CREATE TABLE public.memos (id int, body text);\nCREATE INDEX memos_body ON public.memos (body);\n"
                  "CREATE TABLE public.notes (id int, body text);\nCREATE TYPE public.color AS ENUM ('red', 'blue');\n")
    plan = target.plan()
    assert "possible rename: index by_body of public.memos → memos_body" in plan.stdout, plan.stdout
    assert "possible rename: type colour → color" in plan.stdout, plan.stdout
    assert "possible rename: table" not in plan.stdout  # memos stays: nothing dropped
    assert "-- schemakit: renamed-from by_body" in plan.stdout


def test_directive_when_both_names_exist_is_an_error(target: Target) -> None:
    write(target, "CREATE TABLE public.memos (id int);\nCREATE TABLE public.notes (id int);\n")
    target.converge()
    write(target, "-- schemakit: renamed-from memos\nCREATE TABLE public.notes (id int);\n")
    res = target.plan()
    assert res.exit_code == 1, res.output
    assert "schema.sql:1:1: error: the target has both table public.memos and table public.notes" in res.output, res.output
    write(target, "CREATE TABLE public.memos (id int);\n-- schemakit: renamed-from memos\nCREATE TABLE public.notes (id int);\n")
    res = target.plan()
    assert res.exit_code == 1 and "table public.memos is still declared" in res.output, res.output


def test_no_suggestion_for_another_type(target: Target) -> None:
    write(target, SUGGEST_BEFORE)
    target.converge()
    write(target, SUGGEST_AFTER.replace("handle text", "handle int"))
    plan = target.plan("--detailed-exitcode")
    assert plan.exit_code == 2 and "possible rename" not in plan.stdout, plan.stdout


def test_declared_rename_through_apply(target: Target) -> None:
    write(target, TABLE_BEFORE)
    target.converge()
    query(target.url, "INSERT INTO public.memos (body) VALUES ('kept')")
    write(target, TABLE_AFTER)
    target.converge()
    assert query(target.url, "SELECT body FROM public.notes") == [("kept",)]
    assert query(target.url, "SELECT to_regclass('public.memos')") == [(None,)]


def test_directive_positions(tmp_path: Path) -> None:
    """Where a directive sits decides what it renames (no database needed)."""
    from schemakit.renames import declared_renames
    from schemakit.source import load_schema_dir

    (tmp_path / "a.sql").write_text(
        "-- a table\n"
        "-- schemakit: renamed-from public.\"Old Things\"\n"
        "CREATE TABLE public.things (\n"
        "    id int,  -- schemakit: renamed-from ident\n"
        "    -- schemakit: renamed-from label\n"
        "    name text,\n"
        "    CONSTRAINT things_name_check CHECK (name <> '')  -- schemakit: renamed-from name_ok\n"
        ");\n"
        "CREATE TYPE public.mood AS ENUM ('happy', -- schemakit: renamed-from 'glad'\n"
        "    'it''s ok'  -- schemakit: renamed-from 'meh'\n"
        ");\n"
        "CREATE TABLE public.one (a int -- schemakit: renamed-from b\n);\n"
    )
    found = [(d.kind, d.new, d.old, d.on, d.location.line) for d in declared_renames(load_schema_dir(tmp_path))]
    assert found == [
        ("table", "things", "Old Things", None, 2),
        ("column", "id", "ident", "things", 4),
        ("column", "name", "label", "things", 5),
        ("constraint", "things_name_check", "name_ok", "things", 7),
        ("enum value", "happy", "glad", "mood", 9),
        ("enum value", "it's ok", "meh", "mood", 10),
        ("column", "a", "b", "one", 12),
    ]


# -- the pre-pass's model is what PostgreSQL reads after the renames ------------------

REWRITE_BEFORE = """
CREATE TYPE public.colour AS ENUM ('red');
CREATE DOMAIN public.posint AS int CONSTRAINT positive CHECK (VALUE > 0);
CREATE TYPE public.pair AS (a public.colour, b int);
CREATE TABLE public.memos (id serial PRIMARY KEY, c public.colour, n public.posint, p public.pair, d int DEFAULT 1,
   g int GENERATED ALWAYS AS (d * 2) STORED, CONSTRAINT memos_d_check CHECK (d > 0 AND c IS NOT NULL), UNIQUE (c, d));
CREATE INDEX memos_c_idx ON public.memos (c) WHERE d > 0;
CREATE TABLE public.refs (id int PRIMARY KEY, memo int, cc public.colour, CONSTRAINT refs_fk FOREIGN KEY (memo) REFERENCES public.memos (id));
CREATE VIEW public.v AS SELECT memos.id, memos.c FROM public.memos JOIN public.refs ON refs.memo = memos.id;
CREATE VIEW public.w AS SELECT c, id FROM public.memos WHERE c = 'red';
CREATE FUNCTION public.f(x public.colour) RETURNS public.colour LANGUAGE sql AS $$ SELECT x $$;
CREATE FUNCTION public.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t BEFORE UPDATE OF c ON public.memos FOR EACH ROW WHEN (NEW.c IS DISTINCT FROM OLD.c) EXECUTE FUNCTION public.trg();
ALTER TABLE public.memos ENABLE ROW LEVEL SECURITY;
CREATE POLICY pol ON public.memos FOR SELECT USING (c = 'red' AND d > 0);
GRANT SELECT (c, d) ON public.memos TO anon;
GRANT SELECT ON public.memos TO authenticated;
GRANT EXECUTE ON FUNCTION public.f(public.colour) TO anon;
GRANT USAGE ON TYPE public.colour TO anon;
COMMENT ON COLUMN public.memos.c IS 'the colour';
"""


def test_rewritten_model_equals_the_catalog_after_the_renames(target: Target) -> None:
    """Renamed in the model (schemakit.renames.rewrite) and renamed by PostgreSQL, then
    read: the same objects, texts and dependency edges."""
    from schemakit.renames import rewrite

    write(target, REWRITE_BEFORE)
    target.converge()
    a = model_of(target.url)
    query(target.url, """ALTER TYPE public.colour RENAME TO color; ALTER FUNCTION public.trg() RENAME TO on_update;
      ALTER TABLE public.memos RENAME TO notes; ALTER TABLE public.notes RENAME COLUMN c TO col;
      ALTER TABLE public.notes RENAME COLUMN d TO dd; ALTER TABLE public.notes RENAME COLUMN id TO memo_id; ALTER INDEX public.memos_c_idx RENAME TO notes_c_idx;
      ALTER TABLE public.notes RENAME CONSTRAINT memos_d_check TO notes_d_check; ALTER POLICY pol ON public.notes RENAME TO pol2;
      ALTER VIEW public.w RENAME TO w2; ALTER DOMAIN public.posint RENAME TO positive""")
    b = model_of(target.url)
    m = rewrite.rename_type(a, a.objects[("type", "public.colour")], "color")
    m = rewrite.rename_function(m, m.objects[("function", "public.trg()")], "on_update")
    m = rewrite.rename_relation(m, m.objects[("table", "public.memos")], "notes")
    m = rewrite.rename_column(m, m.objects[("table", "public.notes")], "c", "col")
    m = rewrite.rename_column(m, m.objects[("table", "public.notes")], "d", "dd")
    m = rewrite.rename_column(m, m.objects[("table", "public.notes")], "id", "memo_id")
    m = rewrite.rename_named(m, m.objects[("index", "public.memos_c_idx")], "notes_c_idx")
    m = rewrite.rename_named(m, m.objects[("table constraint", "memos_d_check on public.notes")], "notes_d_check")
    m = rewrite.rename_named(m, m.objects[("policy", "pol on public.notes")], "pol2")
    m = rewrite.rename_relation(m, m.objects[("view", "public.w")], "w2")
    m = rewrite.rename_type(m, m.objects[("type", "public.posint")], "positive")
    assert m.objects == b.objects
    assert m.depends == b.depends


def test_type_renamed_and_given_a_value_in_one_plan(target: Target, tmp_path: Path) -> None:
    """The value is added under the new name in the enum values' phase, so the rename runs
    there first."""
    write(target, "CREATE TYPE public.colour AS ENUM ('red');\nCREATE TABLE public.t (c public.colour);\n")
    target.converge()
    query(target.url, "INSERT INTO public.t VALUES ('red')")
    text = renamed(target, tmp_path, (
        "-- schemakit: renamed-from colour\nCREATE TYPE public.color AS ENUM ('red', 'green');\n"
        "CREATE TABLE public.t (c public.color);\n"
    ))
    assert "rename type public.colour to color" in text and "add value 'green'" in text, text
    assert query(target.url, "SELECT enum_range(NULL::public.color)::text, (SELECT c::text FROM public.t)") == [("{red,green}", "red")]
