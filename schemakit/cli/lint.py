"""``schemakit lint``: the typer command (the library is ``schemakit.lint``), and how
``schemakit plan`` prints the plan's lint findings under its hazards."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from schemakit.cli import console
from schemakit.errors import EXIT_ERROR
from schemakit.lint import Finding, Level, parse_ignore
from schemakit.cli.options import ConnectTimeout, ProfileOpt, SchemaDir, ShadowUrl
from schemakit.workflow import Project


class LintFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class FailOn(str, Enum):
    info = "info"
    warn = "warn"
    error = "error"


def lint_command(
    schema_dir: SchemaDir = None,
    db: Annotated[Optional[str], typer.Option("--db", help="Lint this live database's model instead of the schema files (adds the rules that need its statistics: unused_index, table_bloat); with --plan, the target to plan against.", show_default=False)] = None,
    from_snapshot: Annotated[Optional[Path], typer.Option("--from-snapshot", help="Lint this snapshot's model (from `schemakit snapshot`); with --plan, plan against it.", show_default=False)] = None,
    format: Annotated[LintFormat, typer.Option("--format", "-f", help="text (for people), json, sarif (SARIF 2.1.0, for GitHub code scanning) or github (workflow annotations).")] = LintFormat.text,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding reaches this level.")] = FailOn.error,
    ignore: Annotated[Optional[str], typer.Option("--ignore", help="Comma-separated rule ids to leave out.", show_default=False)] = None,
    plan: Annotated[bool, typer.Option("--plan", help="Also lint the plan from the target (--db, --from-snapshot, else the local server) to the schema files for migration safety.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the report to this file.", show_default=False)] = None,
    shadow_url: ShadowUrl = None,
    profile: ProfileOpt = None,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    """Check the schema for security, performance and migration-safety problems (exit 1 when
    a finding reaches --fail-on). A comment `-- schemakit: ignore RULE` on a statement
    silences that rule for the object it declares."""
    from schemakit.lint.output import as_github, as_json, as_sarif, text_lines  # imported when the command runs
    from schemakit.lint.project import LintRequest, lint_project

    progress = console.Reporter()
    try:
        request = LintRequest(db, from_snapshot, plan, shadow_url, profile, parse_ignore(ignore))
        report = lint_project(Project.find(schema_dir), request, progress)
    finally:
        progress.close()
    if format is LintFormat.text and out is None:
        console.write_lines(text_lines(report), sys.stdout)
    else:
        rendered = {
            LintFormat.text: lambda: "".join(line + "\n" for _, line in text_lines(report)),
            LintFormat.json: lambda: as_json(report),
            LintFormat.sarif: lambda: as_sarif(report),
            LintFormat.github: lambda: as_github(report),
        }[format]()
        if out is None:
            sys.stdout.write(rendered)
            sys.stdout.flush()
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(rendered, encoding="utf-8")
            progress(f"wrote {out}")
    if report.fails(Level.parse(fail_on.value)):
        raise typer.Exit(EXIT_ERROR)


def plan_notes(findings: Sequence[Finding], *, script: bool = False) -> None:
    """``schemakit plan``'s lint findings, each as a hazard note on standard error with
    its rule and fix. The missing lock_timeout only for a ``script`` (``--format sql``,
    ``--write``): ``schemakit apply`` sets one."""
    for f in findings:
        if f.rule == "require_timeout_settings" and not script:
            continue
        where = f" ({f.location})" if f.location is not None else ""
        console.say(f"lint: {f.rule} on {f.object}{where}: {f.message}; fix: {f.fix}", "hazard")
