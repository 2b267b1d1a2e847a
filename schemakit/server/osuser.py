"""The system user the embedded server runs as, and running its programs as that user.

PostgreSQL refuses to run as root: when schemakit runs as root, the server's programs
run as the system user ``schemakit`` (created on demand), which owns the data
directory. This module owns that user, the permissions it needs on the way to the
data directory, and the subprocess calls made as it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from schemakit.errors import ServerError

#: The system user the server runs as when schemakit itself runs as root.
SYSTEM_USER = "schemakit"


@dataclass(frozen=True)
class ServerUser:
    name: str
    uid: int
    gid: int


@dataclass(frozen=True)
class RunResult:
    returncode: int
    output: str


def server_user(data_dir: Path) -> ServerUser | None:
    """Who runs the server: ourselves, or (as root) the data directory's owner."""
    if os.geteuid() != 0:
        return None
    try:
        owner = (data_dir / "PG_VERSION").stat().st_uid
    except FileNotFoundError:
        owner = 0
    if owner != 0:
        entry = pwd.getpwuid(owner)
        return ServerUser(entry.pw_name, entry.pw_uid, entry.pw_gid)
    return _ensure_system_user()


def _ensure_system_user() -> ServerUser:
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
        result = run_as(
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
    return ServerUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def prepare_user_and_permissions(data_dir: Path, bin_dir: Path) -> ServerUser | None:
    """Create ``data_dir`` and, as root, make it usable by the server's user."""
    user = server_user(data_dir)
    if user is None:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return None
    data_dir.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    data_dir.mkdir(mode=0o700, exist_ok=True)
    make_traversable(data_dir.parent)
    install_dir = bin_dir.parent
    make_traversable(install_dir)
    make_world_readable(install_dir)
    st = data_dir.stat()
    if st.st_uid != user.uid:
        for path in _walk(data_dir):
            os.lchown(path, user.uid, user.gid)
    return user


def make_traversable(path: Path) -> None:
    """Add o+x to ``path`` and every ancestor that lacks it."""
    for p in [path, *path.parents]:
        mode = p.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(p, stat.S_IMODE(mode) | stat.S_IXOTH)


def make_world_readable(root: Path) -> None:
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


def is_postgres_process(pid: int) -> bool:
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


def run_as(args: Sequence[str | Path], *, user: ServerUser | None) -> RunResult:
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
    return RunResult(proc.returncode, output)


