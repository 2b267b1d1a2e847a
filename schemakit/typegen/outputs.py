"""Types outputs listed in ``pyproject.toml``, and which committed ones are stale.

    [tool.schemakit]
    types = [
      { language = "typescript", out = "web/src/database.types.ts", check-unions = true },
      { language = "python", out = "app/db_types.py", pydantic = true, schemas = ["public"] },
    ]

``schemakit check`` regenerates each from the schema files (one shadow database
for all of them) and fails when a committed file differs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemakit.errors import SchemakitError
from schemakit.source import SourceStatement
from schemakit.typegen.introspect import Catalog
from schemakit.typegen.python import render_python
from schemakit.typegen.source import catalog_from_statements
from schemakit.typegen.typescript import render_typescript
from schemakit.options import plural

LANGUAGES = ("typescript", "python")


@dataclass(frozen=True)
class Output:
    language: str
    out: Path
    schemas: tuple[str, ...] = ("public",)
    check_unions: bool = False
    pydantic: bool = False
    label: str = ""  # the path as written in pyproject.toml, for messages

    @property
    def command(self) -> str:
        """The command that writes this output."""
        flags = " --pydantic" if self.pydantic else ""
        flags += " --check-unions" if self.check_unions else ""
        flags += f" --schema {','.join(self.schemas)}" if self.schemas != ("public",) else ""
        return f"schemakit types {self.language}{flags} --out {self.label or self.out}"


@dataclass(frozen=True)
class Stale:
    output: Output
    reason: str  # "missing" or "out of date"


def render(output: Output, catalog: Catalog) -> str:
    catalog = catalog.only(output.schemas)
    if output.language == "typescript":
        return render_typescript(catalog, check_unions=output.check_unions)
    return render_python(catalog, pydantic=output.pydantic, check_unions=output.check_unions)


def configured_outputs(root: Path) -> list[Output]:
    """The ``[tool.schemakit] types`` entries of ``root/pyproject.toml`` (none without one)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemakitError(f"{path}: {exc}") from None
    entries = data.get("tool", {}).get("schemakit", {}).get("types", [])
    if not isinstance(entries, list):
        raise SchemakitError(f"{path}: [tool.schemakit] types must be a list of tables")
    return [_output(entry, root, path, i) for i, entry in enumerate(entries)]


def _output(entry: Any, root: Path, path: Path, i: int) -> Output:
    where = f"{path}: [tool.schemakit] types[{i}]"
    if not isinstance(entry, dict):
        raise SchemakitError(f"{where} must be a table like {{ language = \"typescript\", out = \"types.ts\" }}")
    unknown = set(entry) - {"language", "out", "schemas", "check-unions", "pydantic"}
    if unknown:
        raise SchemakitError(f"{where}: unknown {plural(len(unknown), 'key', with_count=False)} {', '.join(sorted(unknown))}")
    language = entry.get("language")
    if language not in LANGUAGES:
        raise SchemakitError(f"{where}: language must be one of {', '.join(LANGUAGES)}")
    out = entry.get("out")
    if not isinstance(out, str) or not out:
        raise SchemakitError(f"{where}: out must name the generated file")
    schemas = entry.get("schemas", ["public"])
    if not isinstance(schemas, list) or not schemas or not all(isinstance(s, str) for s in schemas):
        raise SchemakitError(f"{where}: schemas must be a non-empty list of schema names")
    pydantic = bool(entry.get("pydantic", False))
    if pydantic and language != "python":
        raise SchemakitError(f"{where}: pydantic applies to language = \"python\" only")
    return Output(
        language=language,
        out=root / out,
        schemas=tuple(schemas),
        check_unions=bool(entry.get("check-unions", False)),
        pydantic=pydantic,
        label=out,
    )


def stale_outputs(
    outputs: Sequence[Output], statements: Sequence[SourceStatement], shadow_admin_url: str
) -> list[Stale]:
    """The outputs whose file is missing or differs from what the schema files give now."""
    if not outputs:
        return []
    schemas = sorted({s for o in outputs for s in o.schemas})
    catalog = catalog_from_statements(statements, shadow_admin_url, schemas)
    stale = []
    for output in outputs:
        if not output.out.is_file():
            stale.append(Stale(output, "missing"))
        elif output.out.read_text(encoding="utf-8") != render(output, catalog):
            stale.append(Stale(output, "out of date"))
    return stale
