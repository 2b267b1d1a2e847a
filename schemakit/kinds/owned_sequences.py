"""The sequences a table's columns own (identity and serial), which the model folds into
their columns: what ``CREATE TABLE`` names them, so that the grants default privileges
give them when the plan creates the table can be planned like any new object's, and a
grant the target holds on one that the desired state leaves out is revoked."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from schemakit.kinds.columns import Column
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.default_privilege import implied_privileges
from schemakit.kinds.grant import Grant
from schemakit.kinds.index import Index
from schemakit.kinds.sequence import Sequence
from schemakit.kinds.table import Table
from schemakit.kinds.view import View
from schemakit.model import DbObject, Key, Model, qualified

_NAME_BYTES = 63  # NAMEDATALEN - 1


def _clip(name: str, size: int) -> str:
    """The longest prefix of ``name`` of at most ``size`` bytes (UTF-8, whole characters)."""
    return name.encode()[:size].decode(errors="ignore")


def object_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's makeObjectName: ``name1_name2_label``, the longer of the two names
    shortened first until it fits in a name."""
    avail = _NAME_BYTES - len(label.encode()) - 2
    n1, n2 = len(name1.encode()), len(name2.encode())
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    return f"{_clip(name1, n1)}_{_clip(name2, n2)}_{label}"


def relation_names(model: Model) -> dict[str, set[str]]:
    """Names of the relations the model knows (tables, views, sequences, indexes and the
    indexes of keys), by schema: what a new relation's name must not be."""
    out: dict[str, set[str]] = {}
    for obj in model.objects.values():
        if isinstance(obj, (Table, View, Sequence, Index)) or (
            isinstance(obj, Constraint) and obj.type in ("p", "u", "x")
        ):
            out.setdefault(obj.schema, set()).add(obj.name)
    return out


def owned_sequences(
    model: Model,
    table: Table,
    serial: Callable[[Column, Model], str | None],
    taken: Mapping[str, set[str]] | None = None,
) -> tuple[str, ...]:
    """Identities of the sequences ``CREATE TABLE`` makes for ``table``'s own columns:
    an identity column's (named as PostgreSQL's ChooseRelationName does, avoiding
    ``taken``: :func:`relation_names` of the model, computed once by a caller that asks
    for many tables) and a serial column's (``serial`` reads it from the default). A
    partition has none of its own."""
    if table.partition_of is not None:
        return ()
    out: list[str] = []
    chosen: set[str] = set()
    for col in table.columns:
        if not col.local:
            continue
        if col.identity is not None:
            if taken is None:
                taken = relation_names(model)
            used = taken.get(table.schema, set())
            name, n = object_name(table.name, col.name, "seq"), 0
            while name in used or name in chosen:
                n += 1
                name = object_name(table.name, col.name, f"seq{n}")
            chosen.add(name)
            out.append(qualified(table.schema, name))
        elif (seq := serial(col, model)) is not None:
            out.append(seq)
    return tuple(out)


def owned_sequence_grants(
    current: Model,
    desired: Model,
    fresh: set[Key],
    grantees: Iterable[str],
    new_grants: Mapping[Key, DbObject],
    serial: Callable[[Column, Model], str | None],
) -> dict[Key, tuple[Grant, Key]]:
    """Grants on the owned sequences of the desired tables that the desired state does
    not list, grant key → (an empty grant, its table): for a table the plan creates, one
    per grantee default privileges give something (the plan starts from what they give);
    for a kept table, one per grant the target holds there."""
    held: dict[str, list[tuple[Key, Grant]]] = {}
    for gkey, g in current.objects.items():
        if isinstance(g, Grant) and g.on_kind == "sequence" and gkey not in new_grants:
            held.setdefault(g.on, []).append((gkey, g))
    out: dict[Key, tuple[Grant, Key]] = {}
    names = list(grantees)
    taken = relation_names(desired)
    for key, table in desired.objects.items():
        if not isinstance(table, Table):
            continue
        created = key not in current.objects or key in fresh
        for seq in owned_sequences(desired, table, serial, taken):
            if created:
                for grantee in names:
                    probe = Grant(on_kind="sequence", on=seq, grantee=grantee, privileges=())
                    if probe.key not in new_grants and implied_privileges(desired, "S", table.schema, grantee)[0]:
                        out[probe.key] = (probe, key)
                continue
            for gkey, g in held.get(seq, ()):
                if current.depends.get(gkey, frozenset()) == frozenset({key}):
                    out[gkey] = (Grant(on_kind="sequence", on=seq, grantee=g.grantee, privileges=()), key)
    return out
