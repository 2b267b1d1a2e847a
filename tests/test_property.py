"""The fixed point: plan, apply, plan again gives nothing — on random schema pairs.

For a pair (A, B) drawn by tests/schemagen.py:
1. load A's SQL into a fresh database (the Supabase baseline included);
2. plan from that database to B's files (normalized through a shadow) and apply;
3. the database's model equals B's, a second plan is empty, and running the same
   migration script again changes nothing.

Examples: 200 by default (the CI profile). More on demand:
``SCHEMAKIT_PROPERTY_EXAMPLES=2000 pytest tests/test_property.py``.
Shrunk failures are kept below as explicit regression cases (REGRESSIONS).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from schemakit.apply import apply_plan
from schemakit.catalog import read_model
from schemakit.desired import desired_model
from schemakit.diff import diff_models
from schemakit.render.formats import script
from schemakit.server import shadow
from schemakit.source import load_schema_dir
from schemakit.workflow import plan_models, row_probe

from tests.helpers import JUDGE
from tests.judge import judge_sql
from tests.schemagen import Spec, pairs, render

EXAMPLES = int(os.environ.get("SCHEMAKIT_PROPERTY_EXAMPLES", "200"))
#: The judge (about 1 s an example: a database and two pg_dumps) runs on every k-th
#: example of test_fixed_point (SCHEMAKIT_JUDGE_EVERY=k; 1, every one, by default)
#: and on every regression case.
JUDGE_EVERY = max(1, int(os.environ.get("SCHEMAKIT_JUDGE_EVERY", "1")))
_examples = itertools.count()


def converge(admin_url: str, a_sql: str, b_sql: str, *, judged: bool = JUDGE) -> None:
    """Load A, plan and apply B, and assert the fixed point (raises AssertionError).

    ``judged`` (default: on unless SCHEMAKIT_JUDGE=0): then the independent judge
    (tests/judge.py) compares the target with a psql load of B's SQL, by pg_dump.
    """
    with tempfile.TemporaryDirectory(prefix="schemakit-prop-") as tmp:
        schema = Path(tmp) / "schema"
        schema.mkdir()
        (schema / "schema.sql").write_text(b_sql, encoding="utf-8")
        desired = desired_model(load_schema_dir(schema), admin_url)
    with shadow.temporary_database(admin_url, baseline=True, prefix="schemakit_prop") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(a_sql.encode())
            plan = plan_models(read_model(conn), desired, row_probe(conn))
            apply_plan(conn, plan)
            after = read_model(conn)
            leftover = [c.describe() for c in diff_models(after, desired)]
            assert not leftover, f"second plan not empty:\n{leftover}\n\nplan was:\n{script(plan)}"
            assert after.fingerprint() == desired.fingerprint()
            conn.execute(script(plan).encode())
            again = read_model(conn)
            assert again.to_json() == after.to_json(), "re-running the migration script changed the database"
        if judged:
            judge_sql(url, admin_url, b_sql)


def _describe(a: Spec, b: Spec) -> str:
    return f"--- A ---\n{render(a)}\n--- B ---\n{render(b)}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
@given(pair=pairs())
def test_fixed_point(pg_admin_url: str, pair: tuple[Spec, Spec]) -> None:
    a, b = pair
    try:
        converge(pg_admin_url, render(a), render(b), judged=JUDGE and next(_examples) % JUDGE_EVERY == 0)
    except (AssertionError, psycopg.Error, Exception) as exc:
        raise AssertionError(f"{exc}\n{_describe(a, b)}") from exc


# Failures test_fixed_point found (shrunk by hand), kept as explicit cases: (name, A, B).
REGRESSIONS: list[tuple[str, str, str]] = [
    (
        "drop a column a generated column uses",
        "CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 bigint, g bigint GENERATED ALWAYS AS (c0 * 2) STORED);",
        "CREATE TABLE public.t0 (id bigint PRIMARY KEY);",
    ),
    (
        "drop a table whose trigger calls a dropped function",
        """CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TABLE app.t2 (id bigint PRIMARY KEY);
        CREATE TRIGGER t2_touch BEFORE UPDATE ON app.t2 FOR EACH ROW EXECUTE FUNCTION public.touch();""".replace(
            "CREATE TABLE app", "CREATE SCHEMA app; CREATE TABLE app"
        ),
        "CREATE SCHEMA app;",
    ),
    (
        "a view becomes a materialized view of the same name",
        "CREATE TABLE public.t0 (id bigint PRIMARY KEY); CREATE VIEW public.v0 AS SELECT id FROM public.t0;",
        "CREATE TABLE public.t0 (id bigint PRIMARY KEY); CREATE MATERIALIZED VIEW public.v0 AS SELECT id FROM public.t0;",
    ),
    (
        "retype a column a policy and a CHECK use",
        """CREATE TABLE public.t1 (id bigint PRIMARY KEY, c1 smallint CHECK (c1 >= 0));
        CREATE POLICY "policy 0" ON public.t1 FOR ALL TO authenticated USING (c1 > 0);""",
        """CREATE TABLE public.t1 (id bigint PRIMARY KEY, c1 integer CHECK (c1 >= 0));
        CREATE POLICY "policy 0" ON public.t1 FOR ALL TO authenticated USING (c1 > 0);""",
    ),
    (
        "remove enum values while a dropped column still has the type",
        """CREATE TYPE public.mood0 AS ENUM ('d', 'a', 'b', 'c');
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.mood0 NOT NULL DEFAULT 'd');""",
        """CREATE TYPE public.mood0 AS ENUM ('a', 'b');
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, n1 public.mood0 DEFAULT 'a');""",
    ),
    (
        "enum values added in front of the first old one",
        "CREATE TYPE public.mood0 AS ENUM ('a', 'b');",
        "CREATE TYPE public.mood0 AS ENUM ('c', 'f', 'a', 'b');",
    ),
    (
        "identity becomes serial, table keeps its comment on a recreated index",
        """CREATE TABLE public.t2 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, c2 smallint);
        CREATE INDEX t2_ix0 ON public.t2 (c2); COMMENT ON INDEX public.t2_ix0 IS 'an index';""",
        """CREATE TABLE public.t2 (id bigserial PRIMARY KEY, c2 integer);
        CREATE INDEX t2_ix0 ON public.t2 (c2); COMMENT ON INDEX public.t2_ix0 IS 'an index';""",
    ),
    (
        "an enum value removed while a column's old default still uses it",
        """CREATE TYPE public.mood0 AS ENUM ('f', 'd', 'e');
        CREATE TABLE public.t1 (id bigint PRIMARY KEY, c0 public.mood0 DEFAULT 'f');""",
        """CREATE TYPE public.mood0 AS ENUM ('d', 'e');
        CREATE TABLE public.t1 (id bigint PRIMARY KEY, c0 public.mood0);""",
    ),
    (
        "a domain's base type changes under columns, an index and a view",
        """CREATE DOMAIN public.dom0 AS integer NOT NULL CHECK (VALUE < 10);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.dom0 DEFAULT 1, c1 public.dom0);
        CREATE INDEX t0_ix0 ON public.t0 (c0); CREATE VIEW public.v0 AS SELECT id, c0 FROM public.t0;""",
        """CREATE DOMAIN public.dom0 AS bigint NOT NULL CHECK (VALUE < 10);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.dom0 DEFAULT 1, c1 integer);
        CREATE INDEX t0_ix0 ON public.t0 (c0); CREATE VIEW public.v0 AS SELECT id, c0 FROM public.t0;""",
    ),
    (
        "a composite's attribute types change under a column and a view",
        """CREATE TYPE public.pair0 AS (f0 integer, f1 text);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.pair0, c1 text);
        CREATE VIEW public.v0 AS SELECT id, c0 FROM public.t0;""",
        """CREATE TYPE public.pair0 AS (f0 text, f1 boolean);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.pair0, c1 public.pair0);
        CREATE VIEW public.v0 AS SELECT id, c0 FROM public.t0;""",
    ),
]


@pytest.mark.parametrize(("name", "a_sql", "b_sql"), REGRESSIONS, ids=[r[0] for r in REGRESSIONS])
def test_regression(pg_admin_url: str, name: str, a_sql: str, b_sql: str) -> None:
    converge(pg_admin_url, a_sql, b_sql)
