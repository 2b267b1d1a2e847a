"""``schemakit snapshot``: typer command only (``schemakit.workflow.take_snapshot``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from schemakit.cli.console import emit, progress
from schemakit.cli.options import ConnectTimeout, DbUrl
from schemakit.snapshot import dump_snapshot
from schemakit.workflow import take_snapshot


def snapshot(
    db: DbUrl = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the snapshot to this file, e.g. snapshots/prod.json (default: standard output).", show_default=False)] = None,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    """Write the canonical model of a database as JSON: sorted, no OIDs, timestamps or passwords."""
    taken = take_snapshot(db, progress)
    emit(dump_snapshot(taken.model, taken.profile.value), out)
