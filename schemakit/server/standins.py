"""Stand-in extensions: what a Supabase project can enable, on a server without it.

A shadow must load every extension a Supabase project can enable (pgcrypto,
uuid-ossp, vector, pg_net, pgsodium, supabase_vault, ...). When the server has the
real extension, the real one is used. When it has not, and the server's extension
directory is ours to write (the embedded server, or a local server whose files we
can write), a *stand-in* is installed there: a real control file and script
(``standins/<name>.control``, ``standins/<name>--<version>.sql``) whose objects have
the real extension's schema, types, operators and function signatures, written in
SQL and with PostgreSQL's own I/O functions. ``CREATE EXTENSION`` then records the
objects as the extension's (``pg_depend`` deptype ``'e'``), so the catalog reader
never plans them, and the plan's ``CREATE EXTENSION`` is the one a real target runs.

A stand-in's control file says so in its comment (:data:`MARKER`): a control file
without the marker is a real extension's and is never overwritten. Stand-ins carry
the real extension's current default version, so that shadow and target agree.
Stand-ins are trusted (as Supabase lets its ``postgres`` role create these), so
the local server's owner role can create them.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
import hashlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

__all__ = [
    "MARKER",
    "Standin",
    "standins",
    "install_into",
    "extension_dir",
    "ensure_standins",
]

#: The words every stand-in control file's comment starts with.
MARKER = "schemakit stand-in"

_DATA = "standins"
_LOOPBACK = {"", "localhost", "127.0.0.1", "::1"}
_installed: dict[Path, list[str]] = {}


@dataclass(frozen=True)
class Standin:
    """One stand-in extension: its name, version and the files that install it."""

    name: str
    version: str
    files: tuple[tuple[str, bytes], ...]
    """(file name, content) pairs: the control file and the install script."""


@cache
def standins_version() -> str:
    """A short hash of every stand-in's files: part of the template database's name, so
    that changed stand-ins give a new template (the baseline installs some of them)."""
    digest = hashlib.sha256()
    for standin in standins():
        for file_name, content in standin.files:
            digest.update(file_name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()[:8]


@cache
def standins() -> tuple[Standin, ...]:
    """The stand-ins shipped with schemakit, by name."""
    folder = resources.files(__package__).joinpath(_DATA)
    found: list[Standin] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".control"):
            continue
        name = entry.name[: -len(".control")]
        control = entry.read_bytes()
        match = re.search(rb"^default_version\s*=\s*'([^']+)'", control, re.MULTILINE)
        if match is None:
            raise ValueError(f"stand-in {name}: no default_version in its control file")
        version = match.group(1).decode()
        script_name = f"{name}--{version}.sql"
        script = folder.joinpath(script_name).read_bytes()
        found.append(Standin(name, version, ((entry.name, control), (script_name, script))))
    return tuple(found)


def install_into(directory: Path) -> list[str]:
    """Install every stand-in whose extension ``directory`` lacks; return their names.

    ``directory`` is a server's extension directory (``pg_config --sharedir``
    /extension). A real extension's control file is left alone; a stand-in already
    there is rewritten only when its files changed. Files are replaced atomically
    and made world-readable (the server may run as another user).
    """
    installed: list[str] = []
    for standin in standins():
        control = directory / f"{standin.name}.control"
        if control.exists() and not _is_standin(control):
            continue  # the real extension
        for file_name, content in standin.files:
            _write(directory / file_name, content)
        installed.append(standin.name)
    return installed


def extension_dir(conn: psycopg.Connection[Any]) -> Path | None:
    """The extension directory of ``conn``'s server when it is ours to write, else None.

    Ours: a server schemakit started (its data directory holds ``schemakit.conf``: the
    embedded server, a shadow server of another major), on this machine (a Unix socket
    or a loopback address), whose ``postmaster.opts`` we can read (a superuser), whose
    program is here, and whose extension directory is writable by this process. Any
    other server's extension directory is never written behind its owner's back; to
    give one the stand-ins, say so: ``python -m schemakit.server.standins DIR``.
    """
    host = str(conninfo_to_dict(conn.info.dsn).get("host") or "")
    if not (host.startswith("/") or host in _LOOPBACK):
        return None
    try:
        with conn.transaction():
            row = conn.execute("SELECT pg_catalog.pg_read_file('postmaster.opts')").fetchone()
    except psycopg.Error:
        return None
    if row is None or not row[0]:
        return None
    data_dir = conn.execute("SELECT pg_catalog.current_setting('data_directory')").fetchone()
    if data_dir is None or not (Path(str(data_dir[0])) / "schemakit.conf").is_file():
        return None
    match = re.match(r'\s*("([^"]+)"|(\S+))', str(row[0]))
    if match is None:
        return None
    program = Path(match.group(2) or match.group(3))
    directory = _sharedir(program.parent)
    if directory is None:
        return None
    directory = directory / "extension"
    if not (directory / "plpgsql.control").is_file() or not os.access(directory, os.W_OK):
        return None
    return directory


def ensure_standins(conn: psycopg.Connection[Any]) -> list[str]:
    """Install the stand-ins on ``conn``'s server when it is ours; return what is installed.

    Best effort: a server that is not ours keeps its extensions as they are (a
    ``CREATE EXTENSION`` it cannot serve fails with a message naming the extension).
    """
    directory = extension_dir(conn)
    if directory is None:
        return []
    if directory in _installed:  # once per process and directory: shadows are made often
        return _installed[directory]
    try:
        names = install_into(directory)
    except OSError:
        return []
    _installed[directory] = names
    return names


# ---------------------------------------------------------------------- helpers


def _is_standin(control: Path) -> bool:
    try:
        text = control.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^comment\s*=\s*'" + re.escape(MARKER), text, re.MULTILINE) is not None


def _write(path: Path, content: bytes) -> None:
    with contextlib.suppress(OSError):
        if path.read_bytes() == content:
            return
    fd, tmp = tempfile.mkstemp(prefix=".schemakit-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@cache
def _sharedir(bindir: Path) -> Path | None:
    """The share directory of the installation whose programs are in ``bindir``."""
    pg_config = bindir / "pg_config"
    if pg_config.is_file():
        try:
            out = subprocess.run(
                [str(pg_config), "--sharedir"],
                capture_output=True, text=True, check=False, timeout=10,
            )
        except (OSError, subprocess.SubprocessError):
            out = None
        if out is not None and out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    # Debian's layout: /usr/lib/postgresql/<major>/bin → /usr/share/postgresql/<major>.
    candidates = [bindir.parent / "share", bindir.parent / "share" / "postgresql"]
    if bindir.parent.parent.name == "postgresql":
        candidates.append(
            bindir.parent.parent.parent.parent / "share" / "postgresql" / bindir.parent.name
        )
    for candidate in candidates:
        if (candidate / "extension" / "plpgsql.control").is_file():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    """``python -m schemakit.server.standins DIR``: write the stand-ins into a server's
    extension directory (``pg_config --sharedir``/extension) by hand, e.g. for a test
    server schemakit did not start. Real extensions there are never touched."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m schemakit.server.standins EXTENSION_DIR", file=sys.stderr)
        return 2
    names = install_into(Path(args[0]))
    print(f"stand-ins written: {', '.join(names) or 'none (real extensions present)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
