"""Snapshots: the canonical model of a database as a small, diffable JSON file.

Layout (``indent=2``, keys in a fixed order, objects sorted, trailing newline)::

    {
      "snapshot": {"format_version": 1, "fingerprint": "...", "server_version": 170000},
      "objects": {"<kind>": {"<identity>": {<fields>}}},
      "depends": {"<kind>:<identity>": ["<kind>:<identity>", ...]}
    }

No OIDs, timestamps or passwords. ``server_version`` keeps only the major version
(``170000``), so a minor server upgrade does not change the file. ``depends`` holds
the dependency edges, so planning from a snapshot orders changes as planning
against the live database does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemakit.errors import SchemakitError
from schemakit.model import Key, Model

SNAPSHOT_FORMAT_VERSION = 1


class SnapshotError(SchemakitError):
    pass


def _key_text(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


def _key_of(text: str) -> Key:
    kind, sep, ident = text.partition(":")
    if not sep:
        raise SnapshotError(f"bad key {text!r} in the snapshot's depends")
    return (kind, ident)


def snapshot_data(model: Model) -> dict[str, Any]:
    return {
        "snapshot": {
            "format_version": SNAPSHOT_FORMAT_VERSION,
            "fingerprint": model.fingerprint(),
            "server_version": model.server_version // 10000 * 10000,
        },
        "objects": model.to_json(),
        "depends": {
            _key_text(a): sorted(_key_text(b) for b in bs)
            for a, bs in sorted(model.depends.items())
            if bs
        },
    }


def dump_snapshot(model: Model) -> str:
    return json.dumps(snapshot_data(model), indent=2, ensure_ascii=False) + "\n"


def parse_snapshot(data: Any, source: str = "snapshot") -> Model:
    if not isinstance(data, dict) or not isinstance(data.get("snapshot"), dict):
        raise SnapshotError(f"{source} is not a schemakit snapshot (no \"snapshot\" header)")
    header = data["snapshot"]
    version = header.get("format_version")
    if version != SNAPSHOT_FORMAT_VERSION:
        raise SnapshotError(
            f"{source} has snapshot format_version {version!r}; this schemakit reads {SNAPSHOT_FORMAT_VERSION}",
            hint="take the snapshot again with this version of schemakit",
        )
    try:
        depends = {_key_of(a): frozenset(_key_of(b) for b in bs) for a, bs in data.get("depends", {}).items()}
        model = Model.from_json(data.get("objects", {}), depends, int(header.get("server_version", 0)))
    except (ValueError, TypeError, AttributeError) as exc:
        raise SnapshotError(f"{source} is not a valid snapshot: {exc}") from None
    expected = header.get("fingerprint")
    if expected is not None and model.fingerprint() != expected:
        raise SnapshotError(
            f"{source}: the objects do not match the header's fingerprint "
            f"({model.fingerprint()} != {expected}); was the file edited by hand?",
            hint="take the snapshot again with `schemakit snapshot`",
        )
    return model


def read_json(path: Path, what: str, error: type[SchemakitError], hint: str | None = None) -> Any:
    """The parsed JSON of a file schemakit wrote (a snapshot, a saved plan), or a clean error."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise error(f"cannot read the {what} {path}: {exc.strerror}", hint=hint) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path} is not JSON: {exc}", hint=hint) from None


def load_snapshot(path: Path) -> Model:
    return parse_snapshot(read_json(path, "snapshot", SnapshotError), str(path))
