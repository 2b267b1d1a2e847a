"""A lint report as text (for people, coloured on a terminal by ``schemakit.console``),
JSON, SARIF 2.1.0 (GitHub code scanning) or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from schemakit import __version__
from schemakit.lint.findings import RULES, Finding, Level, LintReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Level.ERROR: "error", Level.WARN: "warning", Level.INFO: "note"}
_GITHUB_LEVEL = {Level.ERROR: "error", Level.WARN: "warning", Level.INFO: "notice"}
_TEXT_STYLE = {Level.ERROR: "error", Level.WARN: "warning", Level.INFO: "note"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(report: LintReport) -> str:
    counts = ", ".join(
        [_plural(report.count(Level.ERROR), "error"), _plural(report.count(Level.WARN), "warning"), f"{report.count(Level.INFO)} info"]
    )
    tail = f"; {len(report.suppressed)} suppressed by comments" if report.suppressed else ""
    return f"{_plural(len(report.findings), 'finding')}: {counts}{tail}"


def text_lines(report: LintReport) -> Iterator[tuple[str, str]]:
    """(style, line) pairs: each finding at its place, its fix below, then a summary."""
    for f in report.findings:
        where = f"{f.location}: " if f.location is not None else ""
        yield _TEXT_STYLE[f.level], f"{where}{f.level.label} {f.rule}: {f.object}: {f.message}"
        yield "hint", f"  fix: {f.fix}"
    if report.findings:
        yield "plain", ""
    yield "heading", summary(report)


def as_json(report: LintReport) -> str:
    def one(f: Finding) -> dict[str, Any]:
        loc = f.location
        return {
            "rule": f.rule,
            "level": f.level.label,
            "object": f.object,
            "message": f.message,
            "fix": f.fix,
            "location": None if loc is None else {"file": loc.file, "line": loc.line, "col": loc.col},
        }

    data = {
        "findings": [one(f) for f in report.findings],
        "suppressed": [one(f) for f in report.suppressed],
        "ignored": list(report.ignored),
        "summary": {
            "error": report.count(Level.ERROR),
            "warn": report.count(Level.WARN),
            "info": report.count(Level.INFO),
            "suppressed": len(report.suppressed),
        },
    }
    return json.dumps(data, indent=2) + "\n"


def _camel(rule: str) -> str:
    return "".join(w.capitalize() for w in rule.split("_"))


def as_sarif(report: LintReport) -> str:
    ids = list(RULES)
    rules = [
        {
            "id": r.id,
            "name": _camel(r.id),
            "shortDescription": {"text": r.description},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.level]},
            "properties": {"tags": [r.category.lower(), r.kind]},
        }
        for r in RULES.values()
    ]
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": ids.index(f.rule),
            "level": _SARIF_LEVEL[f.level],
            "message": {"text": f"{f.object}: {f.message}. Fix: {f.fix}"},
            "properties": {"object": f.object, "fix": f.fix},
        }
        if f.location is not None:
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": PurePath(f.location.file).as_posix()},
                        "region": {"startLine": f.location.line, "startColumn": f.location.col},
                    }
                }
            ]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "schemakit", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(report: LintReport) -> str:
    """One workflow command per finding (``::warning file=...,line=...,col=...::msg``)."""
    lines = []
    for f in report.findings:
        props = []
        if f.location is not None:
            loc = f.location
            props += [f"file={_escape_property(PurePath(loc.file).as_posix())}", f"line={loc.line}", f"col={loc.col}"]
        props.append(f"title={_escape_property(f.rule)}")
        message = _escape_data(f"{f.object}: {f.message}. Fix: {f.fix}")
        lines.append(f"::{_GITHUB_LEVEL[f.level]} {','.join(props)}::{message}\n")
    return "".join(lines)
