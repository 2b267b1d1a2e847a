"""The suite runs in a clone without ``../shared`` (issue 12, "The test suite runs
anywhere"): every function in tests/ that reads the shared corpus (``CORPUS / name``)
skips, with the one-line reason, when it is absent (the decorator, the call, or the
module's ``pytestmark``). ``CORPUS.glob`` (a list that is merely shorter without it)
and helpers.py itself are not readers.

Read statically, so it holds on a checkout that has the corpus too (CI, the project's
own), where a missing guard would otherwise go unseen until a user's clone fails."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
#: What counts as the guard: the decorator, the call, or a test of the directory itself.
GUARDS = {"requires_corpus", "skip_without_corpus", "is_dir"}


def _names(node: ast.AST) -> set[str]:
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
    return found


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


def _reads_corpus(fn: ast.FunctionDef) -> bool:
    """``CORPUS`` used other than as ``CORPUS.glob`` / ``CORPUS.is_dir``."""
    harmless: set[int] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Attribute) and node.attr in ("glob", "is_dir") and isinstance(node.value, ast.Name):
            harmless.add(id(node.value))
    return any(isinstance(n, ast.Name) and n.id == "CORPUS" and id(n) not in harmless for n in ast.walk(fn))


def _module_marked(tree: ast.Module) -> bool:
    """``pytestmark = requires_corpus`` (or a list holding it) at the top level."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            if "requires_corpus" in _names(node.value):
                return True
    return False


def _unguarded(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[str] = []
    if _module_marked(tree):
        return out
    for fn in _functions(tree):
        body = ast.Module(body=fn.body, type_ignores=[])
        if not _reads_corpus(fn):
            continue
        decorated = set().union(*(_names(d) for d in fn.decorator_list)) if fn.decorator_list else set()
        if not (GUARDS & (_names(body) | decorated)):
            out.append(f"{path.name}:{fn.lineno} {fn.name}")
    return out


def test_every_reader_of_the_shared_corpus_skips_without_it() -> None:
    modules = sorted(p for p in TESTS.glob("*.py") if p.name not in ("helpers.py", Path(__file__).name))
    unguarded = [hit for path in modules for hit in _unguarded(path)]
    assert unguarded == [], f"these read CORPUS without requires_corpus/skip_without_corpus: {unguarded}"


def test_the_check_sees_an_unguarded_reader(tmp_path: Path) -> None:
    bad = tmp_path / "test_bad.py"
    bad.write_text(
        "from tests.helpers import CORPUS, requires_corpus\n"
        "def test_reads(tmp_path):\n    (tmp_path / 'a.sql').symlink_to(CORPUS / 'a.sql')\n"
        "@requires_corpus\ndef test_guarded():\n    (CORPUS / 'a.sql').read_text()\n"
        "def names():\n    return sorted(CORPUS.glob('*.sql'))\n"
    )
    assert _unguarded(bad) == ["test_bad.py:2 test_reads"]
