"""What enums, domains and composite types share, and range types and collations too:
the rebuild of a type (a new type of the same name replaces the old one, the columns
of the type converted, the types over it rebuilt with it: ``rebuilt_types``,
``nested_rebuilds``, ``recreated_types``), its rendering (``rebuild_type``,
``rebuild_guard``), its hazard rule (``type_rebuild_hazards``), and the refusal of
kinds PostgreSQL cannot alter in place while columns use them
(``recreated_unless_used``: range types, collations).

The kinds' classes are imported where they are used (the kind modules import this
one). ``schemakit.diff`` builds its ``Context`` from ``rebuilt_types``,
``nested_rebuilds`` and ``recreated_types``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from psycopg import sql

from schemakit import hazards as hz
from schemakit.changes import Change, NestedRebuild, Rework, TypeRebuild
from schemakit.kinds.comment import SetComment
from schemakit.errors import SchemakitError
from schemakit.hazards import Hazard
from schemakit.kinds.base import Context, comment, pairs
from schemakit.kinds.columns import widening
from schemakit.model import DbObject, Key, Model, column_key
from schemakit.render.guard import Name, guard, ident, text

if TYPE_CHECKING:
    from schemakit.kinds.columns import Column
    from schemakit.kinds.table import Table
    from schemakit.kinds.collation import Collation
    from schemakit.kinds.composite import CompositeType, RebuildComposite
    from schemakit.kinds.domain import Domain, RebuildDomain
    from schemakit.kinds.enum import EnumType, RebuildEnum
    from schemakit.kinds.range import RangeType

# -- the diff: which types are rebuilt -----------------------------------------------------


EnumRenames = Mapping[str, Mapping[str, str]]
"""Enum values to rename rather than remove and add: {enum identity: {old: new}}."""


def unset_defaults(columns: Iterator[tuple[Table, Column]] | tuple[tuple[Table, Column], ...], users: Mapping[Key, Rework]) -> tuple[tuple[Table, Column], ...]:
    """Columns a type rebuild converts, without the defaults that call a function the
    plan drops first (the table's diff drops them before and sets them after)."""
    return tuple(
        (t, replace(col, default=None) if col.default is not None and column_key(t.key, col.name) in users else col)
        for t, col in columns
    )


def type_columns(
    current: Model, desired: Model, identity: str, partitions: bool = True
) -> Iterator[tuple[Table, Column]]:
    """Columns of kept tables that have the type (or an array of it) on both sides;
    without ``partitions``, not those of partitions (converted with their parent's)."""
    from schemakit.kinds.table import Table  # which imports this module

    for old_t, new_t in pairs(current, desired, Table):
        if old_t is None or new_t is None:
            continue
        if not partitions and new_t.partition_of is not None and old_t.partition_of is not None:
            continue
        for col in new_t.columns:
            before = old_t.column(col.name)
            if before is not None and before.type == col.type and col.type in (identity, identity + "[]"):
                yield new_t, col


def type_used(
    current: Model, desired: Model, key: Key, kinds: tuple[str, ...] = ("function", "procedure", "type")
) -> bool:
    """True when a function (or procedure) or another type (of ``kinds``) that
    ``desired`` keeps uses the type in ``current``: PostgreSQL would refuse to drop it."""
    return any(
        user[0] in kinds and key in deps and user in desired.objects
        for user, deps in current.depends.items()
    )


def domain_rebuilt(current: Model, desired: Model, old: Domain, new: Domain) -> bool:
    """The base type changes while a column, a function or another type uses the
    domain (or else it is simply dropped and created again)."""
    return old.base_type != new.base_type and (
        any(type_columns(current, desired, old.identity)) or type_used(current, desired, old.key)
    )


def composite_rebuilt(current: Model, desired: Model, old: CompositeType, new: CompositeType) -> bool:
    """An attribute keeps its name but changes type while a column (or another type)
    uses the type: PostgreSQL refuses ALTER ATTRIBUTE ... TYPE then."""
    before = dict(old.attributes)
    if all(before.get(a, ty) == ty for a, ty in new.attributes):
        return False
    if not any(type_columns(current, desired, old.identity)) and not type_used(current, desired, old.key, ("type",)):
        return False
    if [a for a, _ in old.attributes] != [a for a, _ in new.attributes]:
        raise SchemakitError(
            f"type {new.identity}: its attributes change type and are added, dropped or reordered "
            "while a column uses the type; that cannot be done in one step",
            hint="change the attribute types in one plan and apply it, then add or drop attributes in another",
        )
    return True


def rebuilt_enums(current: Model, desired: Model, renames: EnumRenames) -> list[tuple[EnumType, EnumType]]:
    from schemakit.kinds.enum import EnumType
    
    out = []
    for old, new in pairs(current, desired, EnumType):
        if old is not None and new is not None:
            asked = renames.get(old.identity, {})
            old = replace(old, labels=tuple(asked.get(v, v) if asked.get(v) in new.labels else v for v in old.labels))
        if old is not None and new is not None and old.labels != new.labels:
            kept = [label for label in new.labels if label in old.labels]
            if kept != list(old.labels):
                out.append((old, new))
    return out


def rebuilt_types(current: Model, desired: Model, renames: EnumRenames) -> list[TypeRebuild]:
    """Types replaced by a new one of the same name, their columns converted."""
    from schemakit.kinds.composite import CompositeType
    from schemakit.kinds.domain import Domain
    
    out: list[TypeRebuild] = list(rebuilt_enums(current, desired, renames))
    for old_d, new_d in pairs(current, desired, Domain):
        if old_d is not None and new_d is not None and domain_rebuilt(current, desired, old_d, new_d):
            out.append((old_d, new_d))
    for old_c, new_c in pairs(current, desired, CompositeType):
        if old_c is not None and new_c is not None and composite_rebuilt(current, desired, old_c, new_c):
            out.append((old_c, new_c))
    return out


def recreated_types(current: Model, desired: Model, renames: EnumRenames) -> frozenset[Key]:
    """Types kept by name that the plan replaces by a new type (rebuilt, or dropped and
    created again): like new ones, they start with what default privileges give."""
    from schemakit.kinds.domain import Domain
    from schemakit.kinds.range import RangeType
    
    out = {new.key for _, new in rebuilt_types(current, desired, renames)}
    for key, new in desired.objects.items():
        old = current.objects.get(key)
        if key[0] != "type" or old is None:
            continue
        if type(old) is not type(new):
            out.add(key)
        elif isinstance(old, Domain) and isinstance(new, Domain) and old.base_type != new.base_type:
            out.add(key)
        elif isinstance(old, RangeType) and isinstance(new, RangeType) and old.state != new.state:
            out.add(key)
    return frozenset(out)


def nested_keys(ctx: Context) -> set[Key]:
    """Types rebuilt inside the rebuild of a type they use (their own changes come with it)."""
    return {n[1].key for ns in ctx.nested.values() for n in ns}


def nested_comment(old: DbObject, new: DbObject) -> Iterator[Change]:
    """A type rebuilt inside another's rebuild is new: its comment is set again."""
    if getattr(new, "comment", None) is not None:
        yield SetComment(target=new, comment=getattr(new, "comment"))


def type_functions(
    current: Model, desired: Model, rebuilt: TypeRebuild, nested: tuple[NestedRebuild, ...]
) -> list[Key]:
    """Functions (and procedures) of ``current`` kept by ``desired`` whose signature or
    body uses the rebuilt type or a type rebuilt inside its rebuild."""
    types = {rebuilt[0].key} | {n[0].key for n in nested}
    return sorted(
        key
        for key, deps in current.depends.items()
        if key[0] in ("function", "procedure") and key in desired.objects and deps & types
    )


def nested_rebuilds(
    current: Model, desired: Model, rebuilt: list[TypeRebuild]
) -> dict[str, tuple[NestedRebuild, ...]]:
    """For each rebuilt type (by identity), the domains and composite types that use it
    (a domain's base type, a composite's attribute), transitively, in creation order:
    PostgreSQL cannot drop the old type while they use it, so they are rebuilt with it
    (renamed away, created again over the new type, their columns converted)."""
    from schemakit.kinds.composite import CompositeType
    from schemakit.kinds.domain import Domain
    
    if not rebuilt:
        return {}
    own = {r[0].key for r in rebuilt}
    dependents: dict[Key, list[Key]] = {}
    for key, deps in sorted((k, d) for k, d in current.depends.items() if k[0] == "type"):
        for dep in deps:
            if dep[0] == "type":
                dependents.setdefault(dep, []).append(key)
    out: dict[str, tuple[NestedRebuild, ...]] = {}
    for old_t, _ in rebuilt:
        found: list[NestedRebuild] = []
        seen = {old_t.key}
        todo = [old_t.key]
        while todo:
            used = todo.pop(0)
            for key in dependents.get(used, ()):
                before, after = current.get(key), desired.get(key)
                if key in seen or key in own or used not in desired.depends.get(key, frozenset()):
                    continue
                if isinstance(before, Domain) and isinstance(after, Domain):
                    found.append((before, after, tuple(type_columns(current, desired, key[1], partitions=False))))
                elif isinstance(before, CompositeType) and isinstance(after, CompositeType):
                    found.append((before, after, tuple(type_columns(current, desired, key[1], partitions=False))))
                else:
                    continue
                seen.add(key)
                todo.append(key)
        if found:
            out[old_t.identity] = tuple(found)
    return out


# -- the rendering of a rebuild ---------------------------------------------------------


def retired_name(schema: str, name: str) -> tuple[sql.Composable, sql.Composable]:
    """(new name, qualified name) a rebuilt type's old self takes while its columns move."""
    return Name(f"{name}__schemakit_old"), Name(schema, f"{name}__schemakit_old")


def convert_columns(columns: tuple[tuple[Table, Column], ...], via: str) -> list[str]:
    """Each column (of the rebuilt type or an array of it) converted to the new type
    through ``via`` (a type text), its default dropped first and set again after:
    whatever default it has now (maybe one the plan drops later) may not cast."""
    out: list[str] = []
    for t, col in columns:
        table, column = ident(t.schema, t.name), Name(col.name)
        array = sql.SQL("[]" if col.type.endswith("[]") else "")
        out.append(text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(table, column)))
        collate = sql.SQL(" COLLATE {}").format(sql.SQL(col.collation)) if col.collation else sql.SQL("")
        out.append(
            text(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {}{} USING {}::{}{}::{}").format(
                    table, column, sql.SQL(col.type), collate, column, sql.SQL(via), array, sql.SQL(col.type)
                )
            )
        )
        if col.default is not None:
            out.append(text(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(table, column, sql.SQL(col.default))))
    return out


