"""``schemakit test``: SQL test files run as PostgREST's roles (RLS tests), and pgTAP files.

- ``parser``: a test file → statements with their ``-- as:`` role and ``-- expect:`` check,
  each at its ``file:line``;
- ``runner``: runs the files (on a database built from the schema files, or ``--db``),
  each in its own rolled-back transaction, each statement in a savepoint;
- ``report``: the outcomes and their text.
"""

from schemakit.schematest.parser import Expect, Role, SqlTestFile, Step, parse_test_file
from schemakit.schematest.report import FileResult, Outcome, SuiteReport, render_report

__all__ = [
    "Expect",
    "FileResult",
    "Outcome",
    "Role",
    "SqlTestFile",
    "Step",
    "SuiteReport",
    "parse_test_file",
    "render_report",
]
