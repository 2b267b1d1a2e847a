"""Hostile input: the whole loader (parse, order, shadow load, catalog read) on mutated
real schemas ends in a located SourceError or a model, never anything else; and names
made of quotes, spaces, unicode and keywords converge through plan, apply and plan.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemakit.desired import desired_model
from schemakit.model import Model
from schemakit.source import SourceError, load_schema_dir
from tests.helpers import CORPUS, SEED_DIR, Target
from tests.test_kinds import step

FUZZ_EXAMPLES = int(os.environ.get("SCHEMAKIT_FUZZ_EXAMPLES", "1000"))

SOURCES = [p.read_text(encoding="utf-8") for p in sorted(SEED_DIR.glob("*.sql"))] + [
    p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.sql"))
]
JUNK = ["", ";", "$$", "'", '"', "(", ")", "begin atomic", "drop table x;", "\x00", "ü", "--", "/*", "create table"]


@st.composite
def mutated_sources(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + draw(st.integers(0, 400)))))
        text = text[:start] + draw(st.sampled_from(JUNK)) + text[end:]
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]  # truncated
    return text


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(mutated_sources(), st.text(max_size=300)))
def test_loader_ends_in_a_located_error_or_a_model(pg_admin_url: str, text: str) -> None:
    with tempfile.TemporaryDirectory(prefix="schemakit-fuzz-") as tmp:
        schema = Path(tmp)
        (schema / "fuzz.sql").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            model = desired_model(load_schema_dir(schema), pg_admin_url)
        except SourceError as error:
            assert error.location is None or error.location.line >= 1
            error.render()
            return
        assert isinstance(model, Model)


TORTURE = '''
CREATE SCHEMA "My App";
CREATE TYPE "My App"."Mood ""q""" AS ENUM ('it''s', 'a b', 'ünï', '$$');
CREATE TABLE "My App"."select" (
    "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "a b" text NOT NULL DEFAULT 'x''y' CHECK ("a b" <> '$$'),
    "x""y" "My App"."Mood ""q""",
    "ünïcödé" integer,
    "order" integer UNIQUE
);
CREATE INDEX "idx ""odd"" name" ON "My App"."select" ("a b", "order") WHERE "ünïcödé" > 0;
ALTER TABLE "My App"."select" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can't ""see"" $$" ON "My App"."select" FOR SELECT TO authenticated USING ("order" > 0);
CREATE VIEW "My App"."from" AS SELECT "a b", "x""y" FROM "My App"."select";
COMMENT ON TABLE "My App"."select" IS 'a ''quoted'' $$ comment; DROP TABLE x; --';
COMMENT ON COLUMN "My App"."select"."a b" IS E'back\\\\slash';
GRANT SELECT ("a b") ON "My App"."select" TO anon;
INSERT INTO storage.buckets (id, name, public) VALUES ('odd '' bucket $$', 'odd '' bucket $$', false);
'''


def test_identifier_torture_converges(blank_target: Target) -> None:
    target = blank_target
    step(target, TORTURE)
    step(target, TORTURE.replace('"ünïcödé" integer', '"ünïcödé" bigint').replace("'$$');", "'$$', 'new \" value');"))
