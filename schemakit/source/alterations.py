"""The classifier's handlers for ALTER, COMMENT, GRANT, INSERT (declared rows) and DROP.

Each ``on_<pglast node>`` method classifies one statement family; the dispatcher is in
``schemakit.source.classify``.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums import (
    AlterPublicationAction,
    AlterTableType,
    GrantTargetType,
    ObjectType,
)

from schemakit.platform import is_managed_schema
from schemakit.source.refs import (
    Ref,
    ref_from_parts,
    ref_from_rangevar,
    scoped_ref,
    strings,
)

from schemakit.source.classified import (
    BUCKETS_TABLE,
    DATA_HINT,
    DROP_MESSAGE,
    Classified,
    ClassifierBase,
    Identity,
    Rejected,
    drop_idiom_hint,
)


class Alterations(ClassifierBase):
    """Handlers of the statements that change, describe or fill declared objects."""

    # -- alterations -------------------------------------------------------------------

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

    def on_AlterEventTrigStmt(self, node: ast.AlterEventTrigStmt) -> Classified:
        return Classified("alter_event_trigger", global_refs=frozenset({f"event trigger:{node.trigname}"}))

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

