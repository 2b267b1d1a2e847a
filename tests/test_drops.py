"""Drops that something still depends on (issue 12, points 1 and 12a).

Each case loads A into a fresh baseline database, plans and applies B (the library
route, tests/test_property.py ``converge``), and asserts that the apply succeeds, that
the result has the desired fingerprint (comments and grants included) with an empty
re-plan, and that re-running the emitted script changes nothing. Rows in A check that
converted columns keep their values.
"""

from __future__ import annotations

import pytest

from tests.helpers import Target, query
from tests.test_property import converge

Case = tuple[str, str, str]


def _ids(cases: list[Case]) -> list[str]:
    return [c[0] for c in cases]


# -- point 1: a table dropped under a view that stays ------------------------------

TABLE_UNDER_VIEW: list[Case] = [
    (
        "a table become a view of that name under a kept view",
        """CREATE TABLE public.t1 (id bigint PRIMARY KEY);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY);
        CREATE VIEW public.v0 AS SELECT id FROM public.t0;
        COMMENT ON VIEW public.v0 IS 'the view';
        GRANT SELECT ON public.v0 TO anon;""",
        """CREATE TABLE public.t1 (id bigint PRIMARY KEY);
        CREATE VIEW public.t0 AS SELECT id FROM public.t1;
        CREATE VIEW public.v0 AS SELECT id FROM public.t0;
        COMMENT ON VIEW public.v0 IS 'the view';
        GRANT SELECT ON public.v0 TO anon;""",
    ),
    (
        "a view become a table of that name under a kept view",
        """CREATE TABLE public.t1 (id bigint PRIMARY KEY);
        CREATE VIEW public.v0 AS SELECT id FROM public.t1;
        CREATE VIEW public.v1 AS SELECT id FROM public.v0;""",
        """CREATE TABLE public.t1 (id bigint PRIMARY KEY);
        CREATE TABLE public.v0 (id bigint);
        CREATE VIEW public.v1 AS SELECT id FROM public.v0;""",
    ),
    (
        "a dropped table under a view that reads another table now",
        """CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 text);
        CREATE TABLE public.t1 (id bigint PRIMARY KEY);
        CREATE VIEW public.v0 AS SELECT id, c0 FROM public.t0;
        CREATE VIEW public.v1 AS SELECT id FROM public.v0;""",
        """CREATE TABLE public.t1 (id bigint PRIMARY KEY);
        CREATE VIEW public.v0 AS SELECT id, 'x'::text AS c0 FROM public.t1;
        CREATE VIEW public.v1 AS SELECT id FROM public.v0;""",
    ),
    (
        "a dropped table under a view whose columns change",
        """CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 text);
        CREATE TABLE public.t1 (id bigint PRIMARY KEY, c1 integer);
        CREATE VIEW public.v0 AS SELECT id, c0 FROM public.t0;
        GRANT SELECT ON public.v0 TO anon;""",
        """CREATE TABLE public.t1 (id bigint PRIMARY KEY, c1 integer);
        CREATE VIEW public.v0 AS SELECT c1, id FROM public.t1;
        GRANT SELECT ON public.v0 TO anon;""",
    ),
    (
        "a dropped table under views dropped too",
        """CREATE TABLE public.t0 (id bigint PRIMARY KEY);
        CREATE VIEW public.v0 AS SELECT id FROM public.t0;
        CREATE VIEW public.v1 AS SELECT id FROM public.v0;""",
        "CREATE TABLE public.t1 (id bigint PRIMARY KEY);",
    ),
]


@pytest.mark.parametrize(("name", "a_sql", "b_sql"), TABLE_UNDER_VIEW, ids=_ids(TABLE_UNDER_VIEW))
def test_table_dropped_under_kept_view(pg_admin_url: str, name: str, a_sql: str, b_sql: str) -> None:
    converge(pg_admin_url, a_sql, b_sql)


# -- point 1: a sequence dropped under a column default ----------------------------

