"""What belongs to the platform (Supabase, or PostgreSQL itself) rather than to the schema
files: shared by the catalog reader, which leaves it out of the model, and the source
checks, which refuse statements that would try to manage it. A project's own objects in
a platform schema are the user's, and managed (the rule is below, by OPEN_SCHEMAS)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import pglast
from pglast import ast

from schemakit.model import (
    DbObject,
    Key,
    Model,
)
from schemakit.kinds.default_privilege import DefaultPrivilege
from schemakit.kinds.extension import Extension
from schemakit.kinds.grant import Grant
from schemakit.kinds.rows import TableRows
from schemakit.kinds.schema import Schema

from schemakit.kinds.policy import Policy
from schemakit.kinds.trigger import Trigger

if TYPE_CHECKING:
    from schemakit.source import SourceStatement

MANAGED_SCHEMAS: tuple[str, ...] = (
    "auth",
    "storage",
    "realtime",
    "_realtime",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "pgbouncer",
    "net",
    "cron",
    "pgmq",
    "information_schema",
    "schemakit",
)
"""Schemas that belong to the platform (plus any ``pg_*`` and ``supabase_*``)."""

POLICY_TABLES: tuple[str, ...] = ("storage.objects", "storage.buckets", "realtime.messages")
"""Platform tables whose policies are the user's."""

TRIGGER_TABLES: tuple[str, ...] = ("auth.users",)
"""Platform tables whose triggers are the user's (the handle_new_user pattern)."""


PLAIN_MANAGED_SCHEMAS: tuple[str, ...] = ("information_schema", "schemakit")
"""The schemas left out of a database without Supabase's platform (profile ``postgres``,
neither ``auth`` nor ``storage``), besides any ``pg_*`` and ``supabase_*``: there a schema
named ``extensions``, ``net`` or ``vault`` is the project's own, and so is ``pgcrypto``
in ``extensions``. The catalog reader picks the list per database (``catalog_params``)."""


def catalog_params(has_platform: bool) -> dict[str, list[str]]:
    """The platform's names the catalog queries take (``%(managed)s`` and the rest), for a
    database with Supabase's platform or without it."""
    if not has_platform:
        return {
            "managed": list(PLAIN_MANAGED_SCHEMAS), "policy_tables": [], "trigger_tables": [], "open": [],
            "platform_roles": list(PLATFORM_ROLES), "platform_functions": [], "platform_bodies": [],
        }
    return {
        "managed": list(MANAGED_SCHEMAS),
        "policy_tables": list(POLICY_TABLES),
        "trigger_tables": list(TRIGGER_TABLES),
        "open": list(OPEN_SCHEMAS),
        "platform_roles": list(PLATFORM_ROLES),
        "platform_functions": [name for name, _ in baseline_functions()],
        "platform_bodies": [body for _, body in baseline_functions()],
    }


def is_managed_schema(name: str) -> bool:
    return name in MANAGED_SCHEMAS or name.startswith(("pg_", "supabase_"))


PLATFORM_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("pgcrypto", "extensions"),
    ("uuid-ossp", "extensions"),
    ("pg_stat_statements", "extensions"),
    ("pg_graphql", "graphql"),
    ("supabase_vault", "vault"),
)
"""Extensions every Supabase project has, in the schema it has them in (the baseline
installs them too): platform, never planned. The same extension in another schema is
the user's."""


def is_platform_extension(name: str, schema: str) -> bool:
    return (name, schema) in PLATFORM_EXTENSIONS


# -- user objects in platform schemas ---------------------------------------------
#
# A project may add its own objects to a platform schema (a function in ``storage``, a
# view in ``auth``) or redefine one of the platform's (``storage.foldername``). They are
# managed like any other object; the platform's own objects never are. The rule, per
# side (README, "Your objects in platform schemas"):
#
# - the catalog reader (any database, alone: fingerprints must not depend on the files)
#   takes, in the schemas of ``OPEN_SCHEMAS``, the objects that no platform role owns
#   (``PLATFORM_ROLES``, any ``supabase_*``) with what hangs on them, plus the baseline's
#   functions whose body is not the baseline's (``baseline_functions``): redefined by the
#   files, or another platform's version, compared on both sides;
# - on the desired side (the shadow), what was already in the pristine shadow (a fresh
#   clone of the template, read before the files load) is the platform's unless the
#   files redefine it (schemakit.desired);
# - the plan never drops in a platform schema: an object the target has there that the
#   files do not declare is kept as it is (``adopt_platform``), with a note when it is
#   not the platform's. Creating and altering happen only for what the files declare.
#   (Dropping only what an earlier apply created would need a record on the target
#   that the plan itself writes; not done: a user object removed from the files stays.)

