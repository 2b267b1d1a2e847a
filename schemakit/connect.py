"""Connections: opening them the same way everywhere, and never printing a password."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemakit.errors import EXIT_ERROR, SchemakitError

POOLER_PORT = "6543"


class ConnectError(SchemakitError):
    """No connection (not a URL, no answer, refused): exit 1."""

    exit_code = EXIT_ERROR


URL_SHAPE = "postgresql://user:password@host:5432/dbname"
DEFAULT_CONNECT_TIMEOUT = 10  # seconds


@dataclass(frozen=True)
class ConnectSettings:
    """How connections are opened: ``timeout`` seconds to get an answer (libpq's
    ``connect_timeout``, unless the URL sets one), and ``progress`` hears a line when
    a connection takes more than a second."""

    timeout: int = DEFAULT_CONNECT_TIMEOUT
    progress: Callable[[str], None] | None = None


_settings = ConnectSettings()
_passwords: set[str] = set()


def configure(settings: ConnectSettings) -> None:
    """Set how this process opens connections (the command line does, from its options)."""
    global _settings
    _settings = settings


def connect_timeout() -> int:
    """The connect timeout of this process, in seconds (``--connect-timeout``, default 10)."""
    return _settings.timeout


def redact_known(text: str) -> str:
    """``text`` without any password of a URL this process connected with."""
    for password in sorted(_passwords, key=len, reverse=True):
        text = text.replace(password, "***")
    return text


def parse_url(url: str, given_by: str = "--db or DATABASE_URL") -> dict[str, Any]:
    """The URL's parameters; a ConnectError that shows what a URL looks like if it is none."""
    try:
        return conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise ConnectError(
            f"not a database URL (given by {given_by}): {redact(url)!r}",
            hint=f"a URL looks like {URL_SHAPE}",
        ) from None


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    if "password" not in params:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    host = params.get("host", "localhost")
    port = params.get("port")
    user = params.get("user", "")
    db = params.get("dbname", "")
    where = f"{host}:{port}" if port else str(host)
    return f"postgresql://{user}:***@{where}/{db}"


def redact_text(text: str, url: str | None) -> str:
    """Remove the password of ``url`` from any text (error messages, for instance)."""
    if not url:
        return text
    try:
        password = conninfo_to_dict(url).get("password")
    except psycopg.ProgrammingError:
        password = None
    if password:
        text = text.replace(str(password), "***")
    return text


def with_database(url: str, dbname: str) -> str:
    return make_conninfo(url, dbname=dbname)


def connect(
    url: str, *, autocommit: bool = True, application: str = "schemakit", given_by: str = "--db or DATABASE_URL"
) -> psycopg.Connection[Any]:
    """Open a connection; transaction-mode poolers (port 6543) get no prepared statements.
    ``given_by`` names where the URL came from, for the hint of a failure."""
    params = parse_url(url, given_by)
    if params.get("password"):
        _passwords.add(str(params["password"]))
    kwargs: dict[str, Any] = {"autocommit": autocommit}
    timeout = int(params.get("connect_timeout") or 0) or _settings.timeout
    if timeout and not params.get("connect_timeout"):
        kwargs["connect_timeout"] = max(timeout, 1)
    if str(params.get("port", "")) == POOLER_PORT:
        kwargs["prepare_threshold"] = None
    if "application_name" not in params:
        kwargs["application_name"] = application
    where = redact(url)
    slow = threading.Timer(
        1.0, lambda: progress(f"connecting to {where} (giving up after {timeout}s, --connect-timeout) ...")
    ) if (progress := _settings.progress) is not None else None
    if slow is not None:
        slow.daemon = True
        slow.start()
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.errors.ConnectionTimeout:
        raise ConnectError(
            f"cannot connect to {where}: no answer within {timeout}s",
            hint=f"check the URL given by {given_by}, and that a PostgreSQL server answers there; "
            "--connect-timeout SECONDS waits longer",
        ) from None
    except psycopg.OperationalError as exc:
        raise ConnectError(
            f"cannot connect to {redact(url)}: {redact_text(str(exc).strip(), url)}",
            hint=f"check the URL given by {given_by}, and that the server is running",
        ) from None
    finally:
        if slow is not None:
            slow.cancel()
