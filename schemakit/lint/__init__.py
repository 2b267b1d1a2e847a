"""``schemakit lint``: security, performance and migration-safety checks, offline.

Model rules (splinter's names and meanings) run on a Model: the schema files' desired
state by default, a live database's or a snapshot's. Live rules need a database's
statistics. Plan rules (squawk's class) run on a Plan. Each finding is traced back to
the statement of the schema files that declares its object (``file:line:col``), and a
``-- schemakit: ignore RULE`` comment on that statement silences it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from schemakit.errors import UsageError
from schemakit.lint import performance, rls, security
from schemakit.lint.context import Context
from schemakit.lint.findings import RULES, Finding, Level, LintReport, Rule
from schemakit.lint.sources import StatementIndex
from schemakit.model import Model
from schemakit.source import SourceStatement

__all__ = ["RULES", "Finding", "Level", "LintReport", "Rule", "lint", "parse_ignore"]

MODEL_RULES: tuple[Callable[[Context], Iterator[Finding]], ...] = (*rls.RULES, *security.RULES, *performance.RULES)


def parse_ignore(text: str | None) -> frozenset[str]:
    """``--ignore a,b``: rule ids, each one schemakit knows (else a usage error)."""
    names = frozenset(n.strip() for n in (text or "").split(",") if n.strip())
    unknown = sorted(names - set(RULES))
    if unknown:
        raise UsageError(
            f"--ignore: unknown rule {', '.join(unknown)}",
            hint="the rules: " + ", ".join(RULES),
        )
    return names


def _sort_key(f: Finding) -> tuple[int, str, int, int, str, str]:
    loc = f.location
    if loc is None:
        return (1, "", 0, 0, f.rule, f.object)
    return (0, loc.file, loc.line, loc.col, f.rule, f.object)


def lint(
    model: Model | None,
    statements: Sequence[SourceStatement] = (),
    *,
    ignore: Iterable[str] = (),
    extra: Iterable[Finding] = (),
) -> LintReport:
    """The findings of the model rules on ``model`` (none when it is None) and of
    ``extra`` (live or plan findings), located in ``statements`` and filtered by the
    suppression comments there and by ``ignore``."""
    index = StatementIndex(statements) if statements else None
    found: list[Finding] = []
    if model is not None:
        ctx = Context.of(model, index)
        for rule in MODEL_RULES:
            found.extend(rule(ctx))
    found.extend(extra)
    skipped = frozenset(ignore)
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for f in found:
        if f.rule in skipped:
            continue
        if index is not None:
            f = f.at(index.location(f.subject))
            silenced = index.ignores(f.subject)
            if f.rule in silenced or "all" in silenced:
                suppressed.append(f)
                continue
        kept.append(f)
    return LintReport(
        findings=tuple(sorted(kept, key=_sort_key)),
        suppressed=tuple(sorted(suppressed, key=_sort_key)),
        ignored=tuple(sorted(skipped)),
    )
