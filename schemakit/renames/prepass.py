"""The declared renames' pre-pass: before the diff, the current model as it will be
once the renames ran, and the rename changes that get it there.

Per directive, in the target (the current model, with the renames before it done):
the old object exists and the new name is free → rename; the new object exists and
the old one is gone → already done, nothing to do; neither → an error at the
directive; both, or the old name still declared → an error too (the rename cannot run).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field, replace

from schemakit.changes import Change
from schemakit.model import DbObject, Key, Model, qualified
from schemakit.kinds.composite import CompositeType
from schemakit.kinds.domain import Domain
from schemakit.kinds.enum import EnumType
from schemakit.kinds.constraint import Constraint
from schemakit.kinds.index import Index
from schemakit.kinds.view import View
from schemakit.kinds.function import Function
from schemakit.kinds.sequence import Sequence
from schemakit.kinds.table import Table
from schemakit.kinds.policy import Policy

from schemakit.renames import rewrite
from schemakit.renames.changes import RenameColumn, RenameObject
from schemakit.renames.directives import RENAMED_KINDS, Directive
from schemakit.renames.suggest import shape_of

RowProbe = Callable[[Seq[Table]], frozenset[str]]


@dataclass(frozen=True)
class Renamed:
    """The pre-pass's result: ``current`` with the renames done, the changes that do
    them (in the order they run), and the enum values to rename ({type: {old: new}},
    for the diff's RenameEnumValue)."""

    current: Model
    changes: tuple[Change, ...] = ()
    enum_values: dict[str, dict[str, str]] = field(default_factory=dict)

    def row_probe(self, rows: RowProbe | None) -> RowProbe | None:
        """``rows`` (which tables hold rows) asked of the target: a renamed table under
        its old name, the answer under its new one."""
        was = {c.new.identity: c.old for c in self.changes if isinstance(c, RenameObject) and isinstance(c.old, Table)}
        if rows is None or not was:
            return rows
        probe = rows

        def renamed(tables: Seq[Table]) -> frozenset[str]:
            asked = [was.get(t.identity, t) for t in tables]
            now = {t.identity: new.identity for t, new in zip(asked, tables)}
            return frozenset(now.get(i, i) for i in probe([t for t in asked if isinstance(t, Table)]))

        return renamed


def apply_renames(current: Model, desired: Model, directives: Seq[Directive]) -> Renamed:
    changes: list[Change] = []
    values: dict[str, dict[str, str]] = {}
    moved = False
    for d in sorted(directives, key=lambda d: RENAMED_KINDS.index(d.kind)):
        if d.kind == "enum value":
            _enum_value(current, desired, d, values)
            continue
        found = _resolve(current, desired, d)
        if found is None:
            continue
        change, current = found
        changes.append(change)
        moved = moved or d.kind in ("table", "column")
    if moved:
        current = _follow_sequences(current, desired, changes)
        current = _follow_owned(current, desired, changes)
    return Renamed(current=current, changes=tuple(changes), enum_values=values)


def _decide(d: Directive, old_there: bool, new_there: bool, old_declared: bool, what: str) -> bool:
    """True: rename. False: already done. Raises where it cannot run. ``what`` says
    which object, ``{}`` standing for its name."""
    old, new = what.replace("{}", d.old), what.replace("{}", d.new)
    if old_declared:
        raise d.error(f"{old} is still declared: a renamed-from directive names an object that goes")
    if old_there and new_there:
        raise d.error(
            f"the target has both {old} and {new}: the rename cannot run",
            hint=f"drop one of them, or remove the directive (`{d.line}`)",
        )
    if not old_there and not new_there:
        raise d.error(
            f"renamed-from names {old}, which the target does not have (nor {new}): there is nothing to rename",
            hint=f"fix the old name, or remove the directive (`{d.line}`) once every database is renamed",
        )
    return old_there


def _enum_value(current: Model, desired: Model, d: Directive, values: dict[str, dict[str, str]]) -> None:
    key = ("type", qualified(d.schema, d.on or ""))
    enum, wanted = current.get(key), desired.get(key)
    labels = enum.labels if isinstance(enum, EnumType) else ()
    declared = isinstance(wanted, EnumType) and d.old in wanted.labels
    if _decide(d, d.old in labels, d.new in labels, declared, f"value '{{}}' of type {key[1]}"):
        values.setdefault(key[1], {})[d.old] = d.new


def _resolve(current: Model, desired: Model, d: Directive) -> tuple[Change, Model] | None:
    if d.kind == "function":
        return _function(current, desired, d)
    if d.kind == "column":
        return _column(current, desired, d)
    old, new = _named(current, d, d.old), _named(current, d, d.new)
    declared = _named(desired, d, d.old) is not None
    if not _decide(d, old is not None, new is not None, declared, f"{d.kind} {d.schema}.{{}}"):
        return None
    assert old is not None
    renamed = rewrite.named(old, d.new)
    if isinstance(old, (Table, View)):
        model = rewrite.rename_relation(current, old, d.new)
    elif isinstance(old, (EnumType, Domain, CompositeType)):
        model = rewrite.rename_type(current, old, d.new)
    else:
        model = rewrite.rename_named(current, old, d.new)
    return RenameObject(old=old, new=renamed), model


def _named(model: Model, d: Directive, name: str) -> DbObject | None:
    """The object of the directive's kind called ``name`` in ``model``."""
    if d.kind in ("table", "view", "materialized view", "type", "index"):
        obj = model.get((d.kind, qualified(d.schema, name)))
        if d.kind == "type" and not isinstance(obj, (EnumType, Domain, CompositeType)):
            return None
        return obj
    cls = Constraint if d.kind == "constraint" else Policy
    key: Key = (cls.kind, f"{qualified(d.schema, name)} on {qualified(d.schema, d.on or '')}")
    obj = model.get(key)
    if obj is None:  # quote_ident of the name alone, as the identity spells it
        for o in model.of_kind(cls.kind).values():
            if isinstance(o, cls) and (o.schema, o.table, o.name) == (d.schema, d.on, name):
                return o
    return obj


def _function(current: Model, desired: Model, d: Directive) -> tuple[Change, Model] | None:
    """A function (or procedure) keeps its arguments: the one of the old name with the
    same argument types as a desired one of the new name."""
    wanted = [f for f in desired.objects.values() if isinstance(f, Function) and (f.schema, f.name) == (d.schema, d.new)]
    pairs = [(replace(f, name=d.old), f) for f in wanted]
    for was, now in pairs:
        old = current.get(was.key)
        new = current.get(now.key)
        if not _decide(d, old is not None, new is not None, was.key in desired.objects, f"function {d.schema}.{{}}"):
            continue
        assert isinstance(old, Function)
        return RenameObject(old=old, new=rewrite.named(old, d.new)), rewrite.rename_function(current, old, d.new)
    if not pairs:
        raise d.error(f"no function {d.new} is declared")
    return None


def _column(current: Model, desired: Model, d: Directive) -> tuple[Change, Model] | None:
    key = ("table", qualified(d.schema, d.on or ""))
    table = current.get(key)
    names = {c.name for c in table.columns} if isinstance(table, Table) else set()
    wanted = desired.get(key)
    declared = isinstance(wanted, Table) and wanted.column(d.old) is not None
    if not _decide(d, d.old in names, d.new in names, declared, f"column {{}} of {key[1]}"):
        return None
    model = rewrite.rename_column(current, table, d.old, d.new)  # type: ignore[arg-type]
    after = model.get(key)
    assert isinstance(after, Table)
    return RenameColumn(table=after, old_name=d.old, new_name=d.new), model


_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'::regclass\)")
_IDENT = re.compile(r'"((?:[^"]|"")*)"|([^".]+)')


def _sequence(text: str) -> Sequence | None:
    """The sequence a serial default's regclass literal names (only its name is known)."""
    parts = [m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2) for m in _IDENT.finditer(text)]
    if len(parts) != 2:
        return None
    return Sequence(schema=parts[0], name=parts[1], type="bigint", start=1, increment=1, minvalue=1, maxvalue=1, cache=1, cycle=False)


