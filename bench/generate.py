"""Synthetic Supabase-style schemas of N tables, and a variant changing about 10% of them.

Each table: uuid PK, FK to public.users, a CHECK list, defaults, two indexes, an
updated_at trigger, RLS and two policies.

    python bench/generate.py 1000 out/schema            # base
    python bench/generate.py 1000 out/changed --changed  # ~10% of tables changed
"""

from __future__ import annotations

import argparse
from pathlib import Path

HEADER = """CREATE TABLE public.users (
    id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
    email text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION public.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;
"""


def table_sql(i: int, changed: bool) -> str:
    name = f"item_{i:05d}"
    statuses = "'draft', 'active', 'archived'" + (", 'deleted'" if changed else "")
    extra = "    note text,\n" if changed else ""
    policy_using = "auth.uid() = user_id" + (" AND status <> 'deleted'" if changed else "")
    index2 = "" if changed else f"CREATE INDEX {name}_created_idx ON public.{name} (created_at);\n"
    return f"""
CREATE TABLE public.{name} (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ({statuses})),
    title text NOT NULL DEFAULT '',
    amount numeric(12, 2) DEFAULT 0,
{extra}    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX {name}_user_idx ON public.{name} (user_id);
{index2}CREATE TRIGGER {name}_touch BEFORE UPDATE ON public.{name}
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();
ALTER TABLE public.{name} ENABLE ROW LEVEL SECURITY;
CREATE POLICY "{name} owner reads" ON public.{name} FOR SELECT USING ({policy_using});
CREATE POLICY "{name} owner writes" ON public.{name} FOR ALL TO authenticated
    USING (auth.uid() = user_id) WITH CHECK (auth.uid() = user_id);
"""


def generate(n: int, out: Path, *, changed: bool = False) -> Path:
    """Write ``out/schema.sql`` with N tables; every 10th table changes when ``changed``."""
    out.mkdir(parents=True, exist_ok=True)
    parts = [HEADER] + [table_sql(i, changed and i % 10 == 0) for i in range(n)]
    path = out / "schema.sql"
    path.write_text("".join(parts))
    return path


def generate_files(n: int, out: Path) -> list[Path]:
    """The same schema as one file per table (``out/item_NNNNN.sql``, after
    ``out/00_users.sql``), as projects that keep a file per table have it."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "00_users.sql"]
    paths[0].write_text(HEADER)
    for i in range(n):
        paths.append(out / f"item_{i:05d}.sql")
        paths[-1].write_text(table_sql(i, False))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--changed", action="store_true")
    args = parser.parse_args()
    print(generate(args.n, args.out, changed=args.changed))


if __name__ == "__main__":
    main()
