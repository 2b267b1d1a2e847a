"""Rendering one change at a time: no database needed."""

from __future__ import annotations

import pglast

from schemakit.kinds.bucket import UpsertBucket
from schemakit.kinds.policy import CreatePolicy
from schemakit.kinds.table import CreateTable
from schemakit.model import quote_ident
from schemakit.kinds.bucket import Bucket
from schemakit.kinds.policy import Policy
from schemakit.kinds.columns import Column
from schemakit.kinds.table import Table
from schemakit.render.guard import render_change
from schemakit.kinds.trigger import trigger_or_replace
from schemakit.kinds.index import index_if_not_exists


def test_index_definitions_gain_if_not_exists() -> None:
    assert index_if_not_exists("CREATE INDEX i ON public.t USING btree (a)") == (
        "CREATE INDEX IF NOT EXISTS i ON public.t USING btree (a)"
    )
    assert index_if_not_exists("CREATE UNIQUE INDEX i ON public.t USING btree (a)").startswith(
        "CREATE UNIQUE INDEX IF NOT EXISTS i "
    )
    # Anything that is not PostgreSQL's own prefix goes through pglast.
    odd = index_if_not_exists("create  index i on public.t (a)")
    assert "IF NOT EXISTS" in odd and pglast.parse_sql(odd)


def test_triggers_become_create_or_replace() -> None:
    d = "CREATE TRIGGER t BEFORE UPDATE ON public.x FOR EACH ROW EXECUTE FUNCTION public.f()"
    assert trigger_or_replace(d).startswith("CREATE OR REPLACE TRIGGER t ")


def test_identifiers_are_quoted_only_when_needed() -> None:
    assert quote_ident("users") == "users"
    assert quote_ident("Users") == '"Users"'
    assert quote_ident("user") == '"user"'
    assert quote_ident('we"ird name') == '"we""ird name"'
    assert quote_ident("a$b") == '"a$b"'
    assert quote_ident("ünï") == '"ünï"'


def test_hostile_names_and_literals_render_as_valid_sql() -> None:
    evil = 'x"; DROP TABLE users; --'
    table = Table(schema="public", name=evil, columns=(Column(name="it's", type="text", default="'a''b'::text"),))
    policy = Policy(
        schema="public", table=evil, name="$$ policy $sk$", permissive=True, command="SELECT",
        roles=("authenticated",), using="true", check=None,
    )
    bucket = Bucket(id="o'brien\\files", name="o'brien\\files", public=False, file_size_limit=None,
                    allowed_mime_types=("image/png", 'we"ird,type'))
    for change in (CreateTable(table), CreatePolicy(policy), UpsertBucket(bucket)):
        for statement in render_change(change):
            parsed = pglast.parse_sql(statement)
            assert len(parsed) == 1, statement  # nothing smuggled in as a second statement
