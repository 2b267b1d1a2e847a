"""Columns and table properties on schemas written elsewhere (issue 12, points 2, 3, 7, 11).

Each applying test runs the emitted script, checks the real catalog with SQL (not only
schemakit's re-plan, which would converge on its own), asserts an empty re-plan, and
runs the script a second time to check it changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Target, query
from tests.test_core import _psql


@pytest.fixture
def target(blank_target: Target) -> Target:
    return blank_target


def write(t: Target, text: str) -> None:
    (t.schema_dir / "schema.sql").write_text(text)


CATALOG = """
SELECT 'rel', c.relname, c.oid::bigint, c.relpersistence::text FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
UNION ALL SELECT 'inh', i.inhrelid::regclass::text, i.inhseqno::bigint, i.inhparent::regclass::text
  FROM pg_inherits i
UNION ALL SELECT 'att', a.attrelid::regclass::text || '.' || a.attname, a.attinhcount::bigint,
  a.attislocal::text || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
  || ' ' || a.attidentity::text || ' ' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL SELECT 'ext', extname, 0, extversion FROM pg_extension
ORDER BY 1, 2
"""


def catalog(t: Target) -> list[tuple[Any, ...]]:
    return query(t.url, CATALOG)


def establish(t: Target, text: str) -> None:
    """The target's starting state, loaded directly (a schema written elsewhere)."""
    query(t.url, text)