OPEN_SCHEMAS: tuple[str, ...] = (
    "auth",
    "storage",
    "realtime",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgbouncer",
    "net",
    "cron",
)
"""Platform schemas a project may add objects to (``information_schema``, ``pg_*``,
``schemakit``, ``supabase_*``, ``_realtime`` and ``pgsodium_masks`` stay closed)."""

PLATFORM_ROLES: tuple[str, ...] = (
    "pgbouncer",
    "dashboard_user",
    "pgsodium_keymaker",
    "pgsodium_keyholder",
    "pgsodium_keyiduser",
)
"""Roles, besides every ``supabase_*`` one, whose objects are the platform's."""


def is_open_schema(name: str) -> bool:
    return name in OPEN_SCHEMAS


@cache
def baseline_functions() -> tuple[tuple[str, str], ...]:
    """``(schema.name, body)`` of the functions the Supabase baseline defines in open
    schemas: the platform functions a project may redefine (``storage.foldername``).
    The catalog reads such a function only when its body (``prosrc``, the text between
    the dollar quotes, whatever the server's major) is not the baseline's: redefined by
    the files, or another platform's version (a real Supabase's). Parsed once from the
    baseline's text, so that any database is read the same way without a shadow."""
    from schemakit.server.baseline import baseline_sql  # server imports this package

    out: set[tuple[str, str]] = set()
    for raw in pglast.parse_sql(baseline_sql()):
        stmt = raw.stmt
        if not isinstance(stmt, ast.CreateFunctionStmt):
            continue
        parts = [str(n.sval) for n in stmt.funcname or () if isinstance(n, ast.String)]
        bodies = [
            str(b.sval)
            for o in stmt.options or ()
            if isinstance(o, ast.DefElem) and o.defname == "as"
            for b in (o.arg if isinstance(o.arg, tuple) else (o.arg,))
            if isinstance(b, ast.String)
        ]
        if len(parts) == 2 and is_open_schema(parts[0]) and len(bodies) == 1:
            out.add((f"{parts[0]}.{parts[1]}", bodies[0]))
    return tuple(sorted(out))


def _schema_of(obj: DbObject, model: Model) -> str | None:
    """The schema an object lives in, for the platform rule (None: not schema-scoped,
    or managed whatever its schema: extensions, buckets, rows, publications, ...)."""
    if isinstance(obj, Grant):
        on = model.objects.get(obj.object_key)
        return _schema_of(on, model) if on is not None else None
    if isinstance(obj, Policy) and f"{obj.schema}.{obj.table}" in POLICY_TABLES:
        return None  # every policy there is the user's, dropped like any
    if isinstance(obj, Trigger) and f"{obj.schema}.{obj.table}" in TRIGGER_TABLES:
        return None
    if isinstance(obj, (Extension, Schema, TableRows, DefaultPrivilege)):
        return None
    schema = getattr(obj, "schema", None)
    return schema if isinstance(schema, str) else None


def in_platform_schema(obj: DbObject, model: Model) -> bool:
    """Whether ``obj`` (of ``model``) is in a platform schema, where the plan creates and
    alters what the files declare and never drops."""
    schema = _schema_of(obj, model)
    return schema is not None and is_managed_schema(schema)


def adopt_platform(current: Model, desired: Model) -> Model:
    """``desired``, plus what ``current`` has in platform schemas that ``desired`` does
    not declare: kept as it is, so that the plan neither drops nor alters it.

    Idempotent; a model without such objects is returned unchanged.
    """
    kept = {
        k: v
        for k, v in current.objects.items()
        if k not in desired.objects and in_platform_schema(v, current)
    }
    # The grants on a platform function the files redefine are the platform's: the
    # target's stay (the files declare the body, not who may call it).
    theirs = {
        k for k, v in desired.objects.items()
        if isinstance(v, Grant) and v.object_key in current.objects and _is_platform_function(v.object_key)
    }
    stale = {k for k in theirs if k not in current.objects}
    kept.update({k: current.objects[k] for k in theirs if k in current.objects and current.objects[k] != desired.objects[k]})
    if not kept and not stale:
        return desired
    objects = {k: v for k, v in {**desired.objects, **kept}.items() if k not in stale}
    depends = dict(desired.depends)
    for k in kept:
        edges = current.depends.get(k)
        if edges:
            depends[k] = frozenset(e for e in edges if e in objects or e[0] == "column")
    return Model(objects=objects, depends=depends, server_version=desired.server_version)


def _is_platform_function(key: Key) -> bool:
    """Whether ``key`` names one of the baseline's functions (``storage.foldername``)."""
    if key[0] != "function":
        return False
    name = key[1].partition("(")[0]
    return any(name == known for known, _ in baseline_functions())


