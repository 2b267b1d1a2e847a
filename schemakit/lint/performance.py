"""Performance rules on keys and indexes (splinter's)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from schemakit.lint.context import Context
from schemakit.lint.exprs import name, paren_columns
from schemakit.lint.findings import Finding, Subject, finding
from schemakit.lint.sources import scoped_subject, table_subject
from schemakit.model import Key
from schemakit.kinds.index import Index

Columns = tuple[str | None, ...]


def _index_columns(ctx: Context, key: Key) -> list[Columns]:
    """The leading columns of every index of a table, those of its keys included."""
    out = [paren_columns(i.definition, after=" USING ") for i in ctx.indexes.get(key, ())]
    out += [paren_columns(c.definition) for c in ctx.constraints.get(key, ()) if c.type in ("p", "u", "x")]
    return out


def unindexed_foreign_keys(ctx: Context) -> Iterator[Finding]:
    for t in ctx.user_tables():
        covering: list[Columns] | None = None
        for c in sorted(ctx.constraints.get(t.key, ()), key=lambda c: c.name):
            if c.type != "f":
                continue
            columns = paren_columns(c.definition, after="FOREIGN KEY")
            if not columns or None in columns:
                continue
            if covering is None:
                covering = _index_columns(ctx, t.key)
            if any(cols[: len(columns)] == columns for cols in covering):
                continue
            plain = [str(x) for x in columns]
            index = name(f"{t.name}_{'_'.join(plain)}_idx"[:63])
            yield finding(
                "unindexed_foreign_keys",
                f"constraint {c.identity}",
                f"foreign key {c.name} ({', '.join(plain)}) has no index that starts with its columns: "
                "deletes of the referenced rows and joins scan the table",
                f"CREATE INDEX {index} ON {name(t.schema, t.name)} ({', '.join(name(x) for x in plain)});",
                scoped_subject(t.schema, t.name, c.name),
            )


def _shape(i: Index) -> str:
    """An index's definition without its name."""
    head, _, _ = i.definition.partition(" INDEX ")
    _, _, rest = i.definition.partition(" ON ")
    return f"{head} INDEX ON {rest}"


def duplicate_index(ctx: Context) -> Iterator[Finding]:
    for key in sorted(ctx.indexes):
        groups: dict[str, list[Index]] = defaultdict(list)
        for i in ctx.indexes[key]:
            groups[_shape(i)].append(i)
        for same in groups.values():
            if len(same) < 2:
                continue
            same.sort(key=lambda i: i.name)
            kept, extra = same[0], same[1:]
            yield finding(
                "duplicate_index",
                f"index {extra[0].identity}",
                f"{key[1]} has identical indexes {', '.join(i.name for i in same)}",
                f"remove all but {kept.name}: " + " ".join(f"DROP INDEX {name(i.schema, i.name)};" for i in extra),
                Subject(names=tuple(f"{i.schema}.{i.name}" for i in extra)),
            )


def no_primary_key(ctx: Context) -> Iterator[Finding]:
    for t in ctx.user_tables():
        if t.partition_by is not None or t.partition_of is not None:
            continue
        if any(c.type == "p" for c in ctx.constraints.get(t.key, ())):
            continue
        target = name(t.schema, t.name)
        fix = (
            f"ALTER TABLE {target} ADD PRIMARY KEY (id);"
            if t.column("id") is not None
            else f"ALTER TABLE {target} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
        )
        yield finding(
            "no_primary_key",
            f"table {t.identity}",
            f"{t.identity} has no primary key: rows cannot be addressed one by one (updates, replication, the API)",
            fix,
            table_subject(t.schema, t.name),
        )


RULES = (unindexed_foreign_keys, duplicate_index, no_primary_key)
