"""How ``schemakit import`` lays out the files it writes (a module of its own, so that
the command line can name the choices without importing the importer)."""

from __future__ import annotations

import enum


class Layout(str, enum.Enum):
    by_table = "by-table"
    by_kind = "by-kind"
    single = "single"
