"""The command line's layering and its one error table (issue 13):

- the ``schemakit.cli`` package has no import cycle, and no module of ``schemakit``
  outside it (but ``schemakit/entry.py``, the executable) imports it;
- every ``SchemakitError`` subclass has an exit code of the table, and the one handler
  (``schemakit.cli.handle_error``) prints its lines and gives that code; the typer app
  itself goes through it.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

import schemakit
from schemakit.errors import EXIT_CODES, SchemakitError

from tests.helpers import run_cli

PACKAGE = Path(schemakit.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The schemakit modules ``path`` imports, anywhere in it (in functions too):
    ``from a import b`` counts as ``a.b`` when that is a module, else as ``a``."""
    found: set[str] = set()
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
    return {name for name in found if name in modules}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` (as the path that closes it), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_cli_package_has_no_import_cycle() -> None:
    modules = _modules()
    cli = {name: path for name, path in modules.items() if name == "schemakit.cli" or name.startswith("schemakit.cli.")}
    assert "schemakit.cli.console" in cli and "schemakit.cli.plan" in cli
    graph = {name: _imports(path, modules) & set(cli) for name, path in cli.items()}
    assert _cycle(graph) is None, _cycle(graph)


def test_only_the_executable_imports_the_cli() -> None:
    modules = _modules()
    importers = sorted(
        name
        for name, path in modules.items()
        if not (name == "schemakit.cli" or name.startswith("schemakit.cli."))
        and any(m == "schemakit.cli" or m.startswith("schemakit.cli.") for m in _imports(path, modules))
    )
    assert importers == ["schemakit.entry"], importers


def _all_modules() -> Iterator[str]:
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="schemakit."):
        if not info.name.endswith(".__main__"):  # runs the command line
            yield info.name


def _subclasses(cls: type[SchemakitError]) -> set[type[SchemakitError]]:
    out: set[type[SchemakitError]] = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)}
    return out


def _error_classes() -> list[type[SchemakitError]]:
    for name in _all_modules():
        importlib.import_module(name)
    return sorted(_subclasses(SchemakitError), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _sample(cls: type[SchemakitError]) -> SchemakitError:
    """An instance of ``cls`` with the message ``boom`` (the classes that take more
    than a message and a hint are built by hand)."""
    from schemakit.errors import HazardsRefused
    from schemakit.migrate import MigrationFailedError
    from schemakit.migrations import Migration
    from schemakit.source.model import SourceError, SourceErrors

    special: dict[type[SchemakitError], Callable[[], SchemakitError]] = {
        HazardsRefused: lambda: HazardsRefused("boom", [("DELETES_DATA", "deletes data", "drops t")]),
        MigrationFailedError: lambda: MigrationFailedError(
            "boom", migration=Migration(Path("1_a.sql"), "1"), statement="SELECT 1", applied=(), hint="h"
        ),
        SourceErrors: lambda: SourceErrors([SourceError("boom")]),
    }
    if cls in special:
        return special[cls]()
    try:
        return cls("boom", hint="a hint")
    except TypeError:
        pass
    if cls.__module__ == "schemakit.apply":
        return cls("boom", step=None, statement="SELECT 1", hint=None)  # type: ignore[call-arg]
    raise AssertionError(f"{cls.__qualname__}: add a sample of it to _sample")


def test_every_error_class_has_an_exit_code_of_the_table() -> None:
    classes = _error_classes()
    assert len(classes) >= 15, classes
    for cls in classes:
        assert isinstance(cls.exit_code, int) and cls.exit_code in EXIT_CODES, cls
        assert cls.exit_code not in (0, 2), f"{cls.__qualname__}: an error never exits 0 or 2"


def test_the_handler_maps_every_error_to_its_code_and_message(capsys: pytest.CaptureFixture[str]) -> None:
    from schemakit.cli import handle_error

    for cls in _error_classes():
        exc = _sample(cls)
        assert handle_error(exc) == cls.exit_code, cls
        said = capsys.readouterr()
        assert "boom" in said.err and said.out == "", (cls, said)
    assert handle_error(psycopg.OperationalError("the server went away")) == 1
    assert capsys.readouterr().err == "error: the server went away\n"


def test_the_app_reports_errors_through_the_handler() -> None:
    """Commands catch nothing: an error raised in one reaches the handler, which prints
    it and exits with its code (1 here; 64 for a usage error)."""
    res = run_cli("plan", "--rename-enum-value", "mood")
    assert res.exit_code == 1, res.output
    assert res.stderr == (
        "error: --rename-enum-value 'mood': expected TYPE:OLD=NEW\n"
        "hint: for example --rename-enum-value public.mood:sad=unhappy\n"
    )
    res = run_cli("apply", "--allow-hazards", "NOPE")
    assert res.exit_code == 64, res.output
    assert res.stderr.startswith("error: --allow-hazards: unknown hazard name NOPE\nhint: valid names: ")


def test_a_command_starts_without_pydantic() -> None:
    """Every command pays for what its argument parsing imports: typer 0.29 parses each
    argument through pydantic (~0.25 s more at start, the largest fixed cost of a no-op
    ``plan``), so the project pins a typer that does not (pyproject.toml)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from schemakit.entry import main\n"
        "try:\n"
        "    main(['plan', '--help'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr


def test_a_command_runs_with_few_garbage_collections() -> None:
    """A command's run keeps what its imports made out of the collector's way and collects
    after GC_THRESHOLD allocations (a catalog read makes ~100,000 objects, no cycles)."""
    import subprocess
    import sys

    probe = (
        "import gc, sys\n"
        "from schemakit.entry import GC_THRESHOLD, main\n"
        "try:\n"
        "    main(['plan', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.get_threshold() == GC_THRESHOLD, gc.get_freeze_count() > 10_000, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stderr.strip().splitlines()[-1] == "True True", done.stderr
