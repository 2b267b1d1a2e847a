

def test_saved_plan_with_the_baseline_step(plain: Target, tmp_path: Path) -> None:
    write(plain, PLATFORM_FILES)
    saved = tmp_path / "plan.json"
    res = plain.plan("--install-baseline", "--format", "json", "--out", str(saved))
    assert res.exit_code == 0, res.output
    steps = json.loads(saved.read_text())["steps"]
    assert steps[0]["kind"] == "baseline" and "CREATE SCHEMA IF NOT EXISTS auth" in "".join(steps[0]["sql"])
    assert query(plain.url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'auth'") == [(0,)]
    res = run_cli("apply", str(saved), "--db", plain.url, "--yes")
    assert res.exit_code == 0, res.output
    again = plain.plan("--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output
