"""The dataclasses' compiled methods kept between runs (schemakit.codecache): each test
runs fresh interpreters whose bytecode cache is a folder of its own (PYTHONPYCACHEPREFIX)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

PROBE = """
import json, sys
from schemakit import codecache
codecache.install()
from dataclasses import dataclass, FrozenInstanceError, field

@dataclass(frozen=True)
class Point:
    x: int
    y: int = 2
    tags: tuple[str, ...] = field(default=(), compare=False)

p = Point(1)
try:
    p.x = 3
    frozen = False
except FrozenInstanceError:
    frozen = True
memo = codecache._memo
out = {"repr": repr(p), "eq": p == Point(1, 2, ("a",)), "ne": p != Point(2), "hash": hash(p) == hash(Point(1, 2)),
       "frozen": frozen, "compiled": memo.compiled, "held": len(memo.codes), "path": str(codecache.memo_path())}
codecache.save()
print(json.dumps(out))
"""


def probe(prefix: Path, **env: str) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment.update(PYTHONPYCACHEPREFIX=str(prefix), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=environment, capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert isinstance(found, dict)
    return found


def expected_behaviour(found: dict[str, object]) -> None:
    assert found["repr"] == "Point(x=1, y=2, tags=())"
    assert found["eq"] is True and found["ne"] is True and found["hash"] is True and found["frozen"] is True


def test_a_second_run_compiles_no_dataclass_method_and_the_classes_behave_the_same(tmp_path: Path) -> None:
    first = probe(tmp_path)
    expected_behaviour(first)
    assert isinstance(first["compiled"], int) and first["compiled"] >= 5  # __init__, __repr__, __eq__, __hash__, frozen
    memo = Path(str(first["path"]))
    assert memo.is_file() and memo.is_relative_to(tmp_path)
    second = probe(tmp_path)
    expected_behaviour(second)
    assert second["compiled"] == 0 and second["held"] == first["held"]


def test_a_damaged_memo_is_ignored_and_written_anew(tmp_path: Path) -> None:
    memo = Path(str(probe(tmp_path)["path"]))
    for damage in (memo.read_bytes()[: memo.stat().st_size // 2], b"not marshal at all", b""):
        memo.write_bytes(damage)
        found = probe(tmp_path)
        expected_behaviour(found)
        assert isinstance(found["compiled"], int) and found["compiled"] >= 5
        assert probe(tmp_path)["compiled"] == 0  # written anew, whole


def test_no_memo_is_written_when_python_writes_no_bytecode(tmp_path: Path) -> None:
    found = probe(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    expected_behaviour(found)
    assert not Path(str(found["path"])).exists()


def test_a_memo_another_user_owns_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from schemakit import codecache

    memo = Path(str(probe(tmp_path)["path"]))
    assert codecache._load(memo)
    monkeypatch.setattr(os, "getuid", lambda: memo.stat().st_uid + 1)
    assert codecache._load(memo) == {}