SEQUENCE_UNDER_DEFAULT: list[Case] = [
    (
        "a dropped sequence under a default that changes, beside a default set again around a recreated function",
        """CREATE SEQUENCE public.s0;
        CREATE FUNCTION public.f0() RETURNS integer LANGUAGE sql AS 'SELECT 1';
        CREATE TABLE public.t0 (
            id bigint PRIMARY KEY,
            c0 bigint DEFAULT nextval('public.s0'),
            c1 integer DEFAULT public.f0()
        );
        INSERT INTO public.t0 (id) VALUES (1);""",
        """CREATE FUNCTION public.f0() RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 bigint DEFAULT 0, c1 integer DEFAULT public.f0());""",
    ),
    (
        "a standalone sequence become a column's own (OWNED BY)",
        """CREATE SEQUENCE public.s0;
        CREATE TABLE public.t0 (id bigint PRIMARY KEY DEFAULT nextval('public.s0'));
        INSERT INTO public.t0 DEFAULT VALUES; INSERT INTO public.t0 DEFAULT VALUES;""",
        """CREATE SEQUENCE public.s0;
        CREATE TABLE public.t0 (id bigint PRIMARY KEY DEFAULT nextval('public.s0'));
        ALTER SEQUENCE public.s0 OWNED BY public.t0.id;""",
    ),
    (
        "a dropped sequence under a default that calls another one",
        """CREATE SEQUENCE public.s0;
        CREATE TABLE public.t0 (id bigint PRIMARY KEY DEFAULT nextval('public.s0'), c0 integer);""",
        """CREATE SEQUENCE public.s1;
        CREATE TABLE public.t0 (id bigint PRIMARY KEY DEFAULT nextval('public.s1'), c0 integer);""",
    ),
    (
        "a dropped sequence under a column that changes type",
        """CREATE SEQUENCE public.s0;
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 bigint DEFAULT nextval('public.s0'));""",
        "CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 text);",
    ),
]


@pytest.mark.parametrize(("name", "a_sql", "b_sql"), SEQUENCE_UNDER_DEFAULT, ids=_ids(SEQUENCE_UNDER_DEFAULT))
def test_sequence_dropped_under_default(pg_admin_url: str, name: str, a_sql: str, b_sql: str) -> None:
    converge(pg_admin_url, a_sql, b_sql)


# -- point 1: a function whose signature changes under a default and a CHECK -------

_F_USERS = """CREATE TABLE public.t0 (
    id bigint PRIMARY KEY,
    c0 integer DEFAULT public.f0(1) CHECK (public.f0(c0) > 0)
);
COMMENT ON CONSTRAINT t0_c0_check ON public.t0 IS 'positive';
INSERT INTO public.t0 (id) VALUES (1);"""

SIGNATURE_UNDER_DEFAULT: list[Case] = [
    (
        "an argument renamed",
        "CREATE FUNCTION public.f0(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';" + _F_USERS,
        "CREATE FUNCTION public.f0(y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT y + 1';"
        + _F_USERS.split("INSERT")[0],
    ),
    (
        "an argument added with a default",
        "CREATE FUNCTION public.f0(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';" + _F_USERS,
        "CREATE FUNCTION public.f0(x integer, y integer DEFAULT 1) RETURNS integer LANGUAGE sql IMMUTABLE "
        "AS 'SELECT x + y';" + _F_USERS.split("INSERT")[0],
    ),
    (
        "an argument renamed, another default calling it changed away",
        """CREATE FUNCTION public.f0(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 integer DEFAULT public.f0(1), c1 integer DEFAULT public.f0(2));""",
        """CREATE FUNCTION public.f0(y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT y + 1';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 integer DEFAULT public.f0(1), c1 integer DEFAULT 0);""",
    ),
    (
        "an argument type changed",
        "CREATE FUNCTION public.f0(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';" + _F_USERS,
        "CREATE FUNCTION public.f0(x bigint) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT (x + 1)::integer';"
        + _F_USERS.split("INSERT")[0],
    ),
    (
        "an argument renamed under an index, a unique index under an FK, a view, a policy and a generated column",
        """CREATE FUNCTION public.f0(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c integer, g integer GENERATED ALWAYS AS (public.f0(c)) STORED);
        CREATE UNIQUE INDEX t0_f ON public.t0 (public.f0(c));
        CREATE TABLE public.t1 (id bigint PRIMARY KEY, c integer);
        ALTER TABLE public.t0 ADD CONSTRAINT t0_c_key UNIQUE (c);
        ALTER TABLE public.t1 ADD CONSTRAINT t1_c_fkey FOREIGN KEY (c) REFERENCES public.t0 (c);
        CREATE VIEW public.v0 AS SELECT id, public.f0(c) AS f FROM public.t0;
        CREATE POLICY p0 ON public.t0 USING (public.f0(c) > 0);
        INSERT INTO public.t0 (id, c) VALUES (1, 3);""",
        """CREATE FUNCTION public.f0(y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT y + 1';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c integer, g integer GENERATED ALWAYS AS (public.f0(c)) STORED);
        CREATE UNIQUE INDEX t0_f ON public.t0 (public.f0(c));
        CREATE TABLE public.t1 (id bigint PRIMARY KEY, c integer);
        ALTER TABLE public.t0 ADD CONSTRAINT t0_c_key UNIQUE (c);
        ALTER TABLE public.t1 ADD CONSTRAINT t1_c_fkey FOREIGN KEY (c) REFERENCES public.t0 (c);
        CREATE VIEW public.v0 AS SELECT id, public.f0(c) AS f FROM public.t0;
        CREATE POLICY p0 ON public.t0 USING (public.f0(c) > 0);""",
    ),
]


