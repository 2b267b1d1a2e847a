"""Real-world schemas converge from an empty (baseline) database: plan, apply, plan again → nothing.

The corpus files are read in place (linked from a temporary schema folder), never copied
into the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import as_role
from tests.helpers import CORPUS, Target, query, requires_corpus

pytestmark = requires_corpus

OWNER = "schemakit_owner"

SCHEMAS = ["user-management.sql", "nextjs-subscription-payments.sql"]


def corpus_target(name: str, url: str, shadow: str, tmp: Path) -> Target:
    schema = tmp / "schema"
    schema.mkdir()
    (schema / name).symlink_to(CORPUS / name)
    return Target(as_role(url, OWNER), shadow, schema)


@pytest.mark.parametrize("name", SCHEMAS)
def test_corpus_converges_from_empty(name: str, baseline_db: str, pg_admin_url: str, tmp_path: Path) -> None:
    t = corpus_target(name, baseline_db, pg_admin_url, tmp_path)
    first = t.plan("--detailed-exitcode")
    assert first.exit_code == 2, first.output
    t.converge("--allow-hazards", "all")
    # The handle_new_user trigger on auth.users is the user's, and works.
    query(t.url, "INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-0000000000aa', 'a@x')")
    table = "profiles" if name == "user-management.sql" else "users"
    assert query(t.url, f"SELECT count(*) FROM public.{table}") == [(1,)]