def converge(t: Target, text: str, tmp_path: Path) -> str:
    """Write the files, run the planned script, check a re-plan is empty and a second run
    of the script changes nothing; returns the script."""
    write(t, text)
    script = tmp_path / "plan.sql"
    res = t.plan("--format", "sql", "--out", str(script))
    assert res.exit_code == 0, res.output
    first = _psql(t.url, script)
    assert first.returncode == 0, first.stderr + script.read_text()
    again = t.plan("--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output
    before = catalog(t)
    second = _psql(t.url, script)
    assert second.returncode == 0, second.stderr
    assert catalog(t) == before
    assert "No changes" in t.plan().stdout
    return script.read_text()


def hazards(t: Target, text: str) -> list[dict[str, Any]]:
    write(t, text)
    res = t.plan("--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    out: list[dict[str, Any]] = []
    for step in data["steps"]:
        out.extend(step.get("hazards", []))
    return out


# -- 2. a column moving from one enum type to another ----------------------------

ENUMS = """
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE public.feeling AS ENUM ('sad', 'ok', 'happy', 'elated');
"""


def test_enum_to_another_enum_keeps_values_and_default(target: Target, tmp_path: Path) -> None:
    establish(
        target,
        ENUMS + "CREATE TABLE public.people (id int PRIMARY KEY, m public.mood NOT NULL DEFAULT 'ok', "
        "ms public.mood[]);\n"
        "INSERT INTO public.people VALUES (1, 'sad', '{sad,happy}'), (2, 'happy', NULL);",
    )
    converge(
        target,
        ENUMS + "CREATE TABLE public.people (id int PRIMARY KEY, m public.feeling NOT NULL DEFAULT 'ok', "
        "ms public.feeling[]);\n",
        tmp_path,
    )
    assert query(target.url, "SELECT id, m::text, ms::text FROM public.people ORDER BY 1") == [
        (1, "sad", "{sad,happy}"),
        (2, "happy", None),
    ]
    assert query(
        target.url,
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'public.people'::regclass AND attname IN ('m', 'ms') ORDER BY attname",
    ) == [("feeling",), ("feeling[]",)]
    assert query(target.url, "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'public.people'::regclass") == [
        ("'ok'::feeling",)
    ]
    query(target.url, "INSERT INTO public.people (id) VALUES (3)")
    assert query(target.url, "SELECT m::text FROM public.people WHERE id = 3") == [("ok",)]


def test_enum_to_text_and_back_keeps_the_default(target: Target, tmp_path: Path) -> None:
    establish(
        target,
        ENUMS + "CREATE TABLE public.people (id int PRIMARY KEY, m public.mood DEFAULT 'ok');\n"
        "INSERT INTO public.people VALUES (1, 'sad');",
    )
    converge(target, ENUMS + "CREATE TABLE public.people (id int PRIMARY KEY, m text DEFAULT 'ok');\n", tmp_path)
    converge(target, ENUMS + "CREATE TABLE public.people (id int PRIMARY KEY, m public.feeling DEFAULT 'ok');\n", tmp_path)
    assert query(target.url, "SELECT m::text, pg_typeof(m)::text FROM public.people") == [("sad", "feeling")]


def test_domain_to_builtin_keeps_the_direct_cast(target: Target, tmp_path: Path) -> None:
    """A domain casts as its base type does (numeric → integer rounds); through text it
    would fail on '1.6'."""
    dom = "CREATE DOMAIN public.amount AS numeric;\n"
    establish(target, dom + "CREATE TABLE public.bills (id int PRIMARY KEY, a public.amount);\n"
              "INSERT INTO public.bills VALUES (1, 1.6);")
    script = converge(target, dom + "CREATE TABLE public.bills (id int PRIMARY KEY, a integer);\n", tmp_path)
    assert "::text::" not in script
    assert query(target.url, "SELECT a FROM public.bills") == [(2,)]


# -- 3. identity added to a nullable column ----------------------------------------


def test_identity_added_to_a_nullable_column_with_rows(target: Target, tmp_path: Path) -> None:
    establish(
        target,
        "CREATE TABLE public.things (id bigint, name text);\n"
        "INSERT INTO public.things VALUES (1, 'a'), (5, 'b');",
    )
    converge(
        target,
        "CREATE TABLE public.things (id bigint GENERATED BY DEFAULT AS IDENTITY, name text);\n",
        tmp_path,
    )
    assert query(
        target.url,
        "SELECT attnotnull, attidentity::text FROM pg_attribute WHERE attrelid = 'public.things'::regclass AND attname = 'id'",
    ) == [(True, "d")]
    query(target.url, "INSERT INTO public.things (name) VALUES ('c')")
    assert query(target.url, "SELECT id, name FROM public.things ORDER BY id") == [(1, "a"), (5, "b"), (6, "c")]


# -- 7. table properties ------------------------------------------------------------


def _persistence(t: Target, name: str) -> str:
    return str(query(t.url, "SELECT relpersistence::text FROM pg_class WHERE oid = %s::regclass", (name,))[0][0])


def test_unlogged_to_logged_and_back(target: Target, tmp_path: Path) -> None:
    establish(
        target,
        "CREATE UNLOGGED TABLE public.cache (k text PRIMARY KEY, v text);\n"
        "INSERT INTO public.cache VALUES ('a', '1');",
    )
    assert _persistence(target, "public.cache") == "u"
    converge(target, "CREATE TABLE public.cache (k text PRIMARY KEY, v text);\n", tmp_path)
    assert _persistence(target, "public.cache") == "p"
    converge(target, "CREATE UNLOGGED TABLE public.cache (k text PRIMARY KEY, v text);\n", tmp_path)
    assert _persistence(target, "public.cache") == "u"
    assert query(target.url, "SELECT k, v FROM public.cache") == [("a", "1")]


def test_unlogged_change_is_a_hazard_on_an_existing_table(target: Target) -> None:
    establish(target, "CREATE TABLE public.cache (k text PRIMARY KEY);\nINSERT INTO public.cache VALUES ('a');")
    found = {h["name"] for h in hazards(target, "CREATE UNLOGGED TABLE public.cache (k text PRIMARY KEY);\n")}
    assert {"TABLE_REWRITE", "ACQUIRES_ACCESS_EXCLUSIVE_LOCK"} <= found


def test_new_unlogged_table(target: Target, tmp_path: Path) -> None:
    converge(target, "CREATE UNLOGGED TABLE public.cache (k text PRIMARY KEY);\n", tmp_path)
    assert _persistence(target, "public.cache") == "u"


PARENT = "CREATE TABLE public.base (id bigint NOT NULL, created timestamptz DEFAULT now());\n"


def _columns(t: Target, table: str) -> list[tuple[Any, ...]]:
    return query(
        t.url,
        "SELECT attname, attislocal, attinhcount FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attname",
        (table,),
    )


def _parents(t: Target, table: str) -> list[tuple[Any, ...]]:
    return query(
        t.url, "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = %s::regclass ORDER BY inhseqno", (table,)
    )


def test_child_created_with_its_parent(target: Target, tmp_path: Path) -> None:
    script = converge(
        target, PARENT + "CREATE TABLE public.child (note text) INHERITS (public.base);\n", tmp_path
    )
    assert "INHERITS" in script
    assert _parents(target, "public.child") == [("base",)]
    assert _columns(target, "public.child") == [("created", False, 1), ("id", False, 1), ("note", True, 0)]
    query(target.url, "INSERT INTO public.child (id, note) VALUES (1, 'x')")
    assert query(target.url, "SELECT id FROM public.base") == [(1,)]


def test_parent_changes_reach_the_child_through_the_parent(target: Target, tmp_path: Path) -> None:
    child = "CREATE TABLE public.child (note text) INHERITS (public.base);\n"
    converge(target, PARENT + child, tmp_path)
    query(target.url, "INSERT INTO public.child (id, note) VALUES (1, 'x')")
    changed = PARENT.replace("id bigint", "id numeric").replace(");", ", extra int DEFAULT 1);")
    converge(target, changed + child + "COMMENT ON COLUMN public.child.extra IS 'from base';\n", tmp_path)
    assert _columns(target, "public.child") == [
        ("created", False, 1), ("extra", False, 1), ("id", False, 1), ("note", True, 0)
    ]
    assert query(target.url, "SELECT id::text, extra FROM public.child") == [("1", 1)]
    assert query(target.url, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                 "WHERE attrelid = 'public.child'::regclass AND attname = 'id'") == [("numeric",)]
    assert query(target.url, "SELECT col_description('public.child'::regclass, 4)") == [("from base",)]


def test_child_of_a_serial_parent_leaves_the_sequence_to_the_parent(target: Target, tmp_path: Path) -> None:
    converge(
        target,
        "CREATE TABLE public.base (id bigserial PRIMARY KEY, name text);\n"
        "CREATE TABLE public.child (note text) INHERITS (public.base);\n",
        tmp_path,
    )
    assert query(target.url, "SELECT pg_get_serial_sequence('public.base', 'id')") == [("public.base_id_seq",)]
    assert _columns(target, "public.child") == [("id", False, 1), ("name", False, 1), ("note", True, 0)]
    query(target.url, "INSERT INTO public.child (name) VALUES ('a')")
    query(target.url, "INSERT INTO public.base (name) VALUES ('b')")
    assert query(target.url, "SELECT id, name FROM public.base ORDER BY id") == [(1, "a"), (2, "b")]


def test_inheritance_added_and_removed_on_an_existing_table(target: Target, tmp_path: Path) -> None:
    establish(
        target,
        PARENT + "CREATE TABLE public.child (id bigint NOT NULL, created timestamptz DEFAULT now(), note text);\n"
        "INSERT INTO public.child (id, note) VALUES (7, 'kept');",
    )
    converge(target, PARENT + "CREATE TABLE public.child (note text) INHERITS (public.base);\n", tmp_path)
    assert _parents(target, "public.child") == [("base",)]
    assert [(n, c) for n, _, c in _columns(target, "public.child")] == [("created", 1), ("id", 1), ("note", 0)]
    assert query(target.url, "SELECT id FROM public.base") == [(7,)]
    converge(
        target,
        PARENT + "CREATE TABLE public.child (id bigint NOT NULL, created timestamptz DEFAULT now(), note text);\n",
        tmp_path,
    )
    assert _parents(target, "public.child") == []
    assert _columns(target, "public.child") == [("created", True, 0), ("id", True, 0), ("note", True, 0)]
    assert query(target.url, "SELECT id, note FROM public.child") == [(7, "kept")]
    assert query(target.url, "SELECT count(*) FROM public.base") == [(0,)]


def _versions(t: Target, name: str) -> list[str]:
    return [r[0] for r in query(t.url, "SELECT version FROM pg_available_extension_versions WHERE name = %s", (name,))]


def test_extension_version_pinned_differs_from_installed(target: Target, tmp_path: Path) -> None:
    versions = _versions(target, "hstore")
    assert {"1.7", "1.8"} <= set(versions), versions
    establish(target, "CREATE EXTENSION hstore WITH SCHEMA public VERSION '1.7';")
    script = converge(target, "CREATE EXTENSION hstore WITH SCHEMA public VERSION '1.8';\n", tmp_path)
    assert "UPDATE TO" in script
    assert query(target.url, "SELECT extversion FROM pg_extension WHERE extname = 'hstore'") == [("1.8",)]


def test_extension_version_not_pinned_is_not_compared(target: Target) -> None:
    establish(target, "CREATE EXTENSION hstore WITH SCHEMA public VERSION '1.7';")
    write(target, "CREATE EXTENSION hstore WITH SCHEMA public;\n")
    res = target.plan("--detailed-exitcode")
    assert res.exit_code == 0 and "No changes" in res.stdout, res.output


def test_new_extension_gets_its_pinned_version(target: Target, tmp_path: Path) -> None:
    converge(target, "CREATE EXTENSION hstore WITH SCHEMA public VERSION '1.7';\n", tmp_path)
    assert query(target.url, "SELECT extversion FROM pg_extension WHERE extname = 'hstore'") == [("1.7",)]


# -- 11. volatile defaults rewrite tables -------------------------------------------

THINGS = "CREATE TABLE public.things (id bigint PRIMARY KEY{extra});\n"


def test_volatile_default_on_an_existing_table_is_a_rewrite(target: Target) -> None:
    establish(target, THINGS.format(extra="") + "INSERT INTO public.things VALUES (1), (2);")
    found = hazards(target, THINGS.format(extra=", token uuid DEFAULT gen_random_uuid()"))
    rewrite = [h for h in found if h["name"] == "TABLE_REWRITE"]
    assert rewrite, found
    assert any(h["name"] == "ACQUIRES_ACCESS_EXCLUSIVE_LOCK" for h in found), found
    assert "backfill" in json.dumps(rewrite)
    write(target, THINGS.format(extra=", token uuid DEFAULT gen_random_uuid()"))
    assert target.apply().exit_code == 3  # gated: the table holds rows


@pytest.mark.parametrize("default", ["0", "now()", "'x'::text"])
def test_stable_or_constant_default_is_no_rewrite(target: Target, default: str) -> None:
    establish(target, THINGS.format(extra="") + "INSERT INTO public.things VALUES (1), (2);")
    kind = "timestamptz" if default == "now()" else "text" if "text" in default else "int"
    found = hazards(target, THINGS.format(extra=f", extra {kind} DEFAULT {default}"))
    assert not [h for h in found if h["name"] in ("TABLE_REWRITE", "ACQUIRES_ACCESS_EXCLUSIVE_LOCK")], found


@pytest.mark.parametrize("volatility, rewrites", [("VOLATILE", True), ("STABLE", False), ("IMMUTABLE STRICT", False)])
def test_default_calling_an_own_function(target: Target, volatility: str, rewrites: bool) -> None:
    establish(target, THINGS.format(extra="") + "INSERT INTO public.things VALUES (1), (2);")
    fn = f"CREATE FUNCTION public.code() RETURNS text LANGUAGE sql {volatility} AS $$ SELECT 'c' $$;\n"
    found = hazards(target, fn + THINGS.format(extra=", code text DEFAULT public.code()"))
    assert any(h["name"] == "TABLE_REWRITE" for h in found) == rewrites, found


def test_volatile_default_on_a_new_table_is_no_hazard(target: Target) -> None:
    found = hazards(target, THINGS.format(extra=", token uuid DEFAULT gen_random_uuid()"))
    assert found == []


def test_volatile_default_applies_and_fills_rows(target: Target, tmp_path: Path) -> None:
    establish(target, THINGS.format(extra="") + "INSERT INTO public.things VALUES (1), (2);")
    write(target, THINGS.format(extra=", token uuid DEFAULT gen_random_uuid()"))
    script = tmp_path / "plan.sql"
    assert target.plan("--format", "sql", "--out", str(script)).exit_code == 0
    assert _psql(target.url, script).returncode == 0
    assert "No changes" in target.plan().stdout
    assert query(target.url, "SELECT count(DISTINCT token) FROM public.things") == [(2,)]
    before = query(target.url, "SELECT id, token FROM public.things ORDER BY 1")
    assert _psql(target.url, script).returncode == 0
    assert query(target.url, "SELECT id, token FROM public.things ORDER BY 1") == before
    assert "No changes" in target.plan().stdout
