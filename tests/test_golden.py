"""Golden outputs: the plans schemakit prints stay byte-identical across refactors.

Recorded before issue 13 moved each object kind into a module of its own, and compared
on every run since: the text (with its SQL), markdown, JSON and SQL plans of

- the seed (schema/), planned by the CLI against an empty baseline database;
- each file of the shared corpus, likewise (only a SHA-256 of each output is kept, so
  nothing of the corpus is copied into the project);
- 50 schema pairs (A, B) drawn by the property test's generator, plus its hand-kept
  regression cases: A loaded into a database, B's files planned against it. The pairs'
  SQL is stored with the outputs, so a new Hypothesis version draws nothing new here.

Outputs depend on the server's major (deparsed text), so each major has its own
recordings under tests/golden/pg<major>/. Record (only when a change of output is
intended, and say so in the commit): ``SCHEMAKIT_GOLDEN_RECORD=1 pytest tests/test_golden.py``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import psycopg
import pytest

from schemakit.catalog import read_model
from schemakit.desired import desired_model
from schemakit.render.formats import as_grouped_markdown, as_readable_text, render_plan
from schemakit.server import shadow
from schemakit.source import load_schema_dir
from schemakit.workflow import plan_models, row_probe

from tests.conftest import as_role
from tests.helpers import CORPUS, SEED_DIR, run_cli, skip_without_corpus

GOLDEN = Path(__file__).resolve().parent / "golden"
RECORD = os.environ.get("SCHEMAKIT_GOLDEN_RECORD") == "1"
#: The property pairs, in chunks (one test each, so that xdist spreads them).
CHUNKS = 5
FORMATS = ("text", "markdown", "json", "sql")


def _major(admin_url: str) -> int:
    with psycopg.connect(admin_url) as conn:
        return conn.info.server_version // 10000


def _folder(admin_url: str) -> Path:
    folder = GOLDEN / f"pg{_major(admin_url)}"
    if not RECORD and not folder.is_dir():
        pytest.skip(f"no golden outputs recorded for PostgreSQL {_major(admin_url)} (tests/golden/)")
    return folder


def _compare(path: Path, actual: Mapping[str, object]) -> None:
    if RECORD:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"), object_hook=lambda d: {k: _masked(v) if isinstance(v, str) else v for k, v in d.items()})
    if actual == expected:
        return
    diffs: list[str] = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key), actual.get(key)
        if want != got:
            a = json.dumps(want, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
            b = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
            diffs.append("\n".join(difflib.unified_diff(a, b, f"golden {key}", f"now {key}", lineterm="", n=2)))
    raise AssertionError(f"output differs from {path.relative_to(GOLDEN.parent)}:\n" + "\n".join(diffs)[:20000])


def _cli_outputs(schema_dir: Path, url: str, admin_url: str) -> dict[str, str]:
    """The CLI's four plan formats, with the target's random database name masked."""
    dbname = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    out: dict[str, str] = {}
    flags = ["--schema-dir", str(schema_dir), "--db", url, "--shadow-url", admin_url]
    for fmt in FORMATS:
        extra = ["--sql"] if fmt == "text" else []
        res = run_cli("plan", *flags, "--format", fmt, *extra)
        text = f"exit {res.exit_code}\n--- stdout\n{res.stdout}--- stderr\n{res.stderr}"
        out[fmt] = _masked(text.replace(str(dbname), "<db>"))
    return out


def _masked(text: str) -> str:
    """The test server's address masked: it depends on where the server runs."""
    return re.sub(r"127\.0\.0\.1:\d+|host=\S+ port=\d+", "<server>", text)


def test_seed(baseline_db: str, pg_admin_url: str) -> None:
    folder = _folder(pg_admin_url)
    _compare(folder / "seed.json", _cli_outputs(SEED_DIR, as_role(baseline_db, "schemakit_owner"), pg_admin_url))


def _corpus_names() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.sql")) if CORPUS.is_dir() else ["(absent)"]


@pytest.mark.parametrize("name", _corpus_names())
def test_corpus(name: str, baseline_db: str, pg_admin_url: str, tmp_path: Path) -> None:
    skip_without_corpus()
    folder = _folder(pg_admin_url)
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / name).symlink_to(CORPUS / name)
    outputs = _cli_outputs(schema, as_role(baseline_db, "schemakit_owner"), pg_admin_url)
    digests = {fmt: hashlib.sha256(text.replace(str(tmp_path), "<tmp>").encode()).hexdigest() for fmt, text in outputs.items()}
    _compare(folder / "corpus" / f"{name}.json", digests)


# -- the property pairs ------------------------------------------------------------


def _draw_pairs(n: int) -> list[tuple[str, str, str]]:
    """n pairs from the property test's generator, plus its regression cases."""
    from hypothesis import HealthCheck, given, settings

    from tests.schemagen import Spec, pairs, render
    from tests.test_property import REGRESSIONS

    drawn: list[tuple[str, str, str]] = []

    @settings(max_examples=n, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(pair=pairs())
    def collect(pair: tuple[Spec, Spec]) -> None:
        a, b = pair
        if len(drawn) < n:
            drawn.append((f"drawn {len(drawn)}", render(a), render(b)))

    collect()
    return drawn + list(REGRESSIONS)


def _pairs_file() -> Path:
    return GOLDEN / "pairs.json"


def _pairs() -> list[tuple[str, str, str]]:
    path = _pairs_file()
    if RECORD and not path.exists():
        pairs = _draw_pairs(50)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(pairs, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [(n, a, b) for n, a, b in json.loads(path.read_text(encoding="utf-8"))]


def _plan_outputs(admin_url: str, a_sql: str, b_sql: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="schemakit-golden-") as tmp:
        schema = Path(tmp) / "schema"
        schema.mkdir()
        (schema / "schema.sql").write_text(b_sql, encoding="utf-8")
        desired = desired_model(load_schema_dir(schema), admin_url)
    with shadow.temporary_database(admin_url, baseline=True, prefix="schemakit_golden") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(a_sql.encode())
            plan = plan_models(read_model(conn), desired, row_probe(conn))
    return {
        "text": "".join(as_readable_text(plan, sql=True)),
        "markdown": "".join(as_grouped_markdown(plan)),
        "json": render_plan(plan, "json"),
        "sql": render_plan(plan, "sql"),
    }


def _chunk(items: list[tuple[str, str, str]], k: int) -> Iterator[tuple[str, str, str]]:
    return iter(items[k::CHUNKS])


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_property_pairs(chunk: int, pg_admin_url: str) -> None:
    folder = _folder(pg_admin_url)
    actual: dict[str, object] = {}
    for name, a_sql, b_sql in _chunk(_pairs(), chunk):
        actual[name] = _plan_outputs(pg_admin_url, a_sql, b_sql)
    assert actual
    _compare(folder / f"pairs-{chunk}.json", actual)
