"""Classify one parsed statement: its kind, what it creates, what it references.

Only declarative DDL is accepted. Everything else raises ``Rejected`` with a message
and a hint specific to the statement's family; the caller adds the location.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from pglast import ast
from pglast.enums import (
    AlterPublicationAction,
    AlterTableType,
    ConstrType,
    GrantTargetType,
    ObjectType,
    RoleSpecType,
    VariableSetKind,
)
from pglast.parser import scan

from schemakit.platform import is_managed_schema
from schemakit.source.refs import (
    BUILTIN_SCHEMAS,
    Ref,
    collect_refs,
    ref_from_parts,
    ref_from_rangevar,
    refs_among,
    scoped_ref,
    strings,
)

BUCKETS_TABLE = ("storage", "buckets")

DROP_MESSAGE = (
    "DROP statements are not allowed in schema files: remove the object's definition "
    "instead; schemakit plans the drop"
)
DATA_HINT = "schema files declare objects; move data changes to a seed script"


class Rejected(Exception):
    """A statement that has no place in a schema file."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


Identity = tuple[str, str]  # (object class, qualified name), e.g. ("policy", "public.t.p")


@dataclass(frozen=True)
class Classified:
    """What one statement is, creates and references (names not yet resolved)."""

    kind: str
    provides: frozenset[str] = frozenset()
    refs: frozenset[Ref] = frozenset()  # resolved later against the search_path
    global_refs: frozenset[str] = frozenset()  # schemas, "extension:x", "publication:x"
    creates: frozenset[Identity] = frozenset()  # what a DROP ... IF EXISTS may match
    drops: tuple[Identity, ...] = ()  # for kind "drop": the objects dropped
    create_schemas: frozenset[str] = frozenset()  # schemas of objects default privileges affect
    default_privileges: frozenset[str] | None = None  # ALTER DEFAULT PRIVILEGES schemas (empty: all)
    after_all_in: frozenset[str] = frozenset()  # GRANT ... ON ALL ... IN SCHEMA s
    target: str | None = None  # the table an index/trigger/policy/ALTER TABLE applies to


ACCEPTED_KINDS: frozenset[str] = frozenset(
    {
        "create_table",
        "create_view",
        "create_materialized_view",
        "create_composite_type",
        "create_sequence",
        "create_index",
        "create_function",
        "create_procedure",
        "create_enum",
        "create_range_type",
        "create_domain",
        "create_collation",
        "create_trigger",
        "create_policy",
        "create_schema",
        "create_extension",
        "create_publication",
        "create_event_trigger",
        "alter_table",
        "alter_view",
        "alter_materialized_view",
        "alter_sequence",
        "alter_index",
        "alter_type",
        "alter_domain",
        "alter_function",
        "alter_procedure",
        "alter_policy",
        "alter_owner",
        "alter_publication",
        "alter_event_trigger",
        "alter_default_privileges",
        "comment",
        "grant",
        "revoke",
        "bucket",
        "declared_rows",
        "drop",
    }
)
"""Every kind a statement the loader accepts is classified as. Each is read back from
the shadow's catalog, diffed and rendered (tests/test_kinds_coverage.py loads an
example of each); ``classify`` refuses to return any other. Each is read by a kind of
the registry (``schemakit.kinds``: ``Kind.statements``, or the shared COMMENT, OWNER TO
and DROP): tests/test_registry.py checks the two lists are the same."""


def statement_head(sql: str, limit: int = 4) -> str:
    """The leading keywords of a statement, upper-cased: "DROP POLICY IF EXISTS"."""
    words: list[str] = []
    try:
        tokens = scan(sql)
    except Exception:
        tokens = []
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if token.kind == "NO_KEYWORD" or len(words) >= limit:
            break
        words.append(sql[token.start : token.end + 1].upper())
    return " ".join(words) or "this statement"


