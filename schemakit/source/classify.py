"""Classify one parsed statement: its kind, what it creates, what it references.

Only declarative DDL is accepted. Everything else raises ``Rejected`` with a message
and a hint specific to the statement's family; the caller adds the location.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pglast import ast
from pglast.enums import (
    ObjectType,
)

from schemakit.source.refs import (
    BUILTIN_SCHEMAS,
    ref_from_parts,
    strings,
)

from schemakit.source.alterations import Alterations
from schemakit.source.classified import (
    ACCEPTED_KINDS,
    DROP_MESSAGE,
    Classified,
    Identity,
    Rejected,
    _multirange_name,
    _with_refs,
    drop_idiom_hint,
    statement_head,
)
from schemakit.source.rejections import Rejections


class _Classifier(Alterations, Rejections):
    """Dispatches a statement to its ``on_<node>`` handler; the creations are here."""

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


def classify(
    node: ast.Node, sql: str, default_schema: str, nodes: Sequence[ast.Node] | None = None
) -> Classified:
    """Classify ``node`` (whose text is ``sql``); raise Rejected for imperative statements.

    ``nodes``, when given, are the tree's nodes of the types ``refs.NODE_TYPES`` (in any
    order): what finding its references needs, without walking the tree again.
    """
    return _Classifier(node, sql, default_schema, nodes).classify()


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
