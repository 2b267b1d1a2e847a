"""Plan → SQL (sql.py: idempotent statements), text, markdown or JSON (formats.py). No diff logic."""
