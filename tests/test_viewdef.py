"""View definitions printed by PostgreSQL 15 and by 16+ compare equal.

The pairs below are pg_get_viewdef output of the same views, read from a
PostgreSQL 15.18 and an 18.1 server (2026-11-24). A model holding either text
has the same fingerprint, and the diff sees no change.
"""

from __future__ import annotations

import pytest

from schemakit.diff import diff_models
from schemakit.model import Model
from schemakit.kinds.view import View
from schemakit.viewdef import normalize

PAIRS = [
    (" SELECT t.id,\n    t.x\n   FROM t\n  WHERE (t.x > 0);", " SELECT id,\n    x\n   FROM t\n  WHERE (x > 0);"),
    (
        " SELECT t.id\n   FROM t\n  WHERE (t.x > ( SELECT max(u.y) AS max\n           FROM u\n          WHERE (u.id = t.id)));",
        " SELECT id\n   FROM t\n  WHERE (x > ( SELECT max(u.y) AS max\n           FROM u\n          WHERE (u.id = t.id)));",
    ),
    (
        " WITH c AS (\n         SELECT t.id\n           FROM t\n        )\n SELECT c.id\n   FROM c;",
        " WITH c AS (\n         SELECT t.id\n           FROM t\n        )\n SELECT id\n   FROM c;",
    ),
    (" SELECT x.id\n   FROM t x\n  ORDER BY x.x;", " SELECT id\n   FROM t x\n  ORDER BY x;"),
    (' SELECT "Odd".id\n   FROM "Odd";', " SELECT id\n   FROM \"Odd\";"),
]
SAME_ON_BOTH = [
    " SELECT t.id,\n    u.y\n   FROM (t\n     JOIN u ON ((t.id = u.id)));",
    " SELECT t.id\n   FROM t\nUNION ALL\n SELECT u.id\n   FROM u;",
]


@pytest.mark.parametrize(("pg15", "pg16"), PAIRS)
def test_majors_agree(pg15: str, pg16: str) -> None:
    assert normalize(pg15) == pg16
    assert normalize(pg16) == pg16


@pytest.mark.parametrize("text", SAME_ON_BOTH)
def test_qualified_where_every_major_qualifies(text: str) -> None:
    assert normalize(text) == text


def test_models_from_two_majors_do_not_differ() -> None:
    def model(definition: str, version: int) -> Model:
        v = View(schema="public", name="v", definition=definition, columns=("id integer", "x integer"))
        return Model(objects={v.key: v}, server_version=version)

    old, new = model(PAIRS[0][0], 150018), model(PAIRS[0][1], 180001)
    assert old.fingerprint() == new.fingerprint()
    assert diff_models(old, new) == []
    changed = model(PAIRS[0][1].replace("> 0", "> 1"), 180001)
    assert diff_models(old, changed) != []
