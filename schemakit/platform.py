"""What belongs to the platform (Supabase, or PostgreSQL itself) rather than to the schema
files: shared by the catalog reader, which leaves it out of the model, and the source
checks, which refuse statements that would try to manage it."""

from __future__ import annotations

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


def is_managed_schema(name: str) -> bool:
    return name in MANAGED_SCHEMAS or name.startswith(("pg_", "supabase_"))


PLATFORM_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("pgcrypto", "extensions"),
    ("uuid-ossp", "extensions"),
    ("supabase_vault", "vault"),
)
"""Extensions every Supabase project has, in the schema it has them in (the baseline
installs them too): platform, never planned. The same extension in another schema is
the user's."""


def is_platform_extension(name: str, schema: str) -> bool:
    return (name, schema) in PLATFORM_EXTENSIONS
