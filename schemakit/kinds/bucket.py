"""Storage buckets (rows of ``storage.buckets`` on the Supabase platform), in one
place: the model class, the changes (upsert, delete), the differ, the renderers, the
hazard rule and the rank. A bucket that still holds objects is never deleted: its
delete raises until it is emptied through the Storage API.

Its catalog query is ``bucket.sql`` (``bucket_from_row``), read only where
``storage.buckets`` exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Action, Change
from schemakit.hazards import Hazard
from schemakit.kinds.base import Context, Kind, pairs
from schemakit.model import DbObject, Model
from schemakit.render.guard import Name, do_block, render_change, text


@dataclass(frozen=True, slots=True)
class Bucket(DbObject):
    kind: ClassVar[str] = "bucket"
    id: str
    name: str
    public: bool
    file_size_limit: int | None
    allowed_mime_types: tuple[str, ...] | None

    @property
    def identity(self) -> str:
        return self.id


def bucket_from_row(r: tuple[Any, ...]) -> Bucket:
    """One row of ``bucket.sql`` (read only where ``storage.buckets`` exists)."""
    return Bucket(
        id=r[0],
        name=r[1],
        public=bool(r[2]),
        file_size_limit=r[3],
        allowed_mime_types=tuple(r[4]) if r[4] is not None else None,
    )


@dataclass(frozen=True)
class UpsertBucket(Change):
    action: ClassVar[Action] = "create"
    bucket: Bucket
    old: Bucket | None = None
    def describe(self) -> str:
        return f"bucket {self.bucket.id!r}"


@dataclass(frozen=True)
class DeleteBucket(Change):
    action: ClassVar[Action] = "drop"
    bucket: Bucket

    def describe(self) -> str:
        return f"bucket {self.bucket.id!r}"


def diff_buckets(current: Model, desired: Model, ctx: Context) -> Iterator[Change]:
    for old, new in pairs(current, desired, Bucket):
        if new is None:
            assert old is not None
            yield DeleteBucket(old)
        elif old != new:
            yield UpsertBucket(new, old=old)


_BUCKET_COLUMNS = ("id", "name", "public", "file_size_limit", "allowed_mime_types")


def _bucket_values(b: Bucket) -> list[sql.Composable]:
    mime = list(b.allowed_mime_types) if b.allowed_mime_types is not None else None
    return [
        sql.Literal(b.id),
        sql.Literal(b.name),
        sql.Literal(b.public),
        sql.Literal(b.file_size_limit),
        sql.SQL("{}::text[]").format(sql.Literal(mime)),
    ]


@render_change.register
def render_upsert_bucket(c: UpsertBucket) -> list[str]:
    b = c.bucket
    cols = [Name(n) for n in _BUCKET_COLUMNS]
    updated = [Name(n) for n in _BUCKET_COLUMNS[1:]]
    return [
        text(
            sql.SQL(
                "INSERT INTO storage.buckets AS b ({cols}) VALUES ({vals})\n"
                "ON CONFLICT (id) DO UPDATE SET ({upd}) = ({exc})\n"
                "WHERE ({cur}) IS DISTINCT FROM ({exc})"
            ).format(
                cols=sql.SQL(", ").join(cols),
                vals=sql.SQL(", ").join(_bucket_values(b)),
                upd=sql.SQL(", ").join(updated),
                exc=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(u) for u in updated),
                cur=sql.SQL(", ").join(sql.SQL("b.{}").format(u) for u in updated),
            )
        )
    ]


@render_change.register
def render_delete_bucket(c: DeleteBucket) -> list[str]:
    bid = sql.Literal(c.bucket.id)
    body = text(
        sql.SQL(
            """BEGIN
  IF EXISTS (SELECT FROM storage.objects o WHERE o.bucket_id = {id}) THEN
    RAISE EXCEPTION 'schemakit: bucket % still holds objects', {id}
      USING HINT = 'Empty the bucket first (through the Storage API), then apply again.';
  END IF;
  DELETE FROM storage.buckets WHERE id = {id};
END"""
        ).format(id=bid)
    )
    return [do_block(body)]


def bucket_hazards(c: Change, current: Model) -> list[Hazard]:
    if isinstance(c, DeleteBucket):
        return [Hazard(hz.DELETES_DATA, f"deletes bucket {c.bucket.id!r}")]
    return []


BUCKET = Kind(
    name="bucket",
    ranks=(("bucket", 12),),
    classes=(Bucket,),
    differ=diff_buckets,
    hazards=bucket_hazards,
    statements=frozenset({"bucket"}),
)