def kept_notes(current: Model, desired: Model, pristine: frozenset[Key] = frozenset()) -> tuple[str, ...]:
    """A note per object of the target, in a platform schema, that the files do not
    declare and that is not the platform's (not in ``pristine``, the keys a fresh shadow
    holds): schemakit leaves it in place rather than dropping it."""
    notes = []
    for k, v in sorted(current.objects.items()):
        if k in desired.objects or k in pristine or not in_platform_schema(v, current):
            continue
        if isinstance(v, Grant) or _is_platform_function(k):
            continue  # said with its object; or the platform's (another platform's version)
        notes.append(
            f"{k[0]} {k[1]} is in a platform schema and not in the schema files: left in place "
            "(schemakit never drops objects in platform schemas; drop it by hand if it should go)"
        )
    return tuple(notes)


def declared_part(model: Model, pristine: Model | None) -> Model:
    """The desired model without what the platform put in the shadow: an object in a
    platform schema stays when the files created it (not in ``pristine``, the shadow
    read before they loaded) or changed it (it differs from the pristine one). With
    ``pristine`` None (no statement touches a platform schema), none stays."""
    gone = {
        k
        for k, v in model.objects.items()
        if in_platform_schema(v, model)
        and (pristine is None or pristine.objects.get(k) == v)
    }
    if not gone:
        return model
    return Model(
        objects={k: v for k, v in model.objects.items() if k not in gone},
        depends={k: v for k, v in model.depends.items() if k not in gone},
        server_version=model.server_version,
    )


def touches_platform(statements: Sequence[SourceStatement]) -> bool:
    """Whether any statement names something in an open platform schema."""
    return any(
        name.partition(".")[0] in OPEN_SCHEMAS for s in statements for name in (*s.provides, *s.requires)
    )


def _modelled_names(model: Model) -> set[str]:
    """``schema.name`` (``schema.table.name`` for triggers and policies) of every object."""
    return {name for obj in model.objects.values() if (name := obj.source_name) is not None}


_NOT_CHECKED = frozenset({"create_schema", "create_extension", "bucket", "declared_rows", "drop",
                          "alter_default_privileges", "create_publication", "alter_publication"})


_ON = frozenset({"grant", "revoke", "comment"})


def unmanaged_warnings(statements: Sequence[SourceStatement], model: Model) -> tuple[str, ...]:
    """A located warning per statement that created or changed something in a platform
    schema whose result the desired model does not hold: it loads into the shadow, but
    is never planned, and must not vanish in silence.

    A statement's subject is what it creates (``provides``), else, for ALTER, GRANT,
    COMMENT and the like, what it names when everything it names is in a platform schema.
    """
    names = _modelled_names(model)
    parents = {
        f"{o.schema}.{o.table}" for o in model.objects.values() if isinstance(o, (Trigger, Policy))
    }
    out: list[str] = []
    for s in statements:
        if s.kind in _NOT_CHECKED:
            continue
        subjects = sorted(s.provides) if s.kind.startswith("create_") else sorted(s.requires)
        in_platform = [n for n in subjects if is_managed_schema(n.partition(".")[0])]
        if not in_platform or (not s.kind.startswith("create_") and len(in_platform) < len(subjects)):
            continue
        missing = [n for n in in_platform if n not in names]
        if len(missing) < len(in_platform) and not s.kind.startswith("create_"):
            continue  # COMMENT ON POLICY p ON storage.objects names the table and the policy
        if s.kind == "alter_table" and set(missing) <= parents:
            continue  # ALTER TABLE auth.users ENABLE TRIGGER t: the trigger's state is modelled
        if not missing:
            continue
        what = ", ".join(missing)
        if s.kind == "create_index":
            why = "an index on a platform table"
        elif s.kind.startswith("create_"):
            why = "the object is the platform's (a fresh Supabase database has it)"
        else:
            why = "its subject is the platform's"
        out.append(
            f"{s.location}: {s.kind.replace('_', ' ')}{' on' if s.kind in _ON else ''} {what} "
            f"is not managed ({why}): "
            "it loads into the shadow but is never planned"
        )
    return tuple(out) + tuple(map(_public_schema_warning, filter(_on_schema_public, statements)))


def _on_schema_public(s: SourceStatement) -> bool:
    """Whether ``s`` is a GRANT or REVOKE on the schema ``public`` (whose privileges, as
    every built-in schema's, the catalog does not read)."""
    if s.kind not in ("grant", "revoke") or "public" not in s.requires:
        return False
    try:
        node = pglast.parse_sql(s.sql)[0].stmt
    except pglast.parser.ParseError:
        return False
    return (
        isinstance(node, ast.GrantStmt)
        and node.objtype == pglast.enums.ObjectType.OBJECT_SCHEMA
        and any(getattr(o, "sval", None) == "public" for o in node.objects or ())
    )


def _public_schema_warning(s: SourceStatement) -> str:
    return (
        f"{s.location}: {s.kind} on schema public is not managed (the privileges of the built-in "
        "public schema are not planned: the target's stay as they are): it loads into the shadow but is never planned"
    )
