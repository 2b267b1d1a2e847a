"""`schemakit types typescript|python`: checked by the real TypeScript compiler, by
Supabase's own generator (@supabase/postgres-meta, run without Docker), by mypy --strict,
and by pydantic against rows psycopg fetches.

npm packages are installed once into /tmp/schemakit-tsc (outside the repository).
Corpus files are read in place; two of them wrap two statements in `begin; ... commit;`,
which the schema loader rejects, so for those the test input is a copy with only the
`begin;` and `commit;` lines removed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from schemakit.connect import connect
from schemakit.desired import load_statements
from schemakit.server import embedded, shadow
from schemakit.source import load_schema_dir
from schemakit.typegen.checks import literal_list
from schemakit.typegen.introspect import Catalog
from schemakit.typegen.source import catalog_from_database
from tests.helpers import CORPUS, SEED_DIR, run_cli

NPM_DIR = Path("/tmp/schemakit-tsc")
NPM_PACKAGES = ("typescript", "@supabase/supabase-js", "@supabase/postgres-meta")

KINDS_SQL = """
create type public.mood as enum ('happy', 'sad');
create domain public.email as text check (value like '%@%');
create domain public.level as text check (value in ('low', 'high'));
create type public.address as (street text, zip integer);
create table public.authors (
  id bigint generated always as identity primary key,
  name text not null,
  email public.email,
  tags text[] not null default '{}',
  moods public.mood[],
  score numeric(5, 2),
  profile jsonb not null default '{}',
  settings json,
  home public.address,
  name_upper text generated always as (upper(name)) stored,
  priority integer not null default 1 check (priority in (1, 2, 3)),
  ratio real,
  big bigint,
  born date,
  wakes time,
  seen timestamp,
  ip inet,
  blob bytea,
  pause interval,
  "from" date,
  "user-name" text,
  level public.level
);
create table public.author_details (
  author_id bigint primary key references public.authors (id),
  bio text
);
create table public.posts (
  id uuid primary key default gen_random_uuid(),
  author_id bigint not null references public.authors (id),
  mood public.mood not null default 'happy',
  kind text check (kind = 'a' or kind = 'b' or kind is null)
);
create view public.author_names as select id, name from public.authors;
create view public.recent_posts as select p.id, p.author_id as writer, p.mood from public.posts p;
create function public.add(a integer, b integer default 1) returns integer
  language sql immutable as 'select a + b';
create function public.post_counts() returns table (author_id bigint, n bigint)
  language sql stable as 'select author_id, count(*) from public.posts group by 1';
create function public.moods_of(who bigint) returns setof public.mood
  language sql stable as 'select mood from public.posts where author_id = who';
create function public.posts_of(public.authors) returns setof public.posts
  language sql stable as 'select * from public.posts where author_id = $1.id';
create function public.initials(a public.authors) returns text
  language sql immutable as 'select left(a.name, 1)';
create function public.latest_post() returns public.posts
  language sql stable as 'select * from public.posts limit 1';
create function public.first_posts() returns setof public.posts
  language sql stable rows 1 as 'select * from public.posts limit 1';
