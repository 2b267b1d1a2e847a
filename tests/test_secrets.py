"""A password in a connection URL never appears in any output schemakit produces."""

from __future__ import annotations

from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.conftest import as_role
from tests.helpers import Target, query, run_cli, seed_project

SECRET = "pw-S3cr3t-9f81"


def with_password(url: str) -> str:
    # The test servers trust loopback connections, so the password is carried but unused.
    params = conninfo_to_dict(url)
    params["password"] = SECRET
    return make_conninfo("", **params)


def test_password_never_appears(baseline_db: str, pg_admin_url: str, tmp_path: Path) -> None:
    url = with_password(as_role(baseline_db, "schemakit_owner"))
    shadow = with_password(pg_admin_url)
    t = Target(url, shadow, seed_project(tmp_path))
    outputs: list[str] = []
    for fmt in ("text", "sql", "json", "markdown"):
        res = t.plan("--format", fmt)
        assert res.exit_code == 0, res.output
        outputs.append(res.output)
    applied = t.apply()
    assert applied.exit_code == 0, applied.output
    outputs.append(applied.output)
    snap = run_cli("snapshot", "--db", url)
    assert snap.exit_code == 0, snap.output
    outputs.append(snap.output)
    outputs.append(run_cli("diff", url, url, "--format", "text").output)
    # Errors: a failing apply, and an unreachable server, both with the password in the URL.
    (t.schema_dir / "0001_init.sql").write_text(
        (t.schema_dir / "0001_init.sql").read_text() + "\nCREATE INDEX broken ON public.nope (x);\n"
    )
    outputs.append(t.plan().output)
    outputs.append(run_cli("plan", "--schema-dir", str(t.schema_dir), "--db", f"postgresql://u:{SECRET}@127.0.0.1:1/x").output)
    # diff reads both databases at once: a failure is reported for the URL that failed.
    unreachable = run_cli("diff", url, f"postgresql://u:{SECRET}@127.0.0.1:1/x")
    assert unreachable.exit_code == 1
    assert "127.0.0.1:1/x" in unreachable.output and "check the URL given by URL_B" in unreachable.output
    outputs.append(unreachable.output)
    history = query(url, "SELECT row_to_json(h)::text FROM schemakit.history h")
    assert history
    for text in [*outputs, *(row[0] for row in history)]:
        assert SECRET not in text