def _follow_sequences(current: Model, desired: Model, changes: list[Change]) -> Model:
    """A serial column's sequence keeps its name when its table or column is renamed,
    while the files' new table makes one of the new name: the sequence follows (renamed
    too), so that it keeps its value instead of being made again. Serial sequences are
    not objects of the model: their names come from the columns' defaults."""
    for key in sorted({c.key for c in changes if c.kind == "table"}):
        table, wanted = current.get(key), desired.get(key)
        if not isinstance(table, Table) or not isinstance(wanted, Table):
            continue
        for col in table.columns:
            new_col = wanted.column(col.name)
            was = _NEXTVAL.fullmatch(col.default or "")
            now = _NEXTVAL.fullmatch(new_col.default or "") if new_col is not None else None
            if was is None or now is None or was.group(1) == now.group(1):
                continue
            old, new = _sequence(was.group(1).replace("''", "'")), _sequence(now.group(1).replace("''", "'"))
            if old is None or new is None or old.schema != new.schema or {old.key, new.key} & current.objects.keys():
                continue
            changes.append(RenameObject(old=old, new=new))
            current = rewrite.rename_sequence(current, old, new.name)
    return current


def _follow_owned(current: Model, desired: Model, changes: list[Change]) -> Model:
    """The constraints and indexes of a renamed table (or of a table with a renamed
    column) whose names the files change with it (``memos_pkey`` → ``notes_pkey``):
    one that goes and one that comes with the same definition are renamed too."""
    tables = {c.key for c in changes if c.kind == "table"}
    gone: dict[object, list[DbObject]] = defaultdict(list)
    came: dict[object, list[DbObject]] = defaultdict(list)
    for side, model, other in ((gone, current, desired), (came, desired, current)):
        for key, obj in model.objects.items():
            if isinstance(obj, (Constraint, Index)) and obj.owner_key in tables and key not in other.objects:
                found = shape_of(obj)
                if found is not None:
                    side[found[0]].append(obj)
    for shape, olds in gone.items():
        news = came.get(shape, [])
        if len(olds) == 1 and len(news) == 1:
            old, name = olds[0], getattr(news[0], "name")
            changes.append(RenameObject(old=old, new=rewrite.named(old, name)))
            current = rewrite.rename_named(current, old, name)
    return current
