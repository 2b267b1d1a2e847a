"""The fast tree builder (schemakit/source/tree.py) against pglast's own parser.

``parse_source`` builds ``pglast.ast`` trees from the parser's JSON without pglast's
per-attribute validation. These tests hold it to the trees ``pglast.parse_sql`` builds
for the same statement text, attribute by attribute and type-exact (enums, positions,
tuples), so that a pglast or libpg_query upgrade that changes the JSON fails here
rather than in a plan. No database is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pglast
import pytest
from hypothesis import HealthCheck, given, settings
from pglast import ast

from bench.generate import generate
from schemakit.source.parse import parse_source, read_source
from tests.schemagen import pairs, render

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "realworld"


def _same(fast: Any, slow: Any, path: str) -> None:
    assert type(fast) is type(slow), f"{path}: {type(fast).__name__} {fast!r:.80} != {type(slow).__name__} {slow!r:.80}"
    if isinstance(fast, ast.Node):
        for slot in fast:
            _same(getattr(fast, slot), getattr(slow, slot), f"{path}.{type(fast).__name__}.{slot}")
    elif isinstance(fast, tuple):
        assert len(fast) == len(slow), f"{path}: {len(fast)} items != {len(slow)}"
        for i, (x, y) in enumerate(zip(fast, slow)):
            _same(x, y, f"{path}[{i}]")
    else:
        assert fast == slow, f"{path}: {fast!r} != {slow!r}"


def _compare_file(path: Path) -> int:
    compared = 0
    for raw, node, _nodes in parse_source(read_source(path, 0)):
        reference = [item.stmt for item in pglast.parse_sql(raw.sql) if item.stmt is not None]
        assert len(reference) == 1, raw.sql
        _same(node, reference[0], f"{path.name}@{raw.start}")
        compared += 1
    return compared


def _files() -> list[Path]:
    # slack-clone.sql does not parse (the issue calls it broken).
    corpus = sorted(p for p in CORPUS.glob("*.sql") if p.name != "slack-clone.sql")
    return [*corpus, *sorted((ROOT / "schema").glob("*.sql"))]


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_trees_equal_pglast_on_real_schemas(path: Path) -> None:
    assert _compare_file(path) > 0


def test_trees_equal_pglast_on_the_bench_schema(tmp_path: Path) -> None:
    generate(30, tmp_path)
    assert _compare_file(tmp_path / "schema.sql") > 30 * 5


def test_trees_equal_pglast_with_non_ascii_text(tmp_path: Path) -> None:
    # Positions are in characters; the parser's JSON counts bytes.
    path = tmp_path / "x.sql"
    path.write_text(
        "-- día, 日本\nCREATE TABLE \"tëst\" (id int PRIMARY KEY, nom text DEFAULT 'é' CHECK (nom <> 'ø'));\n"
        "COMMENT ON TABLE \"tëst\" IS 'ünïcode ✓';\n"
        "CREATE VIEW v AS SELECT id, nom || '→' AS x FROM \"tëst\" WHERE nom LIKE '%ß%';\n",
        encoding="utf-8",
    )
    assert _compare_file(path) == 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pair=pairs())
def test_trees_equal_pglast_on_generated_schemas(pair: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    a, b = pair
    directory = tmp_path_factory.mktemp("gen")
    for name, spec in (("a.sql", a), ("b.sql", b)):
        path = directory / name
        path.write_text(render(spec), encoding="utf-8")
        _compare_file(path)