def rebuild_type(
    c: RebuildEnum | RebuildDomain | RebuildComposite,
    keyword: str,
    create: str,
    via: str,
    retire: tuple[str, ...] = (),
) -> list[str]:
    """Rename the old type away, create the new one, convert the columns of that type
    (through ``via``), drop the old type; all skipped when the type is already new.
    ``retire``: statements run on the renamed old type before the new one is created."""
    t = c.new
    renamed, retired = retired_name(t.schema, t.name)
    actions = [
        text(sql.SQL("ALTER {} {} RENAME TO {}").format(sql.SQL(keyword), ident(t.schema, t.name), renamed)),
        *retire,
        create,
        *convert_columns(c.columns, via),
    ]
    drops = [text(sql.SQL("DROP {} {}").format(sql.SQL(keyword), retired))]
    for step, drop in map(nested_rebuild, c.nested):
        actions.extend(step)
        drops.insert(0, drop)  # a type over another goes before it
    return [rebuild_guard(c.cause, actions + drops)]


def nested_rebuild(n: NestedRebuild) -> tuple[list[str], str]:
    """A type over a rebuilt one (a domain over it, a composite with an attribute of it),
    rebuilt with it: renamed away, created over the new type, its columns converted
    through text; and the drop of its old self (to run before the old rebuilt type's)."""
    from schemakit.kinds.composite import create_composite_sql
    from schemakit.kinds.domain import Domain, create_domain_sql
    
    old, new, columns = n
    keyword = "DOMAIN" if isinstance(new, Domain) else "TYPE"
    create = create_domain_sql(new) if isinstance(new, Domain) else create_composite_sql(new)
    renamed, retired = retired_name(old.schema, old.name)
    steps = [
        text(sql.SQL("ALTER {} {} RENAME TO {}").format(sql.SQL(keyword), ident(old.schema, old.name), renamed)),
        create,
        *convert_columns(columns, "text"),
    ]
    return steps, text(sql.SQL("DROP {} {}").format(sql.SQL(keyword), retired))


