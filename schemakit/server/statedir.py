"""The project's ``.schemakit/`` folder (the local server, caches): never committed.

Whenever schemakit creates it, it also writes ``.schemakit/.gitignore`` holding ``*``,
so the folder ignores itself in a project that never ran ``schemakit init``.
"""

from __future__ import annotations

from pathlib import Path

GITIGNORE = "*\n"


def ensure_state_dir(state_dir: Path) -> Path:
    """Create ``state_dir`` (and its parents) if needed, with its self-ignoring ``.gitignore``."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ignore = state_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE, encoding="utf-8")
    return state_dir