@pytest.mark.parametrize(("name", "a_sql", "b_sql"), SIGNATURE_UNDER_DEFAULT, ids=_ids(SIGNATURE_UNDER_DEFAULT))
def test_function_signature_change_under_default_and_check(
    pg_admin_url: str, name: str, a_sql: str, b_sql: str
) -> None:
    converge(pg_admin_url, a_sql, b_sql)


# -- point 12a: rebuilt types used by a function, a domain, a composite ------------

ENUM_UNDER_FUNCTION: list[Case] = [
    (
        "an argument",
        """CREATE TYPE public.mood0 AS ENUM ('a', 'b', 'c');
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.mood0);
        CREATE FUNCTION public.f0(m public.mood0) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT m::text';
        COMMENT ON FUNCTION public.f0(public.mood0) IS 'mood as text';
        REVOKE EXECUTE ON FUNCTION public.f0(public.mood0) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION public.f0(public.mood0) TO anon;
        INSERT INTO public.t0 VALUES (1, 'b');""",
        """CREATE TYPE public.mood0 AS ENUM ('b', 'a');
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.mood0);
        CREATE FUNCTION public.f0(m public.mood0) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT m::text';
        COMMENT ON FUNCTION public.f0(public.mood0) IS 'mood as text';
        REVOKE EXECUTE ON FUNCTION public.f0(public.mood0) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION public.f0(public.mood0) TO anon;""",
    ),
    (
        "the result, called by the default of a column of the type",
        """CREATE TYPE public.mood0 AS ENUM ('a', 'b', 'c');
        CREATE FUNCTION public.f0() RETURNS public.mood0 LANGUAGE sql IMMUTABLE AS $$SELECT 'a'::public.mood0$$;
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.mood0 DEFAULT public.f0());
        INSERT INTO public.t0 (id) VALUES (1);""",
        """CREATE TYPE public.mood0 AS ENUM ('b', 'a');
        CREATE FUNCTION public.f0() RETURNS public.mood0 LANGUAGE sql IMMUTABLE AS $$SELECT 'a'::public.mood0$$;
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.mood0 DEFAULT public.f0());""",
    ),
    (
        "a domain over it, a function returning the domain in a default, a view",
        """CREATE TYPE public.mood0 AS ENUM ('a', 'b', 'c');
        CREATE DOMAIN public.dm AS public.mood0 CHECK (VALUE IS NOT NULL);
        CREATE FUNCTION public.pick(m public.mood0) RETURNS public.dm LANGUAGE sql IMMUTABLE AS 'SELECT m::public.dm';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.dm DEFAULT public.pick('a'), c1 public.mood0[]);
        CREATE VIEW public.v0 AS SELECT id, c0 FROM public.t0;
        INSERT INTO public.t0 VALUES (1, 'b', '{a,b}');""",
        """CREATE TYPE public.mood0 AS ENUM ('b', 'a');
        CREATE DOMAIN public.dm AS public.mood0 CHECK (VALUE IS NOT NULL);
        CREATE FUNCTION public.pick(m public.mood0) RETURNS public.dm LANGUAGE sql IMMUTABLE AS 'SELECT m::public.dm';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.dm DEFAULT public.pick('a'), c1 public.mood0[]);
        CREATE VIEW public.v0 AS SELECT id, c0 FROM public.t0;""",
    ),
]


@pytest.mark.parametrize(("name", "a_sql", "b_sql"), ENUM_UNDER_FUNCTION, ids=_ids(ENUM_UNDER_FUNCTION))
def test_enum_rebuild_under_function(pg_admin_url: str, name: str, a_sql: str, b_sql: str) -> None:
    converge(pg_admin_url, a_sql, b_sql)


DOMAIN_UNDER_DOMAIN: list[Case] = [
    (
        "columns of both",
        """CREATE DOMAIN public.dom0 AS integer CHECK (VALUE > 0);
        CREATE DOMAIN public.dom1 AS public.dom0 CHECK (VALUE < 100);
        COMMENT ON DOMAIN public.dom1 IS 'small';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.dom0, c1 public.dom1 DEFAULT 5);
        CREATE INDEX t0_c1 ON public.t0 (c1);
        INSERT INTO public.t0 VALUES (1, 7, 42);""",
        """CREATE DOMAIN public.dom0 AS bigint CHECK (VALUE > 0);
        CREATE DOMAIN public.dom1 AS public.dom0 CHECK (VALUE < 100);
        COMMENT ON DOMAIN public.dom1 IS 'small';
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.dom0, c1 public.dom1 DEFAULT 5);
        CREATE INDEX t0_c1 ON public.t0 (c1);""",
    ),
    (
        "no column of either, a function taking the domain",
        """CREATE DOMAIN public.dom0 AS integer;
        CREATE FUNCTION public.f0(d public.dom0) RETURNS integer LANGUAGE sql AS 'SELECT 1';""",
        """CREATE DOMAIN public.dom0 AS bigint;
        CREATE FUNCTION public.f0(d public.dom0) RETURNS integer LANGUAGE sql AS 'SELECT 1';""",
    ),
]