def rebuild_guard(cause: TypeRebuild, actions: list[str]) -> str:
    """``actions`` run only while the rebuilt type is in its old state (a re-run of
    the script finds it in the new one and does nothing)."""
    from schemakit.kinds.composite import CompositeType, attributes_state, composite_probe
    from schemakit.kinds.domain import Domain, domain_probe
    from schemakit.kinds.enum import EnumType, enum_probe
    
    old, new = cause
    if isinstance(old, EnumType):
        assert isinstance(new, EnumType)
        probe, target, origin = enum_probe(new), ",".join(new.labels), ",".join(old.labels)
    elif isinstance(old, Domain):
        assert isinstance(new, Domain)
        probe, target, origin = domain_probe(new), new.base_type, old.base_type
    else:
        assert isinstance(new, CompositeType)
        probe = composite_probe(new)
        target, origin = attributes_state(new.attributes), attributes_state(old.attributes)
    return guard(what=f"type {new.identity}", probe=probe, target=target, origin=origin, actions=actions)


def type_probe(schema: str, name: str, select: str, typtype: str) -> sql.Composable:
    """One text value about a type (``select`` over ``t``, a pg_type row), NULL when absent."""
    return sql.SQL("SELECT {} FROM pg_catalog.pg_type t WHERE t.oid = pg_catalog.to_regtype({}) AND t.typtype = {}").format(
        sql.SQL(select), sql.Literal(text(ident(schema, name))), sql.Literal(typtype)
    )


