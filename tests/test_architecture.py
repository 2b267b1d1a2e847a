"""Issue 13's shape rules, checked on the source itself: module and function sizes, an
opening comment in every module, and no layer importing a layer above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "schemakit"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_no_module_is_over_600_lines() -> None:
    long = {_name(p): n for p in MODULES if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, long


def test_no_function_is_over_80_lines() -> None:
    long: dict[str, int] = {}
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{_name(path)}:{node.lineno} {node.name}"] = lines
    assert not long, long


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_every_module_says_what_it_owns(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    if path.name == "__init__.py" and not tree.body:
        return  # an empty package marker
    assert doc and len(doc.split()) >= 5, f"{_name(path)} has no opening comment saying what it owns"


# Lower layers never import higher ones (the pipeline: source → model ← catalog, diff →
# plan → render / apply; the command line on top).
_ABOVE: dict[str, tuple[str, ...]] = {
    "schemakit.model": ("schemakit.diff", "schemakit.plan", "schemakit.render", "schemakit.cli", "schemakit.workflow"),
    "schemakit.kinds": ("schemakit.diff", "schemakit.plan", "schemakit.cli", "schemakit.workflow", "schemakit.catalog"),
    "schemakit.diff": ("schemakit.plan", "schemakit.cli", "schemakit.workflow"),
    "schemakit.plan": ("schemakit.render", "schemakit.cli", "schemakit.workflow", "schemakit.apply"),
    "schemakit.catalog": ("schemakit.diff", "schemakit.plan", "schemakit.cli", "schemakit.workflow"),
    "schemakit.source": ("schemakit.diff", "schemakit.plan", "schemakit.render", "schemakit.cli", "schemakit.workflow"),
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_no_layer_imports_a_layer_above_it() -> None:
    wrong: list[str] = []
    for path in MODULES:
        module = _name(path).removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        for layer, above in _ABOVE.items():
            if module == layer or module.startswith(layer + "."):
                for imported in _imports(path):
                    if any(imported == a or imported.startswith(a + ".") for a in above):
                        wrong.append(f"{module} imports {imported}")
    assert not wrong, wrong