class _Classifier:
    def __init__(
        self, node: ast.Node, sql: str, default_schema: str, nodes: Sequence[ast.Node] | None
    ) -> None:
        self.node = node
        self.sql = sql
        self.schema = default_schema
        self.nodes = nodes

    # -- naming helpers -------------------------------------------------------------

    def qualify(self, parts: list[str]) -> tuple[str, str]:
        """(schema, name) of an object being created, from its written name."""
        if len(parts) >= 2:
            return parts[-2], parts[-1]
        if len(parts) == 1:
            return self.schema, parts[0]
        raise Rejected("cannot determine the name of the object created by this statement")

    def qualify_rv(self, rv: ast.RangeVar | None) -> tuple[str, str]:
        if rv is None or not rv.relname:
            raise Rejected("cannot determine the table this statement is about")
        return (rv.schemaname or self.schema), rv.relname

    def refs(self, root: Any, exclude: frozenset[str] = frozenset()) -> frozenset[Ref]:
        if root is self.node and self.nodes is not None:
            found = refs_among(self.nodes)
        else:
            found = collect_refs(root)
        return frozenset(r for r in found if r.qualified(self.schema) not in exclude)

    def head(self) -> str:
        return statement_head(self.sql)

    # -- dispatch ----------------------------------------------------------------------

    def classify(self) -> Classified:
        node = self.node
        method = getattr(self, "on_" + type(node).__name__, None)
        if method is not None:
            result: Classified = method(node)
            if result.kind not in ACCEPTED_KINDS:  # pragma: no cover - a handler without a kind registered
                raise AssertionError(f"statement kind {result.kind!r} is not in ACCEPTED_KINDS")
            return result
        raise self.rejection()

    # -- creations ---------------------------------------------------------------------

    def _relation_create(self, kind: str, klass: str, rv: ast.RangeVar | None) -> Classified:
        schema, name = self.qualify_rv(rv)
        full = f"{schema}.{name}"
        provides = frozenset({full})
        return Classified(
            kind,
            provides=provides,
            refs=self.refs(self.node, provides),
            creates=frozenset({(klass, full)}),
            create_schemas=frozenset({schema}),
        )

    def on_CreateStmt(self, node: ast.CreateStmt) -> Classified:
        if node.relation is not None and node.relation.relpersistence == "t":
            raise Rejected(
                "CREATE TEMPORARY TABLE is not allowed in schema files",
                "temporary tables live for one session; declare a regular table",
            )
        result = self._relation_create("create_table", "table", node.relation)
        schema, table = self.qualify_rv(node.relation)
        sequences = frozenset(
            name
            for element in node.tableElts or ()
            if isinstance(element, ast.ColumnDef)
            for name in self._implicit_sequences(schema, table, element.colname, element)
        )
        return replace(result, provides=result.provides | sequences) if sequences else result

    def _implicit_sequences(
        self, schema: str, table: str, column: str | None, definition: ast.ColumnDef | ast.Constraint
    ) -> list[str]:
        """The sequences a serial or identity column creates implicitly (qualified names).

        PostgreSQL names them ``<table>_<column>_seq`` in the table's schema (truncated
        as for any implicit name), unless an identity's SEQUENCE NAME option names it.
        """
        if isinstance(definition, ast.ColumnDef):
            constraints = [c for c in definition.constraints or () if isinstance(c, ast.Constraint)]
            names = strings(definition.typeName.names) if definition.typeName is not None else []
            serial = len(names) == 1 and names[0].lower() in _SERIAL_TYPES
        else:
            constraints, serial = [definition], False
        identities = [c for c in constraints if c.contype == ConstrType.CONSTR_IDENTITY]
        if not column or not (serial or identities):
            return []
        for identity in identities:
            for option in identity.options or ():
                if isinstance(option, ast.DefElem) and option.defname == "sequence_name":
                    seq_schema, seq_name = self.qualify(strings(option.arg))
                    return [f"{seq_schema}.{seq_name}"]
        return [f"{schema}.{implicit_name(table, column, 'seq')}"]

    def on_ViewStmt(self, node: ast.ViewStmt) -> Classified:
        return self._relation_create("create_view", "view", node.view)

    def on_CreateTableAsStmt(self, node: ast.CreateTableAsStmt) -> Classified:
        if node.objtype == ObjectType.OBJECT_MATVIEW and node.into is not None:
            return self._relation_create(
                "create_materialized_view", "materialized_view", node.into.rel
            )
        raise Rejected(
            f"{self.head()} ... AS is not allowed in schema files",
            "it copies data; declare the table's columns with CREATE TABLE, and move "
            "the data to a seed script",
        )

    def on_CompositeTypeStmt(self, node: ast.CompositeTypeStmt) -> Classified:
        return self._relation_create("create_composite_type", "type", node.typevar)

    def on_CreateSeqStmt(self, node: ast.CreateSeqStmt) -> Classified:
        result = self._relation_create("create_sequence", "sequence", node.sequence)
        return _with_refs(result, self._owned_by(node.options))

    def on_IndexStmt(self, node: ast.IndexStmt) -> Classified:
        schema, table = self.qualify_rv(node.relation)
        provides: frozenset[str] = frozenset()
        creates: frozenset[Identity] = frozenset()
        if node.idxname:
            full = f"{schema}.{node.idxname}"
            provides, creates = frozenset({full}), frozenset({("index", full)})
        return Classified(
            "create_index",
            provides=provides,
            refs=self.refs(node, provides),
            creates=creates,
            target=f"{schema}.{table}",
        )

    def _named_create(self, kind: str, klasses: tuple[str, ...], parts: list[str]) -> Classified:
        schema, name = self.qualify(parts)
        full = f"{schema}.{name}"
        provides = frozenset({full})
        return Classified(
            kind,
            provides=provides,
            refs=self.refs(self.node, provides),
            creates=frozenset((k, full) for k in klasses),
            create_schemas=frozenset({schema}),
        )

    def on_CreateFunctionStmt(self, node: ast.CreateFunctionStmt) -> Classified:
        parts = strings(node.funcname)
        if node.is_procedure:
            return self._named_create("create_procedure", ("procedure", "routine"), parts)
        return self._named_create("create_function", ("function", "routine"), parts)

    def on_CreateEnumStmt(self, node: ast.CreateEnumStmt) -> Classified:
        return self._named_create("create_enum", ("type",), strings(node.typeName))

    def on_CreateRangeStmt(self, node: ast.CreateRangeStmt) -> Classified:
        result = self._named_create("create_range_type", ("type",), strings(node.typeName))
        schema, name = self.qualify(strings(node.typeName))
        multirange = f"{schema}.{_multirange_name(name)}"
        for param in node.params or ():
            if isinstance(param, ast.DefElem) and param.defname == "multirange_type_name":
                parts = strings(param.arg.names) if isinstance(param.arg, ast.TypeName) else []
                if parts:
                    multirange = ".".join(self.qualify(parts))
        # Columns may use the multirange type PostgreSQL creates with it.
        return replace(
            result,
            provides=result.provides | {multirange},
            refs=frozenset(r for r in result.refs if r.qualified(self.schema) != multirange),
            creates=result.creates | {("type", multirange)},
        )

    def on_DefineStmt(self, node: ast.DefineStmt) -> Classified:
        if node.kind == ObjectType.OBJECT_COLLATION:
            return self._named_create("create_collation", ("collation",), strings(node.defnames))
        raise self.unsupported()

    def on_CreateDomainStmt(self, node: ast.CreateDomainStmt) -> Classified:
        return self._named_create("create_domain", ("domain",), strings(node.domainname))

    def _table_scoped_create(
        self, kind: str, klass: str, rv: ast.RangeVar | None, name: str | None
    ) -> Classified:
        schema, table = self.qualify_rv(rv)
        if not name:
            raise Rejected(f"{self.head()} without a name")
        full = f"{schema}.{table}.{name}"
        provides = frozenset({full})
        return Classified(
            kind,
            provides=provides,
            refs=self.refs(self.node, provides),
            creates=frozenset({(klass, full)}),
            target=f"{schema}.{table}",
        )

    def on_CreateTrigStmt(self, node: ast.CreateTrigStmt) -> Classified:
        return self._table_scoped_create("create_trigger", "trigger", node.relation, node.trigname)

    def on_CreatePolicyStmt(self, node: ast.CreatePolicyStmt) -> Classified:
        return self._table_scoped_create("create_policy", "policy", node.table, node.policy_name)

    def on_CreateSchemaStmt(self, node: ast.CreateSchemaStmt) -> Classified:
        if node.schemaElts:
            raise Rejected(
                "CREATE SCHEMA with embedded object definitions is not supported",
                "create the schema alone, then each object with its own statement",
            )
        if not node.schemaname:
            raise Rejected(
                "CREATE SCHEMA without a schema name is not supported",
                "name the schema explicitly: CREATE SCHEMA name AUTHORIZATION role",
            )
        name = node.schemaname
        return Classified(
            "create_schema", provides=frozenset({name}), creates=frozenset({("schema", name)})
        )

    def on_CreateExtensionStmt(self, node: ast.CreateExtensionStmt) -> Classified:
        name = node.extname or ""
        schemas = {
            str(o.arg.sval)
            for o in node.options or ()
            if isinstance(o, ast.DefElem) and o.defname == "schema" and isinstance(o.arg, ast.String)
        }
        return Classified(
            "create_extension",
            provides=frozenset({f"extension:{name}"}),
            global_refs=frozenset(schemas),
            creates=frozenset({("extension", name)}),
        )

    def on_CreatePublicationStmt(self, node: ast.CreatePublicationStmt) -> Classified:
        name = node.pubname or ""
        return Classified(
            "create_publication",
            provides=frozenset({f"publication:{name}"}),
            refs=self.refs(node),
            global_refs=self._publication_schemas(node.pubobjects),
            creates=frozenset({("publication", name)}),
        )

    def on_CreateEventTrigStmt(self, node: ast.CreateEventTrigStmt) -> Classified:
        name = node.trigname or ""
        function = ref_from_parts(strings(node.funcname))
        return Classified(
            "create_event_trigger",
            provides=frozenset({f"event trigger:{name}"}),
            refs=frozenset({function}) if function is not None else frozenset(),
            creates=frozenset({("event trigger", name)}),
        )

    # -- alterations -------------------------------------------------------------------

    def on_AlterEventTrigStmt(self, node: ast.AlterEventTrigStmt) -> Classified:
        return Classified("alter_event_trigger", global_refs=frozenset({f"event trigger:{node.trigname}"}))

    _ALTER_TABLE_KINDS = {
        ObjectType.OBJECT_TABLE: "alter_table",
        ObjectType.OBJECT_VIEW: "alter_view",
        ObjectType.OBJECT_MATVIEW: "alter_materialized_view",
        ObjectType.OBJECT_SEQUENCE: "alter_sequence",
        ObjectType.OBJECT_INDEX: "alter_index",
        ObjectType.OBJECT_TYPE: "alter_type",
    }
    _ALTER_TABLE_DROPS = {
        AlterTableType.AT_DropColumn: "DROP COLUMN",
        AlterTableType.AT_DropConstraint: "DROP CONSTRAINT",
        AlterTableType.AT_DetachPartition: "DETACH PARTITION",
        AlterTableType.AT_DetachPartitionFinalize: "DETACH PARTITION",
        AlterTableType.AT_DropInherit: "NO INHERIT",
    }

    def on_AlterTableStmt(self, node: ast.AlterTableStmt) -> Classified:
        kind = self._ALTER_TABLE_KINDS.get(node.objtype) if node.objtype is not None else None
        if kind is None:
            raise self.unsupported()
        schema, table = self.qualify_rv(node.relation)
        provides: set[str] = set()
        for cmd in node.cmds or ():
            if not isinstance(cmd, ast.AlterTableCmd):
                continue
            if cmd.subtype in self._ALTER_TABLE_DROPS:
                what = self._ALTER_TABLE_DROPS[cmd.subtype]
                raise Rejected(
                    f"{self.head()} ... {what} is not allowed in schema files",
                    f"remove the definition from the CREATE {self.head().split()[-1]} "
                    "instead; schemakit plans the change",
                )
            if (
                cmd.subtype == AlterTableType.AT_AddConstraint
                and isinstance(cmd.def_, ast.Constraint)
                and cmd.def_.conname
            ):
                provides.add(f"{schema}.{table}.{cmd.def_.conname}")
        sequences: set[str] = set()
        for cmd in node.cmds or ():
            if not isinstance(cmd, ast.AlterTableCmd):
                continue
            if cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
                sequences.update(self._implicit_sequences(schema, table, cmd.def_.colname, cmd.def_))
            elif cmd.subtype == AlterTableType.AT_AddIdentity and isinstance(cmd.def_, ast.Constraint):
                sequences.update(self._implicit_sequences(schema, table, cmd.name, cmd.def_))
        frozen = frozenset(provides)
        return Classified(
            kind,
            provides=frozen | sequences,
            refs=self.refs(node, frozen | sequences),
            creates=frozenset(("constraint", p) for p in frozen),
            target=f"{schema}.{table}",
        )

    def on_AlterEnumStmt(self, node: ast.AlterEnumStmt) -> Classified:
        return Classified("alter_type", refs=self._parts_ref(strings(node.typeName)))

    def on_AlterDomainStmt(self, node: ast.AlterDomainStmt) -> Classified:
        if node.subtype == "X":
            raise Rejected(
                f"{self.head()} ... DROP CONSTRAINT is not allowed in schema files",
                "remove the constraint from the CREATE DOMAIN instead; schemakit plans the change",
            )
        return Classified("alter_domain", refs=self.refs(node) | self._parts_ref(strings(node.typeName)))

    def on_AlterSeqStmt(self, node: ast.AlterSeqStmt) -> Classified:
        return Classified("alter_sequence", refs=self.refs(node) | self._owned_by(node.options))

    def on_AlterFunctionStmt(self, node: ast.AlterFunctionStmt) -> Classified:
        kind = "alter_procedure" if node.objtype == ObjectType.OBJECT_PROCEDURE else "alter_function"
        return Classified(kind, refs=self.refs(node))

    def on_AlterPolicyStmt(self, node: ast.AlterPolicyStmt) -> Classified:
        table = ref_from_rangevar(node.table)
        refs = set(self.refs(node))
        if table is not None and node.policy_name:
            refs.add(scoped_ref(table, node.policy_name))
        return Classified("alter_policy", refs=frozenset(refs))

    _OWNED_TYPES = frozenset(
        {
            ObjectType.OBJECT_FUNCTION,
            ObjectType.OBJECT_PROCEDURE,
            ObjectType.OBJECT_ROUTINE,
            ObjectType.OBJECT_TYPE,
            ObjectType.OBJECT_DOMAIN,
            ObjectType.OBJECT_SCHEMA,
            ObjectType.OBJECT_COLLATION,
            ObjectType.OBJECT_PUBLICATION,
        }
    )

    def on_AlterOwnerStmt(self, node: ast.AlterOwnerStmt) -> Classified:
        if node.objectType not in self._OWNED_TYPES:
            # Owners are compared per object (schemakit.owners); other kinds are not modelled.
            raise Rejected(
                f"{self.head()} ... OWNER TO is not supported in schema files",
                "schemakit compares the owners of schemas, tables, views, sequences, functions, "
                "procedures, types, domains, collations and publications; manage this one outside schemakit",
            )
        refs, global_refs = self._object_refs(node.objectType, node.object)
        if node.relation is not None:
            refs |= self.refs(node.relation)
        return Classified("alter_owner", refs=refs, global_refs=global_refs)

    def on_AlterPublicationStmt(self, node: ast.AlterPublicationStmt) -> Classified:
        if node.action == AlterPublicationAction.AP_DropObjects:
            raise Rejected(
                f"ALTER PUBLICATION {node.pubname} DROP ... is not allowed in schema files",
                "remove the table from the publication's definition instead; schemakit plans "
                "the change",
            )
        return Classified(
            "alter_publication",
            refs=self.refs(node),
            global_refs=frozenset({f"publication:{node.pubname}"})
            | self._publication_schemas(node.pubobjects),
        )

    def on_AlterDefaultPrivilegesStmt(self, node: ast.AlterDefaultPrivilegesStmt) -> Classified:
        schemas: set[str] = set()
        for option in node.options or ():
            if isinstance(option, ast.DefElem) and option.defname == "schemas":
                schemas.update(strings(option.arg))
            # FOR ROLE <name> is accepted here: only the connecting role's is allowed, and
            # that role is known once connected (schemakit.profile.check_default_privilege_roles).
        platform = sorted(s for s in schemas if is_managed_schema(s))
        if platform:
            raise Rejected(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {', '.join(platform)} is not allowed in schema "
                "files: the platform's schemas and their default privileges are not managed by schemakit",
                "declare default privileges in your own schemas only (for example IN SCHEMA public)",
            )
        frozen = frozenset(schemas)
        return Classified(
            "alter_default_privileges", global_refs=frozen, default_privileges=frozen
        )

    # -- comments and privileges ---------------------------------------------------------

    def on_CommentStmt(self, node: ast.CommentStmt) -> Classified:
        refs, global_refs = self._object_refs(node.objtype, node.object)
        return Classified("comment", refs=refs, global_refs=global_refs)

    def on_GrantStmt(self, node: ast.GrantStmt) -> Classified:
        kind = "grant" if node.is_grant else "revoke"
        if node.targtype == GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA:
            schemas = frozenset(strings(node.objects))
            return Classified(kind, global_refs=schemas, after_all_in=schemas)
        refs: frozenset[Ref] = frozenset()
        global_refs: frozenset[str] = frozenset()
        for obj in node.objects or ():
            r, g = self._object_refs(node.objtype, obj)
            refs, global_refs = refs | r, global_refs | g
        return Classified(kind, refs=refs, global_refs=global_refs)

    # -- data: buckets and declared rows ------------------------------------------------------

    def on_InsertStmt(self, node: ast.InsertStmt) -> Classified:
        rv = node.relation
        target = (rv.schemaname, rv.relname) if rv is not None else (None, None)
        bucket = target == BUCKETS_TABLE
        name = ".".join(p for p in target if p) or "a table"
        select = node.selectStmt
        if (
            not isinstance(select, ast.SelectStmt)
            or not select.valuesLists
            or node.withClause is not None
            or node.returningClause is not None
        ):
            if bucket:
                raise Rejected(
                    "INSERT INTO storage.buckets must list its buckets with VALUES",
                    "declare each bucket as a row: INSERT INTO storage.buckets (id, name, public) "
                    "VALUES ('avatars', 'avatars', true) [ON CONFLICT (id) DO NOTHING]",
                )
            raise Rejected(
                f"INSERT INTO {name} is not allowed in schema files unless it declares rows with VALUES",
                DATA_HINT + " (declared rows, such as a lookup table's, are "
                "INSERT INTO t (key, ...) VALUES (...), ... into a table with a primary key)",
            )
        if bucket:
            return Classified("bucket")
        if not node.cols:
            raise Rejected(
                f"INSERT INTO {name} is not allowed without a column list",
                DATA_HINT + ", or declare the rows with their columns named: INSERT INTO t (key, ...) VALUES ...",
            )
        schema, table = self.qualify_rv(rv)
        return Classified("declared_rows", refs=self.refs(self.node), target=f"{schema}.{table}")

    # -- drops: only the "DROP ... IF EXISTS x; CREATE ... x" idiom -------------------------

    _DROP_CLASSES = {
        ObjectType.OBJECT_TABLE: "table",
        ObjectType.OBJECT_VIEW: "view",
        ObjectType.OBJECT_MATVIEW: "materialized_view",
        ObjectType.OBJECT_SEQUENCE: "sequence",
        ObjectType.OBJECT_INDEX: "index",
        ObjectType.OBJECT_TYPE: "type",
        ObjectType.OBJECT_DOMAIN: "domain",
        ObjectType.OBJECT_FUNCTION: "function",
        ObjectType.OBJECT_PROCEDURE: "procedure",
        ObjectType.OBJECT_ROUTINE: "routine",
        ObjectType.OBJECT_TRIGGER: "trigger",
        ObjectType.OBJECT_POLICY: "policy",
        ObjectType.OBJECT_SCHEMA: "schema",
        ObjectType.OBJECT_EXTENSION: "extension",
        ObjectType.OBJECT_PUBLICATION: "publication",
        ObjectType.OBJECT_COLLATION: "collation",
        ObjectType.OBJECT_EVENT_TRIGGER: "event trigger",
    }

    def on_DropStmt(self, node: ast.DropStmt) -> Classified:
        if not node.missing_ok:
            raise Rejected(
                DROP_MESSAGE,
                "for the 'drop, then create' idiom write DROP ... IF EXISTS followed by "
                "the CREATE of the same object",
            )
        klass = self._DROP_CLASSES.get(node.removeType) if node.removeType is not None else None
        if klass is None:
            raise Rejected(DROP_MESSAGE, drop_idiom_hint())
        identities: list[Identity] = []
        for obj in node.objects or ():
            identities.append((klass, self._drop_name(klass, obj)))
        return Classified("drop", drops=tuple(identities))

    def _drop_name(self, klass: str, obj: Any) -> str:
        if isinstance(obj, ast.String):
            return str(obj.sval)
        if isinstance(obj, ast.ObjectWithArgs):
            parts = strings(obj.objname)
        elif isinstance(obj, ast.TypeName):
            parts = strings(obj.names)
        else:
            parts = strings(obj)
        if klass in ("trigger", "policy"):
            if len(parts) < 2:
                raise Rejected(DROP_MESSAGE, drop_idiom_hint())
            schema, table = self.qualify(parts[:-1])
            return f"{schema}.{table}.{parts[-1]}"
        schema, name = self.qualify(parts)
        return f"{schema}.{name}"

    # -- helpers ---------------------------------------------------------------------------

    def _parts_ref(self, parts: list[str]) -> frozenset[Ref]:
        ref = ref_from_parts(parts)
        return frozenset({ref}) if ref is not None else frozenset()

    def _owned_by(self, options: Any) -> frozenset[Ref]:
        for option in options or ():
            if isinstance(option, ast.DefElem) and option.defname == "owned_by":
                parts = strings(option.arg)
                if len(parts) >= 2:
                    return self._parts_ref(parts[:-1])
        return frozenset()

    def _publication_schemas(self, pubobjects: Any) -> frozenset[str]:
        return frozenset(
            str(o.name)
            for o in pubobjects or ()
            if isinstance(o, ast.PublicationObjSpec) and o.name and o.pubtable is None
        )

    def _object_refs(self, objtype: Any, obj: Any) -> tuple[frozenset[Ref], frozenset[str]]:
        """References of the object named in COMMENT ON / GRANT / ALTER ... OWNER TO."""
        if isinstance(obj, ast.String):
            name = str(obj.sval)
            if objtype == ObjectType.OBJECT_EXTENSION:
                return frozenset(), frozenset({f"extension:{name}"})
            if objtype == ObjectType.OBJECT_PUBLICATION:
                return frozenset(), frozenset({f"publication:{name}"})
            if objtype == ObjectType.OBJECT_EVENT_TRIGGER:
                return frozenset(), frozenset({f"event trigger:{name}"})
            if objtype == ObjectType.OBJECT_SCHEMA:
                return frozenset(), frozenset({name})
            return frozenset(), frozenset()
        if isinstance(obj, tuple) and obj and all(isinstance(o, ast.String) for o in obj):
            parts = strings(obj)
            if objtype == ObjectType.OBJECT_COLUMN:
                return self._parts_ref(parts[:-1]), frozenset()
            if objtype in (
                ObjectType.OBJECT_POLICY,
                ObjectType.OBJECT_TRIGGER,
                ObjectType.OBJECT_TABCONSTRAINT,
                ObjectType.OBJECT_RULE,
            ):
                table = ref_from_parts(parts[:-1])
                if table is None:
                    return frozenset(), frozenset()
                return frozenset({table, scoped_ref(table, parts[-1])}), frozenset()
            return self._parts_ref(parts), frozenset()
        return self.refs(obj), frozenset()

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

    def unsupported(self) -> Rejected:
        return Rejected(
            f"{self.head()} is not supported in schema files",
            "schemakit does not manage this kind of object; manage it outside schemakit",
        )


_SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})
_NAMEDATALEN = 64


def _clip(name: str, limit: int) -> str:
    """The longest prefix of ``name`` of at most ``limit`` UTF-8 bytes (whole characters)."""
    data = name.encode()
    if len(data) <= limit:
        return name
    return data[:limit].decode("utf-8", errors="ignore")


def implicit_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's ``makeObjectName``: ``name1_name2_label``, the longer of the two names
    shortened first so that the result fits in NAMEDATALEN - 1 bytes."""
    available = _NAMEDATALEN - 1 - (len(label.encode()) + 1) - 1
    chars1, chars2 = len(name1.encode()), len(name2.encode())
    while chars1 + chars2 > available:
        if chars1 > chars2:
            chars1 -= 1
        else:
            chars2 -= 1
    return f"{_clip(name1, chars1)}_{_clip(name2, chars2)}_{label}"


def drop_idiom_hint() -> str:
    return (
        "DROP ... IF EXISTS is accepted only as the idiom 'DROP ... IF EXISTS x; "
        "CREATE ... x', with the CREATE of the same object later in the files"
    )


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


def classify(
    node: ast.Node, sql: str, default_schema: str, nodes: Sequence[ast.Node] | None = None
) -> Classified:
    """Classify ``node`` (whose text is ``sql``); raise Rejected for imperative statements.

    ``nodes``, when given, are the tree's nodes of the types ``refs.NODE_TYPES`` (in any
    order): what finding its references needs, without walking the tree again.
    """
    return _Classifier(node, sql, default_schema, nodes).classify()


def _multirange_name(range_name: str) -> str:
    """The multirange type PostgreSQL names after a range type: "range" becomes
    "multirange" (its first occurrence), else "_multirange" is appended."""
    if "range" in range_name:
        return range_name.replace("range", "multirange", 1)
    return range_name + "_multirange"


def _with_refs(result: Classified, extra: frozenset[Ref]) -> Classified:
    return replace(result, refs=result.refs | extra)


__all__ = [
    "ACCEPTED_KINDS",
    "BUILTIN_SCHEMAS",
    "Classified",
    "DROP_MESSAGE",
    "Identity",
    "Rejected",
    "classify",
    "drop_idiom_hint",
    "statement_head",
]