def regtype(schema: str, name: str) -> sql.Composable:
    return sql.SQL("pg_catalog.to_regtype({})").format(sql.Literal(text(ident(schema, name))))


# -- kinds dropped and created again, unless columns use them --------------------------


def refuse_in_use(what: str, identity: str, old: str, new: str, columns: list[str]) -> SchemakitError:
    shown = ", ".join(columns[:5]) + (f" and {len(columns) - 5} more" if len(columns) > 5 else "")
    return SchemakitError(
        f"{what} {identity} changes ({old} → {new}) while columns use it ({shown}); "
        f"PostgreSQL cannot alter a {what} in place, and dropping it would drop those columns",
        hint=f"declare the new {what} under another name, move the columns to it in one plan, "
        f"then remove the old {what} in another",
    )


def recreated_unless_used(
    current: Model,
    desired: Model,
    cls: type[RangeType] | type[Collation],
    what: str,
    columns: Callable[[Model, Model, Any], list[str]],
    create: Callable[[Any], Change],
    drop: Callable[[Any], Change],
) -> Iterator[Change]:
    """Kinds PostgreSQL cannot alter in place (range types, collations): created,
    dropped, or dropped and created again when they change, which is refused while
    columns of kept tables use them (dropping it would drop those columns)."""
    for old, new in pairs(current, desired, cls):
        if new is None:
            assert old is not None
            yield drop(old)
            continue
        if old is None:
            yield create(new)
        elif old.state != new.state:
            used = columns(current, desired, old)
            if used:
                raise refuse_in_use(what, new.identity, old.state, new.state, used)
            yield drop(old)
            yield create(new)
        yield from comment(old, new)


# -- hazards ---------------------------------------------------------------------------


def type_rebuild_hazards(c: Change, current: Model) -> list[Hazard]:
    """Enums, domains and composites rebuilt: the columns of the type are converted."""
    from schemakit.kinds.composite import RebuildComposite
    from schemakit.kinds.domain import RebuildDomain
    from schemakit.kinds.enum import RebuildEnum
    
    if not isinstance(c, (RebuildEnum, RebuildDomain, RebuildComposite)):
        return []
    out: list[Hazard] = []
    narrowing = isinstance(c, RebuildDomain) and not widening(c.old.base_type, c.new.base_type)
    for t, col in c.columns:
        if narrowing:
            assert isinstance(c, RebuildDomain)
            out.append(
                Hazard(
                    hz.DELETES_DATA,
                    f"{col.name}: {c.old.base_type} → {c.new.base_type} may not fit every value",
                    t.identity,
                )
            )
        out.append(Hazard(hz.TABLE_REWRITE, f"{col.name} is converted to the rebuilt {c.key[1]}", t.identity))
        out.append(Hazard(hz.ACQUIRES_ACCESS_EXCLUSIVE_LOCK, f"altering column type of {t.identity}", t.identity))
    return out
