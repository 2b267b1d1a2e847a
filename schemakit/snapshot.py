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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemakit.diff import diff_models
from schemakit.errors import EXIT_ERROR, SchemakitError
from schemakit.model import Key, Model
from schemakit.profile import Profile, model_profile

SNAPSHOT_FORMAT_VERSION = 1


class SnapshotError(SchemakitError):
    """A snapshot that cannot be read or is not one: exit 1."""

    exit_code = EXIT_ERROR


def _key_text(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


def _key_of(text: str) -> Key:
    kind, sep, ident = text.partition(":")
    if not sep:
        raise SnapshotError(f"bad key {text!r} in the snapshot's depends")
    return (kind, ident)


def snapshot_data(model: Model, profile: str | None = None) -> dict[str, Any]:
    """``profile`` (``postgres`` or ``supabase``): the target's platform, recorded in the
    header so that planning from the snapshot uses a shadow of the same platform; None:
    inferred from the model's content."""
    return {
        "snapshot": {
            "format_version": SNAPSHOT_FORMAT_VERSION,
            "fingerprint": model.fingerprint(),
            "server_version": model.server_version // 10000 * 10000,
            "profile": profile or model_profile(model).value,
        },
        "objects": model.to_json(),
        "depends": {
            _key_text(a): sorted(_key_text(b) for b in bs)
            for a, bs in sorted(model.depends.items())
            if bs
        },
    }


def dump_snapshot(model: Model, profile: str | None = None) -> str:
    return json.dumps(snapshot_data(model, profile), indent=2, ensure_ascii=False) + "\n"


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


def snapshot_profile(path: Path) -> Profile:
    """The profile a snapshot records; an older snapshot without one: inferred from its content."""
    data = read_json(path, "snapshot", SnapshotError)
    recorded = data.get("snapshot", {}).get("profile") if isinstance(data, dict) else None
    try:
        return Profile(recorded)
    except ValueError:
        return model_profile(parse_snapshot(data, str(path)))


def refresh_snapshot(path: Path, model: Model, profile: str | None = None) -> bool:
    """Write ``model``'s snapshot to ``path``; False when the file already held exactly that."""
    text = dump_snapshot(model, profile)
    if path.is_file() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


# -- staleness (`schemakit check`) ------------------------------------------------
#
# A snapshot records an environment, and an environment is reached by applying the
# migration files in order. So a snapshot is sound when it equals the state of the
# schema files, or the state after some prefix of the migration files (an
# environment that has not been deployed to yet: `plan --from-snapshot` then shows
# the pending change). It is *stale* when it equals none of them: the environment
# drifted, the snapshot predates an edit of the history, or it was edited by hand.


@dataclass(frozen=True)
class State:
    """A state a snapshot may hold: the schema files' (``version`` None) or a migration prefix's."""

    label: str
    model: Model
    behind: int  # migration files after this state (0 for the schema files' state)


@dataclass(frozen=True)
class Verdict:
    path: Path
    state: State | None  # the state it equals; None: stale
    problem: str = ""  # why it is stale
    differences: tuple[str, ...] = ()  # what differs from the schema files' state

    @property
    def stale(self) -> bool:
        return self.state is None


def snapshot_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def judge_snapshot(path: Path, states: Sequence[State]) -> Verdict:
    """Which of ``states`` (the schema files' first, then the newest prefix first) the snapshot equals."""
    try:
        model = load_snapshot(path)
    except SnapshotError as exc:
        return Verdict(path, None, problem=exc.message)
    for state in states:
        if not diff_models(model, state.model):
            return Verdict(path, state)
    target = states[0]
    changes = diff_models(model, target.model)
    problem = f"it equals neither the state of {target.label} nor the state after any prefix of the migration files"
    if model.server_version // 10000 != target.model.server_version // 10000:
        problem += (
            f" (it was taken on PostgreSQL {model.server_version // 10000}, the shadow runs "
            f"{target.model.server_version // 10000}; pass --shadow-url with a server of that version)"
        )
    return Verdict(path, None, problem=problem, differences=tuple(f"{c.action} {c.describe()}" for c in changes))


def snapshot_states(desired: Model, label: str, prefixes: Sequence[tuple[str | None, Model]]) -> list[State]:
    """The states a snapshot may hold: the schema files' (``label``), then each migration
    prefix, newest first. ``prefixes`` are (version or None for "before any file", model) in order."""
    n = len(prefixes) - 1
    out = [State(label, desired, 0)]
    for i in range(n, -1, -1):
        version, model = prefixes[i]
        out.append(State(f"migration {version}" if version else "no migration", model, n - i))
    return out
