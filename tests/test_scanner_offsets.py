"""pglast's scanner counts characters, not bytes: code that cuts statements at its
token offsets must stay right after non-ASCII text (names, literals, comments)."""

from __future__ import annotations

import json
from pathlib import Path

from pglast.parser import scan

from schemakit.lint.exprs import without_comments
from schemakit.renames import declared_renames
from schemakit.renames.rewrite import swap
from schemakit.source import load_schema_dir

from tests.helpers import run_cli


def test_the_scanner_counts_characters() -> None:
    text = "select 'ééé', ab"
    tokens = [(t.start, t.end, t.name) for t in scan(text)]
    assert text[tokens[-1][0] : tokens[-1][1] + 1] == "ab"


def test_rename_rewrite_after_non_ascii_names() -> None:
    assert swap('SELECT "café", prix FROM t', "prix", "price") == 'SELECT "café", price FROM t'
    assert swap("SELECT 'déjà' AS x, total FROM t WHERE total > 0", "total", "sum") == (
        "SELECT 'déjà' AS x, sum FROM t WHERE sum > 0"
    )


def test_comments_removed_after_non_ascii_text() -> None:
    assert without_comments("SELECT 'naïve' -- un commentaire\n, b /* é */ FROM t") == "SELECT 'naïve' \n, b  FROM t"


def test_directives_after_non_ascii_text(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text(
        "CREATE TABLE public.café (\n"
        "    note text DEFAULT 'été',  -- schemakit: renamed-from remarque\n"
        "    prix int  -- schemakit: renamed-from coût\n"
        ");\n"
        "CREATE TYPE public.humeur AS ENUM ('gai', -- schemakit: renamed-from 'joyeux'\n"
        "    'ça va'  -- schemakit: renamed-from 'bof'\n"
        ");\n",
        encoding="utf-8",
    )
    found = [(d.kind, d.new, d.old, d.location.line) for d in declared_renames(load_schema_dir(tmp_path))]
    assert found == [
        ("column", "note", "remarque", 2),
        ("column", "prix", "coût", 3),
        ("enum value", "gai", "joyeux", 5),
        ("enum value", "ça va", "bof", 6),
    ]


def test_lint_suppression_after_non_ascii_text(pg_admin_url: str, tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "a.sql").write_text(
        "CREATE TABLE public.notes (id uuid PRIMARY KEY, owner uuid, titre text DEFAULT 'sans titre – brouillon');\n"
        "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY \"lecture (propriétaire — « le sien »)\" ON public.notes FOR SELECT TO authenticated\n"
        "    -- schemakit: ignore auth_rls_initplan\n"
        "    USING (auth.uid() = owner);\n",
        encoding="utf-8",
    )
    res = run_cli("lint", "--schema-dir", str(schema), "--shadow-url", pg_admin_url, "--format", "json")
    report = json.loads(res.stdout)
    assert [f["rule"] for f in report["suppressed"]] == ["auth_rls_initplan"], res.output
    assert "auth_rls_initplan" not in [f["rule"] for f in report["findings"]]