create function public.echo(text) returns text language sql immutable as 'select $1';
create function public.twice(integer) returns integer language sql immutable as 'select 2 * $1';
"""

# case → (table, selected column, its exact type, minimal insert, insert missing a
# required field, insert with a wrong type)
PROGRAMS: dict[str, tuple[str, str, str, str, str, str]] = {
    "seed": (
        "subscriptions", "status", "string",
        '{ user_id: "u", status: "trial", plan: "free" }',
        '{ user_id: "u", plan: "free" }',
        '{ user_id: 42, status: "trial", plan: "free" }',
    ),
    "user-management": (
        "profiles", "updated_at", "string | null",
        '{ id: "u" }',
        '{ username: "someone" }',
        '{ id: "u", website: 7 }',
    ),
    "react-user-management": (
        "profiles", "username", "string | null",
        '{ id: "u" }',
        '{ avatar_url: "a.png" }',
        '{ id: "u", username: false }',
    ),
    "nextjs-subscription-payments": (
        "prices", "type", 'Database["public"]["Enums"]["pricing_type"] | null',
        '{ id: "price_1" }',
        '{ active: true }',
        '{ id: "price_1", type: "bogus" }',
    ),
    "slack-clone-init-migration": (
        "messages", "channel_id", "number",
        '{ user_id: "u", channel_id: 1 }',
        '{ user_id: "u" }',
        '{ user_id: "u", channel_id: "general" }',
    ),
    "kinds": (
        "authors", "tags", "string[]",
        '{ name: "Ann" }',
        "{ priority: 2 }",
        '{ name: "Ann", score: "high" }',
    ),
}
CASES = sorted(PROGRAMS)
# The loader skips BEGIN ... COMMIT wrappers itself now; stripping "begin" lines also cut
# plpgsql bodies, which the loader now checks.
STRIPPED: set[str] = set()


# -- fixtures and helpers ----------------------------------------------------------


@pytest.fixture(scope="session")
def npm_dir() -> Path:
    """typescript, supabase-js and postgres-meta from npm, in a cache folder outside the repo."""
    missing = [p for p in NPM_PACKAGES if not (NPM_DIR / "node_modules" / p / "package.json").is_file()]
    if missing:
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        if not (NPM_DIR / "package.json").is_file():
            (NPM_DIR / "package.json").write_text('{"private": true}\n')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", *NPM_PACKAGES],
            cwd=NPM_DIR, check=True, capture_output=True, text=True, timeout=600,
        )
    return NPM_DIR


def schema_dir_for(case: str, tmp: Path) -> Path:
    if case == "seed":
        return SEED_DIR
    schema = tmp / "schema"
    schema.mkdir()
    if case == "kinds":
        (schema / "kinds.sql").write_text(KINDS_SQL)
    elif case in STRIPPED:
        text = (CORPUS / f"{case}.sql").read_text()
        kept = [line for line in text.splitlines() if line.strip().lower().rstrip(";").strip() not in ("begin", "commit")]
        (schema / f"{case}.sql").write_text("\n".join(kept) + "\n")
    else:
        (schema / f"{case}.sql").symlink_to(CORPUS / f"{case}.sql")
    return schema


def generate(kind: str, *args: str) -> str:
    res = run_cli("types", kind, *args)
    assert res.exit_code == 0, res.output
    return res.stdout


def tsc(npm: Path, folder: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    (folder / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {
            "strict": True, "noEmit": True, "target": "es2022", "module": "nodenext",
            "moduleResolution": "nodenext", "skipLibCheck": True, "types": [],
        },
        "files": files,
    }))
    link = folder / "node_modules"
    if not link.exists():
        link.symlink_to(npm / "node_modules")
    return subprocess.run(
        ["node", str(npm / "node_modules" / "typescript" / "bin" / "tsc"), "-p", str(folder / "tsconfig.json")],
        capture_output=True, text=True, timeout=120,
    )


def client_program(case: str) -> str:
    table, column, exact, ok, missing, wrong = PROGRAMS[case]
    return f"""import {{ createClient }} from "@supabase/supabase-js"
import type {{ Database, Tables, TablesInsert, TablesUpdate }} from "./database.types"

type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false

const supabase = createClient<Database>("http://localhost:54321", "anon-key")