@pytest.mark.parametrize(("name", "a_sql", "b_sql"), DOMAIN_UNDER_DOMAIN, ids=_ids(DOMAIN_UNDER_DOMAIN))
def test_domain_rebuild_under_domain(pg_admin_url: str, name: str, a_sql: str, b_sql: str) -> None:
    converge(pg_admin_url, a_sql, b_sql)


COMPOSITE_UNDER_COMPOSITE: list[Case] = [
    (
        "an attribute of another composite with a column",
        """CREATE TYPE public.pair0 AS (f0 integer, f1 text);
        CREATE TYPE public.wrap0 AS (p public.pair0, n integer);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.pair0, c1 public.wrap0);
        INSERT INTO public.t0 VALUES (1, ROW(1, 'x'), ROW(ROW(2, 'y'), 3));""",
        """CREATE TYPE public.pair0 AS (f0 bigint, f1 text);
        CREATE TYPE public.wrap0 AS (p public.pair0, n integer);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.pair0, c1 public.wrap0);""",
    ),
    (
        "a function returning it and a procedure taking it",
        """CREATE TYPE public.pair0 AS (f0 integer, f1 text);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.pair0);
        CREATE FUNCTION public.mk() RETURNS public.pair0 LANGUAGE sql AS $$SELECT ROW(1, 'x')::public.pair0$$;
        CREATE PROCEDURE public.pr(p public.pair0) LANGUAGE sql AS 'SELECT 1';
        INSERT INTO public.t0 VALUES (1, ROW(2, 'y'));""",
        """CREATE TYPE public.pair0 AS (f0 bigint, f1 text);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c0 public.pair0);
        CREATE FUNCTION public.mk() RETURNS public.pair0 LANGUAGE sql AS $$SELECT ROW(1, 'x')::public.pair0$$;
        CREATE PROCEDURE public.pr(p public.pair0) LANGUAGE sql AS 'SELECT 1';""",
    ),
]


@pytest.mark.parametrize(("name", "a_sql", "b_sql"), COMPOSITE_UNDER_COMPOSITE, ids=_ids(COMPOSITE_UNDER_COMPOSITE))
def test_composite_rebuild_under_composite(pg_admin_url: str, name: str, a_sql: str, b_sql: str) -> None:
    converge(pg_admin_url, a_sql, b_sql)


def test_rebuilt_values_survive_through_the_cli(blank_target: Target) -> None:
    """The CLI route: a domain over a rebuilt domain and a composite over a rebuilt
    composite keep their rows' values, and the script applied twice is a no-op."""
    url = blank_target.url
    query(
        url,
        """CREATE DOMAIN public.dom0 AS integer; CREATE DOMAIN public.dom1 AS public.dom0;
        CREATE TYPE public.pair0 AS (f0 integer, f1 text); CREATE TYPE public.wrap0 AS (p public.pair0, n integer);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c1 public.dom1, w public.wrap0);
        INSERT INTO public.t0 VALUES (1, 42, ROW(ROW(2, 'y'), 3));""",
    )
    (blank_target.schema_dir / "schema.sql").write_text(
        """CREATE DOMAIN public.dom0 AS bigint; CREATE DOMAIN public.dom1 AS public.dom0;
        CREATE TYPE public.pair0 AS (f0 bigint, f1 text); CREATE TYPE public.wrap0 AS (p public.pair0, n integer);
        CREATE TABLE public.t0 (id bigint PRIMARY KEY, c1 public.dom1, w public.wrap0);""",
        encoding="utf-8",
    )
    script = blank_target.plan("--format", "sql")
    assert script.exit_code == 0, script.output
    blank_target.converge("--allow-destructive", "--allow-hazards", "all")
    assert query(url, "SELECT c1::bigint, (w).n, ((w).p).f0, ((w).p).f1 FROM public.t0") == [(42, 3, 2, "y")]
    before = query(url, "SELECT oid FROM pg_catalog.pg_type WHERE typname IN ('dom1', 'wrap0') ORDER BY typname")
    query(url, script.stdout)
    after = query(url, "SELECT oid FROM pg_catalog.pg_type WHERE typname IN ('dom1', 'wrap0') ORDER BY typname")
    assert before == after
