"""The data directories of the embedded servers this user started, so that
``schemakit db stop --all`` can stop them wherever they are.

One absolute path a line in ``$XDG_STATE_HOME/schemakit/servers`` (by default
``~/.local/state/schemakit/servers``). A server is remembered when ``embedded.start``
returns it, and forgotten once stopped (or once its folder is gone).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def registry_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "schemakit" / "servers"


@contextmanager
def _locked() -> Iterator[Path]:
    path = registry_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> list[Path]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [Path(line) for line in dict.fromkeys(line.strip() for line in lines) if line]


def _write(path: Path, folders: list[Path]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{f}\n" for f in folders), encoding="utf-8")
    tmp.replace(path)


def remember(data_dir: Path) -> None:
    """Note that a server runs on ``data_dir`` (best effort: a read-only home is no error)."""
    try:
        with _locked() as path:
            folders = _read(path)
            if data_dir not in folders:
                _write(path, [*folders, data_dir])
    except OSError:
        pass


def started() -> list[Path]:
    """The data directories remembered, in the order they were started."""
    return _read(registry_file())


def forget(data_dirs: list[Path]) -> None:
    with _locked() as path:
        _write(path, [f for f in _read(path) if f not in data_dirs])
