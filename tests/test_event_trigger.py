"""Event triggers, the kind added in the registry's shape (schemakit/kinds/event_trigger.py):
created, disabled, recreated and dropped, each step applied, planned again (empty), and
its script run a second time (it succeeds and changes nothing). Event triggers need a
superuser: these targets connect as one. The platform's (owned by supabase_admin, or
calling a function in a platform schema) are never read, so never dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemakit.kinds.event_trigger import EventTrigger
from tests.helpers import Target, model_of, query
from tests.test_core import _psql

FUNCTION = """
CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'ddl: %', tg_tag;
END
$$;
"""
CREATE = """
CREATE EVENT TRIGGER log_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
  EXECUTE FUNCTION public.log_ddl();
COMMENT ON EVENT TRIGGER log_ddl IS 'logs table DDL';
"""
DISABLE = "ALTER EVENT TRIGGER log_ddl DISABLE;\n"
RETAGGED = CREATE.replace("('CREATE TABLE', 'ALTER TABLE')", "('DROP TABLE')")

STATE = "SELECT evtname, evtevent, evtenabled::text, evttags FROM pg_event_trigger WHERE evtname = 'log_ddl'"
OIDS = "SELECT evtname, oid::bigint FROM pg_event_trigger ORDER BY 1"


@pytest.fixture
def target(baseline_db: str, pg_admin_url: str, tmp_path: Path) -> Target:
    """An empty schema folder against a fresh baseline database, as a superuser."""
    schema = tmp_path / "schema"
    schema.mkdir()
    return Target(baseline_db, pg_admin_url, schema)


def _step(t: Target, tmp_path: Path, text: str) -> str:
    """Write the schema; plan it as a script (something to do); apply and plan again
    (empty); run the script again: it succeeds and changes nothing. Returns the script."""
    (t.schema_dir / "schema.sql").write_text(text)
    script = tmp_path / "plan.sql"
    res = t.plan("--format", "sql", "--out", str(script), "--detailed-exitcode")
    assert res.exit_code == 2, res.output
    t.converge("--allow-hazards", "all", "--allow-destructive")
    model, oids = model_of(t.url), query(t.url, OIDS)
    again = _psql(t.url, script)
    assert again.returncode == 0, again.stderr
    assert query(t.url, OIDS) == oids
    assert model_of(t.url) == model
    res = t.plan("--detailed-exitcode")
    assert res.exit_code == 0 and "No changes" in res.stdout, res.output
    return script.read_text()


def test_event_trigger_create_disable_recreate_drop(target: Target, tmp_path: Path) -> None:
    script = _step(target, tmp_path, FUNCTION + CREATE)
    assert "CREATE EVENT TRIGGER log_ddl ON ddl_command_end WHEN TAG IN (''ALTER TABLE'', ''CREATE TABLE'')" in script
    assert "COMMENT ON EVENT TRIGGER log_ddl IS 'logs table DDL'" in script
    assert script.index("FUNCTION public.log_ddl()") < script.index("CREATE EVENT TRIGGER")
    assert query(target.url, STATE) == [("log_ddl", "ddl_command_end", "O", ["ALTER TABLE", "CREATE TABLE"])]
    (et,) = [o for o in model_of(target.url).objects.values() if isinstance(o, EventTrigger)]
    assert et.key == ("event trigger", "log_ddl") and et.function == "public.log_ddl"
    assert et.comment == "logs table DDL"

    script = _step(target, tmp_path, FUNCTION + CREATE + DISABLE)
    assert "ALTER EVENT TRIGGER log_ddl DISABLE" in script and "DROP EVENT TRIGGER" not in script
    assert query(target.url, STATE)[0][2] == "D"

    script = _step(target, tmp_path, FUNCTION + RETAGGED + DISABLE)
    assert "DROP EVENT TRIGGER IF EXISTS log_ddl" in script
    assert query(target.url, STATE) == [("log_ddl", "ddl_command_end", "D", ["DROP TABLE"])]
    assert query(target.url, "SELECT obj_description(oid, 'pg_event_trigger') FROM pg_event_trigger "
                 "WHERE evtname = 'log_ddl'") == [("logs table DDL",)]

    script = _step(target, tmp_path, "CREATE TABLE public.kept (id int);\n")
    assert script.index("DROP EVENT TRIGGER IF EXISTS log_ddl") < script.index("DROP FUNCTION")
    assert query(target.url, STATE) == []
    # the platform's event trigger (its function is in the extensions schema) is untouched
    assert query(target.url, "SELECT count(*) FROM pg_event_trigger WHERE evtname = 'issue_pg_net_access'") == [(1,)]


def test_event_trigger_plan_names_its_hazard(target: Target) -> None:
    (target.schema_dir / "schema.sql").write_text(FUNCTION + CREATE)
    res = target.plan()
    assert res.exit_code == 0, res.output
    assert "event trigger log_ddl" in res.stdout
    assert "has_untrackable_dependencies" in res.output.lower().replace(" ", "_"), res.output


def test_platform_event_triggers_are_never_read_nor_dropped(target: Target, pg_admin_url: str) -> None:
    """Supabase's event triggers are owned by supabase_admin: not the project's, whatever
    function they call; the baseline's own calls a function in the extensions schema."""
    query(
        target.url,
        FUNCTION + "CREATE EVENT TRIGGER platform_watch ON sql_drop EXECUTE FUNCTION public.log_ddl();"
        "ALTER EVENT TRIGGER platform_watch OWNER TO supabase_admin;",
    )
    names = {o.name for o in model_of(target.url).objects.values() if isinstance(o, EventTrigger)}
    assert names == set()
    (target.schema_dir / "schema.sql").write_text(FUNCTION)
    # Not judged: the platform's event triggers were made outside the files, on a function
    # the files declare (a judge setup runs before the files, so it cannot make them).
    target.converge("--allow-hazards", "all", judge=False)
    assert query(target.url, "SELECT evtname FROM pg_event_trigger ORDER BY 1") == [
        ("issue_pg_net_access",),
        ("platform_watch",),
    ]