export async function main(): Promise<void> {{
  const {{ data, error }} = await supabase.from("{table}").select("{column}").limit(1).single()
  if (error) throw error
  const exact: Equals<typeof data.{column}, {exact}> = true
  const value: {exact} = data.{column}
  const row: Tables<"{table}"> | null = null
  const same: Equals<Tables<{{ schema: "public" }}, "{table}">, Tables<"{table}">> = true
  const insertable: Equals<TablesInsert<{{ schema: "public" }}, "{table}">, Database["public"]["Tables"]["{table}"]["Insert"]> = true
  const update: TablesUpdate<"{table}"> = {{}}
  const insert: TablesInsert<"{table}"> = {ok}
  await supabase.from("{table}").insert({ok})
  // @ts-expect-error a required field is missing
  await supabase.from("{table}").insert({missing})
  // @ts-expect-error a field has the wrong type
  await supabase.from("{table}").insert({wrong})
  console.log(exact, value, row, same, insertable, update, insert)
}}
"""


def pg_url(conninfo: str) -> str:
    """A postgresql:// URL (node-postgres reads no key=value strings)."""
    p = conninfo_to_dict(conninfo)
    return f"postgresql://{p.get('user', 'postgres')}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{p['dbname']}"


@pytest.fixture
def loaded_db(pg_admin_url: str) -> Iterator[str]:
    """A fresh baseline database; the test loads a schema into it."""
    with shadow.temporary_database(pg_admin_url, baseline=True, prefix="schemakit_test") as url:
        yield url


def load(url: str, schema_dir: Path, admin: str) -> None:
    with connect(url, autocommit=True) as conn:
        load_statements(conn, load_schema_dir(schema_dir), admin)


