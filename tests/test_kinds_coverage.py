"""Every statement kind the loader accepts is read, diffed and rendered (or refused):
range types and collations, and an enumeration of the classifier's kinds, each
loaded from empty into a fresh target and planned again to nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pglast
import psycopg
import pytest

from schemakit.kinds.collation import Collation
from schemakit.kinds.range import RangeType
from schemakit.model import model_from_json
from schemakit.source.classify import ACCEPTED_KINDS, _Classifier, classify
from tests.helpers import Target, model_of, query
from tests.test_core import _psql
from tests.test_owners import JUDGE_SETUP, OWNER, ensure_owner_role


@pytest.fixture
def target(blank_target: Target) -> Target:
    return blank_target


def write(t: Target, text: str) -> None:
    (t.schema_dir / "schema.sql").write_text(text)


def step(t: Target, text: str) -> str:
    """Write the schema, check there is something to do, converge; returns the apply output."""
    write(t, text)
    res = t.plan("--detailed-exitcode")
    assert res.exit_code == 2, res.output
    return t.converge("--allow-hazards", "all", "--allow-destructive", "--sql").stdout


def has_icu(url: str) -> bool:
    """True when the server was built with ICU: it can create an ICU collation."""
    with psycopg.connect(url) as conn:
        try:
            conn.execute("CREATE COLLATION public.schemakit_icu_probe (provider = icu, locale = 'und')")
        except psycopg.errors.FeatureNotSupported:
            return False
        finally:
            conn.rollback()
    return True


# -- range types ------------------------------------------------------------------

RANGE = (
    "CREATE TYPE public.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);\n"
    "COMMENT ON TYPE public.floatrange IS 'a range of doubles';\n"
)
RANGE_TABLE = (
    "CREATE TABLE public.bookings (id bigint PRIMARY KEY, span public.floatrange NOT NULL,"
    " spans public.floatmultirange);\n"
)


def test_range_type_created_commented_used_by_a_column_and_dropped(target: Target, tmp_path: Path) -> None:
    write(target, RANGE + RANGE_TABLE)
    script = tmp_path / "range.sql"
    assert target.plan("--format", "sql", "--out", str(script)).exit_code == 0
    step(target, RANGE + RANGE_TABLE)
    rows = query(
        target.url,
        "SELECT r.rngsubtype::regtype::text, r.rngsubdiff::text, r.rngmultitypid::regtype::text,"
        " obj_description('public.floatrange'::regtype, 'pg_type')"
        " FROM pg_range r WHERE r.rngtypid = 'public.floatrange'::regtype",
    )
    assert rows == [("double precision", "float8mi", "floatmultirange", "a range of doubles")]
    query(target.url, "INSERT INTO public.bookings VALUES (1, '[1.5,2.5)', '{[1,2)}')")
    types = model_of(target.url).of_kind("type")
    assert isinstance(types[("type", "public.floatrange")], RangeType)
    # The script runs again without error and changes nothing.
    oid = query(target.url, "SELECT 'public.floatrange'::regtype::oid::bigint")[0][0]
    rerun = _psql(target.url, script)
    assert rerun.returncode == 0, rerun.stderr
    assert query(target.url, "SELECT 'public.floatrange'::regtype::oid::bigint")[0][0] == oid
    # Dropped with the table that uses it.
    step(target, "")
    assert query(target.url, "SELECT to_regtype('public.floatrange'), to_regtype('public.floatmultirange')") == [
        (None, None)
    ]


def test_range_type_with_collation_and_multirange_name(target: Target) -> None:
    text = (
        'CREATE TYPE public.textrange AS RANGE (subtype = text, collation = "C",'
        " multirange_type_name = public.textranges);\n"
    )
    step(target, text)
    rows = query(
        target.url,
        "SELECT r.rngcollation::regcollation::text, r.rngmultitypid::regtype::text FROM pg_range r"
        " WHERE r.rngtypid = 'public.textrange'::regtype",
    )
    assert rows == [('"C"', "textranges")]


def test_range_type_change_without_columns_recreates_it(target: Target) -> None:
    step(target, RANGE)
    out = step(target, RANGE.replace(", subtype_diff = float8mi", ""))
    assert "floatrange" in out
    assert query(target.url, "SELECT rngsubdiff::text FROM pg_range WHERE rngtypid = 'public.floatrange'::regtype") == [
        ("-",)
    ]


def test_range_type_change_under_a_column_is_refused_with_a_reason(target: Target) -> None:
    step(target, RANGE + RANGE_TABLE)
    write(target, RANGE.replace(", subtype_diff = float8mi", "") + RANGE_TABLE)
    res = target.plan()
    assert res.exit_code == 1
    assert "public.floatrange" in res.output and "bookings" in res.output


def test_range_type_snapshot_round_trip(target: Target) -> None:
    step(target, RANGE + RANGE_TABLE)
    model = model_of(target.url)
    again = model_from_json(model.to_json(), model.depends, model.server_version)
    assert again.objects == model.objects


# -- collations -------------------------------------------------------------------

LIBC = (
    'CREATE COLLATION public.posix_c (provider = libc, locale = "C");\n'
    "COMMENT ON COLLATION public.posix_c IS 'byte order';\n"
)
LIBC_TABLE = "CREATE TABLE public.words (id bigint PRIMARY KEY, word text COLLATE public.posix_c NOT NULL);\n"


def test_libc_collation_created_used_by_a_column_and_dropped(target: Target, tmp_path: Path) -> None:
    write(target, LIBC + LIBC_TABLE)
    script = tmp_path / "collation.sql"
    assert target.plan("--format", "sql", "--out", str(script)).exit_code == 0
    step(target, LIBC + LIBC_TABLE)
    rows = query(
        target.url,
        "SELECT co.collprovider::text, co.collcollate, obj_description(co.oid, 'pg_collation')"
        " FROM pg_collation co WHERE co.oid = 'public.posix_c'::regcollation",
    )
    assert rows == [("c", "C", "byte order")]
    assert query(
        target.url,
        "SELECT attcollation::regcollation::text FROM pg_attribute"
        " WHERE attrelid = 'public.words'::regclass AND attname = 'word'",
    ) == [("posix_c",)]
    assert isinstance(model_of(target.url).objects[("collation", "public.posix_c")], Collation)
    oid = query(target.url, "SELECT 'public.posix_c'::regcollation::oid::bigint")[0][0]
    rerun = _psql(target.url, script)
    assert rerun.returncode == 0, rerun.stderr
    assert query(target.url, "SELECT 'public.posix_c'::regcollation::oid::bigint")[0][0] == oid
    # A column moved off the collation, then the collation dropped.
    step(target, LIBC + LIBC_TABLE.replace(" COLLATE public.posix_c", ""))
    step(target, LIBC_TABLE.replace(" COLLATE public.posix_c", ""))
    assert query(target.url, "SELECT to_regcollation('public.posix_c')") == [(None,)]


def test_collation_changed_while_unused_is_recreated_and_refused_while_used(target: Target) -> None:
    step(target, LIBC)
    step(target, LIBC.replace('locale = "C"', 'locale = "POSIX"'))
    assert query(target.url, "SELECT collcollate FROM pg_collation WHERE oid = 'public.posix_c'::regcollation") == [
        ("POSIX",)
    ]
    step(target, LIBC + LIBC_TABLE)
    write(target, LIBC.replace('locale = "C"', 'locale = "POSIX"') + LIBC_TABLE)
    res = target.plan()
    assert res.exit_code == 1
    assert "public.posix_c" in res.output and "words" in res.output


ICU = (
    "CREATE COLLATION public.case_insensitive"
    " (provider = icu, locale = 'und-u-ks-level2', deterministic = false);\n"
    "CREATE TABLE public.people (id bigint PRIMARY KEY, email text COLLATE public.case_insensitive UNIQUE);\n"
)


def test_icu_collation_where_the_server_has_icu_else_a_located_error(target: Target) -> None:
    write(target, "-- people\n" + ICU)
    if not has_icu(target.shadow):
        res = target.plan()
        assert res.exit_code == 1
        assert "schema.sql:2:" in res.output
        assert "ICU" in res.output and "--shadow-url" in res.output
        return
    step(target, ICU)  # PostgreSQL 15 (Debian's, as in CI) has ICU; the embedded 18 has not
    query(target.url, "INSERT INTO public.people VALUES (1, 'A@x.org')")
    assert query(target.url, "SELECT id FROM public.people WHERE email = 'a@X.ORG'") == [(1,)]


# -- every accepted statement kind ------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """``statement`` (classified as ``kind``) after ``prelude``; ``check`` holds once applied."""

    kind: str
    statement: str
    check: str
    prelude: str = ""
    superuser: bool = False  # applied as a superuser (event triggers)


T = "CREATE TABLE public.t (id bigint PRIMARY KEY, name text);\n"
F = "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;\n"
TRG = "CREATE FUNCTION public.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
ETF = "CREATE FUNCTION public.etf() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;\n"

EXAMPLES: tuple[Example, ...] = (
    Example("create_table", T, "SELECT to_regclass('public.t') IS NOT NULL"),
    Example("create_view", "CREATE VIEW public.v AS SELECT id FROM public.t;", "SELECT to_regclass('public.v') IS NOT NULL", T),
    Example(
        "create_materialized_view",
        "CREATE MATERIALIZED VIEW public.m AS SELECT id FROM public.t;",
        "SELECT relkind = 'm' FROM pg_class WHERE oid = to_regclass('public.m')",
        T,
    ),
    Example(
        "create_composite_type",
        "CREATE TYPE public.pair AS (a integer, b text);",
        "SELECT typtype = 'c' FROM pg_type WHERE oid = to_regtype('public.pair')",
    ),
    Example("create_sequence", "CREATE SEQUENCE public.s;", "SELECT to_regclass('public.s') IS NOT NULL"),
    Example("create_index", "CREATE INDEX t_name ON public.t (name);", "SELECT to_regclass('public.t_name') IS NOT NULL", T),
    Example("create_function", F, "SELECT to_regprocedure('public.f()') IS NOT NULL"),
    Example(
        "create_procedure",
        "CREATE PROCEDURE public.p() LANGUAGE sql AS $$ SELECT 1 $$;",
        "SELECT prokind = 'p' FROM pg_proc WHERE oid = to_regprocedure('public.p()')",
    ),
    Example("create_enum", "CREATE TYPE public.mood AS ENUM ('ok', 'sad');", "SELECT to_regtype('public.mood') IS NOT NULL"),
    Example(
        "create_range_type",
        "CREATE TYPE public.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);",
        "SELECT rngsubdiff::text = 'float8mi' FROM pg_range WHERE rngtypid = to_regtype('public.floatrange')",
    ),
    Example(
        "create_domain",
        "CREATE DOMAIN public.pos AS integer CHECK (VALUE > 0);",
        "SELECT typtype = 'd' FROM pg_type WHERE oid = to_regtype('public.pos')",
    ),
    Example(
        "create_collation",
        'CREATE COLLATION public.bytes (provider = libc, locale = "C");',
        "SELECT collprovider = 'c' FROM pg_collation WHERE oid = to_regcollation('public.bytes')",
    ),
    Example(
        "create_trigger",
        "CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.tf();",
        "SELECT count(*) = 1 FROM pg_trigger WHERE tgname = 't_touch'",
        T + TRG,
    ),
    Example(
        "create_policy",
        "CREATE POLICY t_read ON public.t FOR SELECT USING (true);",
        "SELECT count(*) = 1 FROM pg_policy WHERE polname = 't_read'",
        T,
    ),
    Example("create_schema", "CREATE SCHEMA app;", "SELECT to_regnamespace('app') IS NOT NULL"),
    Example(
        "create_extension",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;",
        "SELECT count(*) = 1 FROM pg_extension WHERE extname = 'pg_trgm'",
    ),
    Example(
        "create_publication",
        "CREATE PUBLICATION pub FOR TABLE public.t;",
        "SELECT count(*) = 1 FROM pg_publication_tables WHERE pubname = 'pub' AND tablename = 't'",
        T,
    ),
    Example(
        "create_event_trigger",
        "CREATE EVENT TRIGGER et ON ddl_command_end EXECUTE FUNCTION public.etf();",
        "SELECT count(*) = 1 FROM pg_event_trigger WHERE evtname = 'et'",
        ETF,
        superuser=True,
    ),
    Example(
        "alter_table",
        "ALTER TABLE public.t ADD CONSTRAINT t_name_check CHECK (name <> '');",
        "SELECT count(*) = 1 FROM pg_constraint WHERE conname = 't_name_check'",
        T,
    ),
    Example(
        "alter_view",
        "ALTER VIEW public.v SET (security_invoker = true);",
        "SELECT reloptions = '{security_invoker=true}' FROM pg_class WHERE oid = to_regclass('public.v')",
        T + "CREATE VIEW public.v AS SELECT id FROM public.t;\n",
    ),
    Example(
        "alter_materialized_view",
        "ALTER MATERIALIZED VIEW public.m SET (fillfactor = 70);",
        "SELECT reloptions = '{fillfactor=70}' FROM pg_class WHERE oid = to_regclass('public.m')",
        T + "CREATE MATERIALIZED VIEW public.m AS SELECT id FROM public.t;\n",
    ),
    Example(
        "alter_sequence",
        "ALTER SEQUENCE public.s INCREMENT BY 5;",
        "SELECT seqincrement = 5 FROM pg_sequence WHERE seqrelid = to_regclass('public.s')",
        "CREATE SEQUENCE public.s;\n",
    ),
    Example(
        "alter_index",
        "ALTER INDEX public.t_name SET (fillfactor = 70);",
        "SELECT reloptions = '{fillfactor=70}' FROM pg_class WHERE oid = to_regclass('public.t_name')",
        T + "CREATE INDEX t_name ON public.t (name);\n",
    ),
    Example(
        "alter_type",
        "ALTER TYPE public.mood ADD VALUE 'glad';",
        "SELECT count(*) = 3 FROM pg_enum WHERE enumtypid = to_regtype('public.mood')",
        "CREATE TYPE public.mood AS ENUM ('ok', 'sad');\n",
    ),
    Example(
        "alter_domain",
        "ALTER DOMAIN public.pos SET DEFAULT 1;",
        "SELECT typdefault = '1' FROM pg_type WHERE oid = to_regtype('public.pos')",
        "CREATE DOMAIN public.pos AS integer;\n",
    ),
    Example(
        "alter_function",
        "ALTER FUNCTION public.f() STABLE;",
        "SELECT provolatile = 's' FROM pg_proc WHERE oid = to_regprocedure('public.f()')",
        F,
    ),
    Example(
        "alter_procedure",
        "ALTER PROCEDURE public.p() SET search_path = pg_catalog;",
        "SELECT proconfig = '{search_path=pg_catalog}' FROM pg_proc WHERE oid = to_regprocedure('public.p()')",
        "CREATE PROCEDURE public.p() LANGUAGE sql AS $$ SELECT 1 $$;\n",
    ),
    Example(
        "alter_policy",
        "ALTER POLICY t_read ON public.t USING (id > 0);",
        "SELECT pg_get_expr(polqual, polrelid) = '(id > 0)' FROM pg_policy WHERE polname = 't_read'",
        T + "CREATE POLICY t_read ON public.t FOR SELECT USING (true);\n",
    ),
    # Owners: a role other than the applying one (made by the test), so that an owner
    # read, diffed or rendered by nobody shows up as the applying role's.
    Example(
        "alter_owner",
        f"ALTER FUNCTION public.f() OWNER TO {OWNER};",
        f"SELECT proowner = '{OWNER}'::regrole FROM pg_proc WHERE oid = to_regprocedure('public.f()')",
        F,
    ),
    Example(
        "alter_owner",
        f"ALTER TYPE public.mood OWNER TO {OWNER};",
        f"SELECT typowner = '{OWNER}'::regrole FROM pg_type WHERE oid = to_regtype('public.mood')",
        "CREATE TYPE public.mood AS ENUM ('ok', 'sad');\n",
    ),
    Example(
        "alter_table",
        f"ALTER TABLE public.t OWNER TO {OWNER};",
        f"SELECT relowner = '{OWNER}'::regrole FROM pg_class WHERE oid = to_regclass('public.t')",
        T,
    ),
    Example(
        "create_schema",
        f"CREATE SCHEMA app AUTHORIZATION {OWNER};",
        f"SELECT nspowner = '{OWNER}'::regrole FROM pg_namespace WHERE nspname = 'app'",
    ),
    Example(
        "alter_publication",
        "ALTER PUBLICATION pub ADD TABLE public.t;",
        "SELECT count(*) = 1 FROM pg_publication_tables WHERE pubname = 'pub' AND tablename = 't'",
        T + "CREATE PUBLICATION pub;\n",
    ),
    Example(
        "alter_event_trigger",
        "ALTER EVENT TRIGGER et DISABLE;",
        "SELECT evtenabled = 'D' FROM pg_event_trigger WHERE evtname = 'et'",
        ETF + "CREATE EVENT TRIGGER et ON ddl_command_end EXECUTE FUNCTION public.etf();\n",
        superuser=True,
    ),
    Example(
        "alter_default_privileges",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO anon;",
        "SELECT count(*) = 1 FROM pg_default_acl WHERE defaclnamespace = 'app'::regnamespace",
        "CREATE SCHEMA app;\n",
    ),
    Example(
        "comment",
        "COMMENT ON TABLE public.t IS 'things';",
        "SELECT obj_description('public.t'::regclass, 'pg_class') = 'things'",
        T,
    ),
    Example(
        "grant",
        "GRANT SELECT ON public.t TO anon;",
        "SELECT has_table_privilege('anon', 'public.t', 'SELECT')",
        T,
    ),
    Example(
        "revoke",
        "REVOKE ALL ON public.t FROM anon;",
        "SELECT NOT has_table_privilege('anon', 'public.t', 'SELECT')",
        T + "GRANT SELECT ON public.t TO anon;\n",
    ),
    # Grants on types and domains: the ACL itself (PUBLIC's USAGE hides anon's own).
    Example(
        "grant",
        "GRANT USAGE ON TYPE public.mood TO anon;",
        "SELECT EXISTS (SELECT FROM aclexplode(typacl) x WHERE x.grantee = 'anon'::regrole"
        " AND x.privilege_type = 'USAGE') FROM pg_type WHERE oid = to_regtype('public.mood')",
        "CREATE TYPE public.mood AS ENUM ('ok', 'sad');\n",
    ),
    Example(
        "revoke",
        "REVOKE USAGE ON DOMAIN public.pos FROM PUBLIC;",
        "SELECT NOT EXISTS (SELECT FROM aclexplode(coalesce(typacl, acldefault('T', typowner))) x"
        " WHERE x.grantee = 0) FROM pg_type WHERE oid = to_regtype('public.pos')",
        "CREATE DOMAIN public.pos AS integer;\n",
    ),
    Example(
        "bucket",
        "INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', true);",
        "SELECT public FROM storage.buckets WHERE id = 'avatars'",
    ),
    Example(
        "declared_rows",
        "INSERT INTO public.t (id, name) VALUES (1, 'one');",
        "SELECT name = 'one' FROM public.t WHERE id = 1",
        T,
    ),
    Example(
        "drop",
        "DROP VIEW IF EXISTS public.v;",
        "SELECT to_regclass('public.v') IS NOT NULL",
        T,
    ),
)
# The DROP ... IF EXISTS idiom needs its CREATE after it.
_AFTER = {"drop": "CREATE VIEW public.v AS SELECT id FROM public.t;\n"}


def _classified(sql: str) -> tuple[str, str]:
    """(handler node name, kind) of one statement."""
    node = pglast.parse_sql(sql)[0].stmt
    assert node is not None
    return type(node).__name__, classify(node, sql, "public").kind


def test_every_accepted_statement_kind_has_an_example() -> None:
    handlers = {name[3:] for name in dir(_Classifier) if name.startswith("on_")}
    covered = [_classified(e.statement) for e in EXAMPLES]
    missing_handlers = handlers - {h for h, _ in covered}
    assert not missing_handlers, f"on_ handlers without an example: {sorted(missing_handlers)}"
    missing_kinds = ACCEPTED_KINDS - {k for _, k in covered}
    assert not missing_kinds, f"accepted kinds without an example: {sorted(missing_kinds)}"
    assert [e.kind for e in EXAMPLES] == [k for _, k in covered]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.kind for e in EXAMPLES])
def test_each_accepted_kind_round_trips_from_empty(target: Target, baseline_db: str, example: Example) -> None:
    if OWNER in example.statement:
        ensure_owner_role(baseline_db)
        target.judge_setup = JUDGE_SETUP
    if example.superuser:  # event triggers: only a superuser creates them
        target = Target(baseline_db, target.shadow, target.schema_dir)
    write(target, example.prelude + example.statement + "\n" + _AFTER.get(example.kind, ""))
    res = target.plan("--detailed-exitcode")
    assert res.exit_code == 2, res.output
    target.converge("--allow-hazards", "all")
    assert query(target.url, example.check) == [(True,)], example.check


def test_column_moves_to_a_user_collation_under_an_index_and_a_view(target: Target, tmp_path: Path) -> None:
    base = (
        "CREATE TABLE public.words (id bigint PRIMARY KEY, word text NOT NULL);\n"
        "CREATE INDEX words_word ON public.words (word);\n"
        "CREATE VIEW public.sorted_words AS SELECT word FROM public.words;\n"
    )
    step(target, base)
    query(target.url, "INSERT INTO public.words VALUES (1, 'b'), (2, 'B'), (3, 'a')")
    moved = LIBC + base.replace("word text NOT NULL", "word text COLLATE public.posix_c NOT NULL")
    write(target, moved)
    script = tmp_path / "move.sql"
    assert target.plan("--format", "sql", "--out", str(script)).exit_code == 0
    step(target, moved)
    assert query(
        target.url,
        "SELECT attcollation::regcollation::text FROM pg_attribute"
        " WHERE attrelid = 'public.words'::regclass AND attname = 'word'",
    ) == [("posix_c",)]
    assert query(target.url, "SELECT word FROM public.sorted_words ORDER BY word") == [("B",), ("a",), ("b",)]
    rerun = _psql(target.url, script)
    assert rerun.returncode == 0, rerun.stderr
    assert "No changes" in target.plan().stdout


def test_tables_declared_before_their_collation_and_multirange_load_in_order(target: Target) -> None:
    text = (
        "CREATE TABLE app.slots (id bigint PRIMARY KEY, label text COLLATE app.bytes, free app.slotmultirange);\n"
        "CREATE TYPE app.slotrange AS RANGE (subtype = integer);\n"
        'CREATE COLLATION app.bytes (provider = libc, locale = "C");\n'
        "CREATE SCHEMA app;\n"
    )
    step(target, text)
    assert query(
        target.url,
        "SELECT a.attname, a.atttypid::regtype::text, a.attcollation::regcollation::text FROM pg_attribute a"
        " WHERE a.attrelid = 'app.slots'::regclass AND a.attname IN ('label', 'free') ORDER BY 1",
    ) == [("free", "app.slotmultirange", "-"), ("label", "text", "app.bytes")]
