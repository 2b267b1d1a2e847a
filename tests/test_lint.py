"""schemakit lint (issue 17): model rules on the files' desired model, located at their
statements; suppression comments; the formats (SARIF validated against the 2.1.0 schema);
--fail-on; plan rules; live rules."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import SEED_DIR, run_cli, seed_project


def lint_cli(schema: Path, shadow: str, *extra: str) -> tuple[int, str]:
    res = run_cli("lint", "--schema-dir", str(schema), "--shadow-url", shadow, *extra)
    return res.exit_code, res.stdout if res.stdout else res.stderr


def test_seed_text(pg_admin_url: str) -> None:
    code, out = lint_cli(SEED_DIR, pg_admin_url)
    print(out)
    assert code == 0