def postgres_meta(npm: Path, url: str) -> str:
    env = dict(os.environ)
    env.update(
        PG_META_GENERATE_TYPES="typescript",
        PG_META_DB_URL=pg_url(url),
        PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS="public",
        PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS="true",
    )
    res = subprocess.run(
        ["node", str(npm / "node_modules" / "@supabase" / "postgres-meta" / "dist" / "server" / "server.js")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0 and "export type Database" in res.stdout, res.stderr[-2000:]
    return res.stdout


def comparison_program(catalog: Catalog) -> str:
    """Type-level assertions that ours and theirs have the same structure, section by section."""
    lines = [
        'import type { Database as Ours } from "./ours"',
        'import type { Database as Theirs } from "./theirs"',
        "type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false",
        'type O = Ours["public"]',
        'type T = Theirs["public"]',
    ]
    n = 0

    def same(a: str, b: str) -> None:
        nonlocal n
        n += 1
        lines.append(f"export const c{n}: Equals<{a}, {b}> = true")

    for section in ("Tables", "Views", "Functions", "Enums", "CompositeTypes"):
        same(f'keyof O["{section}"]', f'keyof T["{section}"]')
    view = catalog.in_schema("public")
    for r in view.tables + view.views:
        section = "Tables" if r.is_table else "Views"
        for part in ("Row", "Insert", "Update", "Relationships"):
            path = f'["{section}"]["{r.name}"]'
            same(f'keyof O{path}', f'keyof T{path}')
            if r.is_table or part in ("Row", "Relationships"):
                same(f'O{path}["{part}"]', f'T{path}["{part}"]')
    for name in sorted({f.name for f in view.functions if f.callable}):
        same(f'O["Functions"]["{name}"]', f'T["Functions"]["{name}"]')
    for e in view.enums:
        same(f'O["Enums"]["{e.name}"]', f'T["Enums"]["{e.name}"]')
    for c in view.composites:
        same(f'O["CompositeTypes"]["{c.name}"]', f'T["CompositeTypes"]["{c.name}"]')
    same('typeof import("./ours").Constants', 'typeof import("./theirs").Constants')
    return "\n".join(lines) + "\n"


# -- TypeScript ----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_typescript_type_checks_with_supabase_js(case: str, npm_dir: Path, pg_admin_url: str, tmp_path: Path) -> None:
    schema = schema_dir_for(case, tmp_path)
    ts = generate("typescript", "--schema-dir", str(schema), "--shadow-url", pg_admin_url)
    assert ts.startswith("// generated by schemakit, do not edit")
    work = tmp_path / "ts"
    work.mkdir()
    (work / "database.types.ts").write_text(ts)
    (work / "main.ts").write_text(client_program(case))
    res = tsc(npm_dir, work, ["main.ts"])
    assert res.returncode == 0, res.stdout + res.stderr
    # The program can fail: the same program against a wrong column type does.
    table, column, exact, *_ = PROGRAMS[case]
    (work / "main.ts").write_text(client_program(case).replace(f"const value: {exact} =", "const value: boolean ="))
    assert tsc(npm_dir, work, ["main.ts"]).returncode != 0


@pytest.mark.parametrize("case", CASES)
def test_typescript_matches_postgres_meta(case: str, npm_dir: Path, pg_admin_url: str, loaded_db: str, tmp_path: Path) -> None:
    schema = schema_dir_for(case, tmp_path)
    load(loaded_db, schema, pg_admin_url)
    work = tmp_path / "cmp"
    work.mkdir()
    (work / "theirs.ts").write_text(postgres_meta(npm_dir, loaded_db))
    ours = generate("typescript", "--db", loaded_db)
    (work / "ours.ts").write_text(ours)
    (work / "compare.ts").write_text(comparison_program(catalog_from_database(loaded_db, ["public"])))
    res = tsc(npm_dir, work, ["compare.ts"])
    assert res.returncode == 0, res.stdout + res.stderr
    # From the schema files (through a shadow) and from the loaded database: the same bytes.
    assert generate("typescript", "--schema-dir", str(schema), "--shadow-url", pg_admin_url) == ours


def test_comparison_detects_a_difference(npm_dir: Path, pg_admin_url: str, loaded_db: str, tmp_path: Path) -> None:
    """--check-unions is an intended difference: the comparison must see it."""
    load(loaded_db, SEED_DIR, pg_admin_url)
    work = tmp_path / "cmp"
    work.mkdir()
    (work / "theirs.ts").write_text(postgres_meta(npm_dir, loaded_db))
    (work / "ours.ts").write_text(generate("typescript", "--db", loaded_db, "--check-unions"))
    (work / "compare.ts").write_text(comparison_program(catalog_from_database(loaded_db, ["public"])))
    res = tsc(npm_dir, work, ["compare.ts"])
    assert res.returncode != 0
    assert "compare.ts" in res.stdout


def test_check_unions_on_the_seed(npm_dir: Path, pg_admin_url: str, tmp_path: Path) -> None:
    ts = generate("typescript", "--schema-dir", str(SEED_DIR), "--shadow-url", pg_admin_url, "--check-unions")
    assert 'status: "trial" | "active" | "cancelled" | "expired" | "past_due"\n' in ts
    assert 'plan: "free" | "basic" | "pro"\n' in ts
    (tmp_path / "database.types.ts").write_text(ts)
    program = """import { createClient } from "@supabase/supabase-js"
import type { Database, Tables } from "./database.types"
const supabase = createClient<Database>("http://localhost:54321", "anon-key")
export async function main(): Promise<void> {
  await supabase.from("subscriptions").update({ status: "past_due" }).eq("plan", "pro")
  // @ts-expect-error not one of the CHECK's values
  await supabase.from("subscriptions").insert({ user_id: "u", plan: "free", status: "bogus" })
  const s: Tables<"subscriptions">["status"] = "expired"
  // @ts-expect-error not one of the CHECK's values
  const t: Tables<"subscriptions">["status"] = "bogus"
  console.log(s, t)
}
"""
    (tmp_path / "main.ts").write_text(program)
    res = tsc(npm_dir, tmp_path, ["main.ts"])
    assert res.returncode == 0, res.stdout + res.stderr
    # Without --check-unions the column is a string, and the expected errors do not happen.
    plain = generate("typescript", "--schema-dir", str(SEED_DIR), "--shadow-url", pg_admin_url)
    (tmp_path / "database.types.ts").write_text(plain)
    res = tsc(npm_dir, tmp_path, ["main.ts"])
    assert res.returncode != 0 and "TS2578" in res.stdout  # unused @ts-expect-error


def test_output_is_deterministic_and_sorted(pg_admin_url: str, loaded_db: str, tmp_path: Path) -> None:
    schema = schema_dir_for("kinds", tmp_path)
    load(loaded_db, schema, pg_admin_url)
    for kind, extra in (("typescript", ["--check-unions"]), ("python", []), ("python", ["--pydantic"])):
        first = generate(kind, "--db", loaded_db, *extra)
        assert generate(kind, "--db", loaded_db, *extra) == first
        assert "generated by schemakit, do not edit" in first.splitlines()[0]
    ts = generate("typescript", "--db", loaded_db)
    tables = ts.index("Tables: {")
    assert ts.index("author_details: {", tables) < ts.index("authors: {", tables) < ts.index("posts: {", tables)
    row = ts[ts.index("authors: {", tables):]
    assert row.index("big: number | null") < row.index("blob: string | null") < row.index("born: string | null")


def test_kinds_render_as_the_rules_say(pg_admin_url: str, loaded_db: str, tmp_path: Path) -> None:
    load(loaded_db, schema_dir_for("kinds", tmp_path), pg_admin_url)
    ts = generate("typescript", "--db", loaded_db, "--check-unions")
    authors = ts[ts.index("      authors: {"):ts.index("      posts: {")]
    row = authors[authors.index("Row: {"):authors.index("Insert: {")]
    insert = authors[authors.index("Insert: {"):authors.index("Update: {")]
    for line in (
        "id: number", "email: string | null", "tags: string[]",
        'moods: Database["public"]["Enums"]["mood"][] | null', "score: number | null",
        "profile: NonNullable<Json>", "settings: Json | null",
        'home: Database["public"]["CompositeTypes"]["address"] | null', "priority: 1 | 2 | 3",
        "ip: unknown", "pause: string | null", 'level: "low" | "high" | null',
    ):
        assert f"          {line}\n" in row, line
    for line in ("id?: never", "name_upper?: never", "name: string", "tags?: string[]", "priority?: 1 | 2 | 3"):
        assert f"          {line}\n" in insert, line
    assert 'isOneToOne: true\n            referencedRelation: "authors"' in ts  # author_details.author_id is its key
    assert 'foreignKeyName: "posts_author_id_fkey"\n            columns: ["author_id"]\n            isOneToOne: false' in ts
    assert 'kind: "a" | "b" | null' in ts
    views = ts[ts.index("    Views: {"):ts.index("    Functions: {")]
    assert 'columns: ["writer"]\n            isOneToOne: false\n            referencedRelation: "author_names"' in views
    assert 'columns: ["writer"]\n            isOneToOne: false\n            referencedRelation: "authors"' in views
    assert "add: { Args: { a: number; b?: number }; Returns: number }" in ts
    assert "post_counts: { Args: Record<PropertyKey, never>; Returns: { author_id: number; n: number }[] }" in ts
    assert 'moods_of: { Args: { who: number }; Returns: Database["public"]["Enums"]["mood"][] }' in ts
    assert (
        'posts_of: { Args: { "": Database["public"]["Tables"]["authors"]["Row"] }; '
        'Returns: Database["public"]["Tables"]["posts"]["Row"][]; '
        'SetofOptions: { from: "authors"; to: "posts"; isOneToOne: false; isSetofReturn: true } }'
    ) in ts
    assert (
        'first_posts: { Args: Record<PropertyKey, never>; Returns: Database["public"]["Tables"]["posts"]["Row"]; '
        'SetofOptions: { from: "*"; to: "posts"; isOneToOne: true; isSetofReturn: true } }'  # ROWS 1: one row
    ) in ts
    assert '          initials: string | null\n' in row  # a computed field of authors
    assert 'echo: { Args: { "": string }; Returns: string }' in ts
    assert "twice:" not in ts  # one unnamed integer argument: PostgREST cannot call it
    assert 'mood: ["happy", "sad"],' in ts  # Constants


# -- Python --------------------------------------------------------------------------

USAGE = """from __future__ import annotations

import datetime
import uuid

from {module} import SubscriptionsInsert, SubscriptionsRow, SubscriptionsUpdate, UsersRow


def describe(row: SubscriptionsRow) -> str:
    ends: datetime.datetime | None = row["trial_ends_at"]
    who: uuid.UUID = row["user_id"]
    return f"{{who}} {{row['status']}} {{ends}}"


new: SubscriptionsInsert = {{"user_id": uuid.uuid4(), "status": "trial", "plan": "free"}}
change: SubscriptionsUpdate = {{"status": "active"}}
user: UsersRow = {{
    "id": uuid.uuid4(), "email": "a@b.c",
    "created_at": datetime.datetime.now(), "updated_at": datetime.datetime.now(),
}}
"""

PYDANTIC_USAGE = """from __future__ import annotations

import datetime
import uuid

from {module} import SubscriptionsInsert, SubscriptionsRow, SubscriptionsUpdate


def describe(row: SubscriptionsRow) -> str:
    ends: datetime.datetime | None = row.trial_ends_at
    who: uuid.UUID = row.user_id
    return f"{{who}} {{row.status}} {{ends}}"


new = SubscriptionsInsert(user_id=uuid.uuid4(), status="trial", plan="free")
change = SubscriptionsUpdate(status="active")
"""


def mypy(folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file", "/dev/null", *files],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize("pydantic", [False, True], ids=["typeddict", "pydantic"])
def test_python_module_passes_mypy_strict(pydantic: bool, pg_admin_url: str, tmp_path: Path) -> None:
    extra = ["--pydantic"] if pydantic else []
    module = generate("python", "--schema-dir", str(SEED_DIR), "--shadow-url", pg_admin_url, "--check-unions", *extra)
    assert module.startswith("# generated by schemakit, do not edit")
    (tmp_path / "seed_types.py").write_text(module)
    usage = (PYDANTIC_USAGE if pydantic else USAGE).format(module="seed_types")
    (tmp_path / "usage.py").write_text(usage)
    res = mypy(tmp_path, "seed_types.py", "usage.py")
    assert res.returncode == 0, res.stdout + res.stderr
    imported = subprocess.run([sys.executable, "-c", "import seed_types"], cwd=tmp_path, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    # mypy sees the types: a status outside the CHECK list is rejected.
    (tmp_path / "usage.py").write_text(usage.replace('status="active"', 'status="bogus"').replace('"status": "active"', '"status": "bogus"'))
    assert mypy(tmp_path, "seed_types.py", "usage.py").returncode == 1


def test_python_for_every_kind_passes_mypy_strict(pg_admin_url: str, loaded_db: str, tmp_path: Path) -> None:
    load(loaded_db, schema_dir_for("kinds", tmp_path), pg_admin_url)
    (tmp_path / "kinds_td.py").write_text(generate("python", "--db", loaded_db, "--check-unions"))
    (tmp_path / "kinds_pd.py").write_text(generate("python", "--db", loaded_db, "--pydantic"))
    (tmp_path / "use_kinds.py").write_text(
        "from kinds_pd import AuthorsInsert, AuthorsRow as Model\n"
        "from kinds_td import AuthorsInsert as Dict, AuthorsRow, Mood\n"
        "def f(row: AuthorsRow, m: Model) -> Mood | None:\n"
        "    a: int = row['priority']\n"
        "    b: str | None = row['user-name']\n"
        "    return None if m.from_ is None else 'happy'\n"
        "new: Dict = {'name': 'Ann', 'from': None, 'priority': 3}\n"
        "other = AuthorsInsert(name='Ann', from_=None)\n"
    )
    res = mypy(tmp_path, "kinds_td.py", "kinds_pd.py", "use_kinds.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_pydantic_models_validate_fetched_rows(pg_admin_url: str, loaded_db: str, tmp_path: Path) -> None:
    schema = schema_dir_for("kinds", tmp_path)
    load(loaded_db, SEED_DIR, pg_admin_url)
    with psycopg.connect(loaded_db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-000000000001', 'a@b.c');"
            "INSERT INTO public.users (id, email) VALUES ('00000000-0000-0000-0000-000000000001', 'a@b.c');"
            "INSERT INTO public.subscriptions (user_id, status, plan, trial_ends_at)"
            " VALUES ('00000000-0000-0000-0000-000000000001', 'trial', 'pro', now());"
            "INSERT INTO public.usage_counters (user_id, metric, count, window_start, window_end)"
            " VALUES ('00000000-0000-0000-0000-000000000001', 'api_calls', 7, now(), now())"
        )
        load(loaded_db, schema, pg_admin_url)  # the kinds too, into the same database
        conn.execute(
            "INSERT INTO public.authors (name, email, tags, moods, score, profile, home, ip, blob, pause, born, wakes, seen)"
            " VALUES ('Ann', 'ann@x', '{a,b}', '{happy}', 1.5, '{\"k\": [1, null]}', ROW('Main St', 12345),"
            " '10.0.0.1', '\\x00ff', '1 day', '2000-01-01', '07:00', now());"
            "INSERT INTO public.posts (author_id, kind) SELECT id, 'a' FROM public.authors"
        )
        rows: dict[str, list[dict[str, object]]] = {}
        for table in ("users", "subscriptions", "usage_counters", "authors", "posts", "author_names"):
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(psycopg.sql.SQL("SELECT * FROM {}").format(psycopg.sql.Identifier("public", table)))
                rows[table] = cur.fetchall()
    module = generate("python", "--db", loaded_db, "--pydantic", "--check-unions")
    (tmp_path / "db_models.py").write_text(module)
    sys.path.insert(0, str(tmp_path))
    try:
        import db_models

        for table, fetched in rows.items():
            assert fetched, table
            model = getattr(db_models, "".join(w.capitalize() for w in table.split("_")) + "Row")
            for row in fetched:
                validated = model.model_validate(row)
                assert validated.model_dump(by_alias=True) == row
        bad = dict(rows["subscriptions"][0], status="bogus")
        with pytest.raises(Exception, match="status"):
            db_models.SubscriptionsRow.model_validate(bad)
        with pytest.raises(Exception, match="user_id"):
            db_models.SubscriptionsInsert.model_validate({"status": "trial", "plan": "free"})
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("db_models", None)


# -- check integration -----------------------------------------------------------------


def test_check_fails_when_a_types_file_is_stale(pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SEED_DIR, tmp_path / "schema")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.schemakit]\ntypes = [\n"
        '  { language = "typescript", out = "web/database.types.ts", check-unions = true },\n'
        '  { language = "python", out = "app/db_types.py", pydantic = true },\n'
        "]\n"
    )
    monkeypatch.chdir(tmp_path)
    shadow_flag = ["--shadow-url", pg_admin_url]
    assert run_cli("plan", "--write", "--name", "init", *shadow_flag).exit_code == 0
    missing = run_cli("check", *shadow_flag)
    assert missing.exit_code == 1 and "check failed: web/database.types.ts is missing" in missing.stderr, missing.output
    assert run_cli("types", "typescript", "--check-unions", "--out", "web/database.types.ts", *shadow_flag).exit_code == 0
    assert run_cli("types", "python", "--pydantic", "--out", "app/db_types.py", *shadow_flag).exit_code == 0
    ok = run_cli("check", *shadow_flag)
    assert ok.exit_code == 0, ok.output
    # A schema change with its migration, but without regenerating the types: stale.
    with (tmp_path / "schema" / "0001_init.sql").open("a") as f:
        f.write("\nALTER TABLE public.users ADD COLUMN nickname text;\n")
    assert run_cli("plan", "--write", "--name", "nickname", *shadow_flag).exit_code == 0
    stale = run_cli("check", *shadow_flag)
    assert stale.exit_code == 1
    assert (
        "check failed: web/database.types.ts is out of date: regenerate it with "
        "`schemakit types typescript --check-unions --out web/database.types.ts`"
    ) in stale.stderr
    assert "app/db_types.py is out of date" in stale.stderr


def test_bad_types_setting_is_an_error(pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SEED_DIR, tmp_path / "schema")
    (tmp_path / "pyproject.toml").write_text('[tool.schemakit]\ntypes = [{ language = "rust", out = "x.rs" }]\n')
    monkeypatch.chdir(tmp_path)
    res = run_cli("check", "--shadow-url", pg_admin_url)
    assert res.exit_code == 1 and "language must be one of typescript, python" in res.stderr


# -- CHECK literal lists ------------------------------------------------------------------


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=8), min_size=1, max_size=6, unique=True))
def test_literal_lists_round_trip(values: list[str]) -> None:
    as_printed = "(status = ANY (ARRAY[" + ", ".join(_quote(v) + "::text" for v in values) + "]))"
    assert literal_list(as_printed, "status") == tuple(values)
    ors = "(" + " OR ".join(f"(status = {_quote(v)}::text)" for v in values) + " OR (status IS NULL))"
    assert literal_list(ors, "status") == tuple(values)


def test_literal_lists_need_the_whole_expression() -> None:
    assert literal_list("(priority = ANY (ARRAY[1, 2, 3]))", "priority") == (1, 2, 3)
    assert literal_list("(char_length(username) >= 3)", "username") is None
    assert literal_list("((status = 'a'::text) OR (length(status) > 3))", "status") is None
    assert literal_list("(other = ANY (ARRAY['a'::text]))", "status") is None
    assert literal_list("((status = ANY (ARRAY['a'::text, 'b'::text])) AND (status <> 'b'::text))", "status") == ("a", "b")
    assert literal_list("((s = ANY (ARRAY['a'::text, 'b'::text])) AND (s = ANY (ARRAY['b'::text, 'c'::text])))", "s") == ("b",)


def test_real_catalog_prints_what_the_parser_reads(loaded_db: str) -> None:
    with psycopg.connect(loaded_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE t (a text CHECK (a IN ('x', 'it''s')), b varchar(5) CHECK (b = 'p' OR b = 'q'),"
            " c int CHECK (c IN (-1, 0, 1)), d text CHECK (d IN ('x') AND length(d) = 1))"
        )
    cols = {c.name: c.allowed for c in catalog_from_database(loaded_db, ["public"]).relations[0].columns}
    assert cols == {"a": ("x", "it's"), "b": ("p", "q"), "c": (-1, 0, 1), "d": ("x",)}


# -- the command as a user meets it -------------------------------------------------------


def test_offline_from_the_schema_files_with_only_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """No --db, no --shadow-url, no DATABASE_URL: schemakit starts its own server in .schemakit/."""
    project = Path(tempfile.mkdtemp(prefix="schemakit-types-"))
    try:
        shutil.copytree(SEED_DIR, project / "schema")
        monkeypatch.chdir(project)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        ts = generate("typescript", "--check-unions")
        assert '"trial" | "active" | "cancelled" | "expired" | "past_due"' in ts
        assert (project / ".schemakit" / "pg").is_dir()
    finally:
        embedded.stop(project / ".schemakit" / "pg")
        shutil.rmtree(project, ignore_errors=True)


def test_errors_are_clean(pg_admin_url: str) -> None:
    res = run_cli("types", "typescript", "--db", "postgresql://u:s3cr3tpw@127.0.0.1:1/x")
    assert res.exit_code == 1 and "cannot connect" in res.stderr
    assert "s3cr3tpw" not in res.output and "Traceback" not in res.output
    res = run_cli("types", "python", "--schema-dir", str(SEED_DIR), "--shadow-url", pg_admin_url, "--schema", "public,nope")
    assert res.exit_code == 1 and "no schema named nope" in res.stderr
