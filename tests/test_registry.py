"""The registry of kinds (schemakit.kinds.KINDS) tells the truth: what the loader accepts
is read by a kind, every change renders, every kind has a rank and a hazard rule, and
the orders the plans depend on are the ones they were before the registry."""

from __future__ import annotations

import ast
from pathlib import Path

import schemakit.render.sql  # noqa: F401  (the renderers of the kinds not moved yet)
from schemakit.changes import Change
from schemakit.kinds import HAZARD_RULES, KIND_RANK, KINDS, READ_STATEMENTS
from schemakit.kinds.base import SHARED_STATEMENTS
from schemakit.model import DbObject, object_classes
from schemakit.kinds.owner import Owner
from schemakit.profile import Baseline
from schemakit.render.guard import comment_target, render_change
from schemakit.source.classify import ACCEPTED_KINDS

ROOT = Path(__file__).resolve().parent.parent / "schemakit"


def _subclasses(cls: type) -> list[type]:
    out: list[type] = []
    todo = list(cls.__subclasses__())
    while todo:
        c = todo.pop()
        out.append(c)
        todo.extend(c.__subclasses__())
    return out


def test_every_accepted_statement_kind_is_read_by_a_registered_kind() -> None:
    unread = ACCEPTED_KINDS - READ_STATEMENTS
    assert not unread, f"the loader accepts statements no kind reads back: {sorted(unread)}"
    unaccepted = READ_STATEMENTS - ACCEPTED_KINDS
    assert not unaccepted, f"kinds claim statements the loader refuses: {sorted(unaccepted)}"
    assert not SHARED_STATEMENTS & frozenset().union(*(k.statements for k in KINDS))


def test_every_change_class_has_its_own_renderer() -> None:
    base = render_change.registry[object]
    changes = _subclasses(Change)
    assert len(changes) > 60
    missing = sorted(c.__name__ for c in changes if render_change.dispatch(c) is base)
    assert not missing, f"change classes without a renderer: {missing}"


def test_every_kind_has_a_rank_a_differ_and_a_hazard_rule() -> None:
    names = [k.name for k in KINDS]
    assert len(names) == len(set(names))
    for kind in KINDS:
        assert kind.ranks, kind.name
        assert all(isinstance(rank, int) for _, rank in kind.ranks), kind.name
        assert callable(kind.differ) and callable(kind.hazards), kind.name
        assert kind.hazards in HAZARD_RULES, kind.name
        assert kind.classes and all(issubclass(c, DbObject) for c in kind.classes), kind.name
    # A key kind shared by several kinds (enums, domains, composites, ranges: "type") has one rank.
    for kind in KINDS:
        for key, rank in kind.ranks:
            assert KIND_RANK[key] == rank, (kind.name, key)


def test_every_model_class_belongs_to_one_kind_that_ranks_its_key() -> None:
    owners: dict[type, list[str]] = {}
    for kind in KINDS:
        for cls in kind.classes:
            owners.setdefault(cls, []).append(kind.name)
            assert cls.kind in kind.key_kinds, (kind.name, cls.kind)
    # Ownership is shared (schemakit.kinds.base); the baseline is the pseudo-object of a
    # planned step, not a catalog object (schemakit.profile).
    classes = set(object_classes()) - {Owner, Baseline}
    assert {c: len(owners.get(c, [])) for c in classes} == {c: 1 for c in classes}


def test_every_kind_with_a_comment_field_has_a_comment_target() -> None:
    base = comment_target.registry[object]
    for kind in KINDS:
        for cls in kind.classes:
            if "comment" in cls.__dataclass_fields__:  # type: ignore[attr-defined]
                assert comment_target.dispatch(cls) is not base, cls.__name__


def test_the_orders_plans_depend_on_are_unchanged() -> None:
    """Byte-identical plans: the differ order and the ranks as they were in diff/ and plan.py."""
    assert [k.name for k in KINDS if k.name != "event trigger"] == [
        "schema", "extension", "enum", "domain", "composite", "range", "collation", "sequence", "table",
        "view", "constraint", "index", "function", "trigger", "policy", "bucket", "publication", "rows",
        "default privilege", "grant",
    ]  # fmt: skip
    assert {k: r for k, r in KIND_RANK.items() if k != "event trigger"} == {
        "schema": 0, "extension": 1, "default privilege": 1, "collation": 2, "type": 2, "sequence": 3,
        "function": 4, "procedure": 4, "table": 5, "table constraint": 6, "index": 7, "view": 8,
        "materialized view": 9, "trigger": 10, "policy": 11, "bucket": 12, "publication": 12, "rows": 12,
        "grant": 13,
    }  # fmt: skip


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_plan_does_not_import_the_renderer() -> None:
    files = sorted((ROOT / "plan").glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "order.py", "hazards.py"}
    for f in files:
        assert not {m for m in _imports(f) if m.startswith("schemakit.render")}, f.name


def test_kind_modules_do_not_import_the_layers_above_them() -> None:
    """A kind module uses the model, the changes, the shared base and render/guard.py;
    the diff, the plan, the reader and render/sql.py use the kinds, not the reverse."""
    above = ("schemakit.diff", "schemakit.plan", "schemakit.catalog", "schemakit.render.sql", "schemakit.workflow")
    for f in sorted((ROOT / "kinds").glob("*.py")):
        bad = {m for m in _imports(f) if m.startswith(above)}
        assert not bad, (f.name, bad)


def test_every_kind_lives_in_a_module_of_its_own() -> None:
    """Its differ, classes and changes are in one schemakit.kinds module; model.py and
    changes.py hold no per-kind class (issue 13)."""
    import inspect

    import schemakit.changes
    import schemakit.model
    from schemakit.kinds import KINDS

    for kind in KINDS:
        module = kind.differ.__module__
        assert module.startswith("schemakit.kinds."), kind.name
        for cls in kind.classes:
            assert cls.__module__.startswith("schemakit.kinds."), cls
            assert not hasattr(schemakit.model, cls.__name__), cls
    for module in (schemakit.model, schemakit.changes):
        per_kind = [
            name for name, obj in vars(module).items()
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and name not in ("DbObject", "Model", "Change")
        ]
        assert not per_kind, (module.__name__, per_kind)
