"""Why a statement has no place in a schema file: the message and hint per family."""

from __future__ import annotations


from pglast import ast
from pglast.enums import (
    VariableSetKind,
)


from schemakit.source.classified import DATA_HINT, DROP_MESSAGE, ClassifierBase, Rejected


class Rejections(ClassifierBase):
    """The rejection of a statement no handler accepts."""

    # -- rejections --------------------------------------------------------------------------

    def rejection(self) -> Rejected:
        name = type(self.node).__name__
        head = self.head()
        family = _FAMILIES.get(name)
        if family == "data":
            return Rejected(f"{head} is not allowed in schema files", DATA_HINT)
        if name == "SelectStmt":
            return Rejected(
                "SELECT is not allowed in schema files",
                "schema files declare objects; move queries and calls such as set_config() "
                "or cron.schedule() to a seed script",
            )
        if name == "DoStmt":
            return Rejected(
                "DO blocks are not allowed in schema files",
                "schema files declare objects: write the statements the block would run "
                "directly (schemakit guards every change itself), or move it to a seed script",
            )
        if family == "transaction":
            return Rejected(
                f"{head} is not allowed in schema files",
                "remove it: schemakit wraps the whole apply in one transaction",
            )
        if name == "VariableSetStmt" and isinstance(self.node, ast.VariableSetStmt):
            return _set_rejection(self.node, head)
        if family == "drop":
            return Rejected(DROP_MESSAGE)
        if family == "maintenance":
            return Rejected(
                f"{head} is not allowed in schema files",
                "schema files declare objects; run maintenance and session commands outside "
                "schemakit",
            )
        if family == "rename":
            what = "RENAME" if name == "RenameStmt" else "SET SCHEMA"
            return Rejected(
                f"{head} ... {what} is not allowed in schema files",
                "declare the object under its final name and schema; schemakit plans the change",
            )
        if family == "cluster":
            return Rejected(
                f"{head} is not allowed in schema files",
                "roles, databases and tablespaces are cluster-wide: manage them outside "
                "schemakit (roles your schema grants to must already exist)",
            )
        if name == "AlterTypeStmt":
            return Rejected(
                f"{head} ... SET (...) is not supported in schema files",
                "it changes a base type's properties, and schemakit does not manage base types; "
                "declare enums, domains, composite and range types with CREATE TYPE / CREATE DOMAIN",
            )
        if name == "AlterExtensionStmt":
            return Rejected(
                f"{head} is not allowed in schema files",
                "pin the version in CREATE EXTENSION ... VERSION instead; schemakit plans "
                "the update",
            )
        return self.unsupported()




def _set_rejection(node: ast.VariableSetStmt, head: str) -> Rejected:
    name = (node.name or "").lower()
    if node.kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_RESET_ALL):
        what = "RESET" if not name else f"RESET {name}"
    else:
        what = f"SET {name}" if name else head
    if name == "search_path":
        hint = (
            "remove it: schemakit resolves unqualified names with its search_path setting "
            "(default: public); pin a function's search_path with CREATE FUNCTION ... SET"
        )
    elif name == "check_function_bodies":
        hint = "remove it: schemakit already loads the files with check_function_bodies = off"
    elif name in ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout"):
        hint = "remove it: schemakit sets lock_timeout and statement_timeout when it applies"
    elif name in ("role", "session_authorization"):
        hint = "remove it: declare owners with ALTER ... OWNER TO"
    else:
        hint = (
            "remove it: schemakit controls the session (search_path, check_function_bodies, "
            "lock_timeout, statement_timeout); give a function its own settings with "
            "CREATE FUNCTION ... SET"
        )
    return Rejected(f"{what} is not allowed in schema files", hint)


_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        ["UpdateStmt", "DeleteStmt", "MergeStmt", "CopyStmt", "TruncateStmt", "CallStmt"],
        "data",
    ),
    "TransactionStmt": "transaction",
    **dict.fromkeys(
        [
            "DropOwnedStmt",
            "DropRoleStmt",
            "DropdbStmt",
            "DropTableSpaceStmt",
            "DropSubscriptionStmt",
            "DropUserMappingStmt",
        ],
        "drop",
    ),
    **dict.fromkeys(
        [
            "VacuumStmt",
            "ClusterStmt",
            "ReindexStmt",
            "RefreshMatViewStmt",
            "LockStmt",
            "CheckPointStmt",
            "DiscardStmt",
            "LoadStmt",
            "ListenStmt",
            "NotifyStmt",
            "UnlistenStmt",
            "ExplainStmt",
            "PrepareStmt",
            "ExecuteStmt",
            "DeallocateStmt",
            "DeclareCursorStmt",
            "FetchStmt",
            "ClosePortalStmt",
            "VariableShowStmt",
            "ConstraintsSetStmt",
        ],
        "maintenance",
    ),
    **dict.fromkeys(["RenameStmt", "AlterObjectSchemaStmt"], "rename"),
    **dict.fromkeys(
        [
            "CreateRoleStmt",
            "AlterRoleStmt",
            "AlterRoleSetStmt",
            "GrantRoleStmt",
            "ReassignOwnedStmt",
            "CreatedbStmt",
            "AlterDatabaseStmt",
            "AlterDatabaseSetStmt",
            "AlterDatabaseRefreshCollStmt",
            "CreateTableSpaceStmt",
            "AlterTableSpaceOptionsStmt",
            "AlterSystemStmt",
        ],
        "cluster",
    ),
}


