"""Connections: opening them the same way everywhere, and never printing a password."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemakit.errors import SchemakitError

POOLER_PORT = "6543"


class ConnectError(SchemakitError):
    pass


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
    params = conninfo_to_dict(url)
    kwargs: dict[str, Any] = {"autocommit": autocommit}
    if str(params.get("port", "")) == POOLER_PORT:
        kwargs["prepare_threshold"] = None
    if "application_name" not in params:
        kwargs["application_name"] = application
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        raise ConnectError(
            f"cannot connect to {redact(url)}: {redact_text(str(exc).strip(), url)}",
            hint=f"check the URL given by {given_by}, and that the server is running",
        ) from None
