"""CHECK constraints that restrict a column to a literal list, as a tuple of values.

The expression is PostgreSQL's own rendering (``pg_get_expr`` of ``conbin``), so
``status IN ('a', 'b')`` arrives as ``(status = ANY (ARRAY['a'::text, 'b'::text]))``.
It is parsed with pglast, never matched with regular expressions. Recognized:
``col = ANY (ARRAY[...])``, ``col IN (...)``, ``col = lit``, ORs of those (plus
``col IS NULL``), and ANDs where at least one part is a list (the intersection).
Anything else gives ``None``: the column keeps its plain type.
"""

from __future__ import annotations

from typing import Any

import pglast
from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType

Value = str | int


def literal_list(expression: str, column: str) -> tuple[Value, ...] | None:
    """The values ``expression`` allows ``column`` to take, or None when it is not such a list."""
    try:
        statements = pglast.parse_sql("SELECT " + expression)
    except pglast.parser.ParseError:
        return None
    stmt = statements[0].stmt
    if not isinstance(stmt, ast.SelectStmt) or not stmt.targetList or len(stmt.targetList) != 1:
        return None
    values = _values(stmt.targetList[0].val, column)
    if not values or len({type(v) for v in values}) != 1:
        return None
    return values


def _values(node: Any, column: str) -> tuple[Value, ...] | None:
    if isinstance(node, ast.BoolExpr):
        return _bool(node, column)
    if isinstance(node, ast.A_Expr) and _is_equals(node):
        if node.kind == A_Expr_Kind.AEXPR_OP_ANY and _is_column(node.lexpr, column):
            return _array(node.rexpr)
        if node.kind == A_Expr_Kind.AEXPR_IN and _is_column(node.lexpr, column):
            return _literals(node.rexpr)
        if node.kind == A_Expr_Kind.AEXPR_OP:
            if _is_column(node.lexpr, column):
                return _literals((node.rexpr,))
            if _is_column(node.rexpr, column):
                return _literals((node.lexpr,))
    return None


def _bool(node: ast.BoolExpr, column: str) -> tuple[Value, ...] | None:
    if node.boolop == BoolExprType.OR_EXPR:
        out: list[Value] = []
        for arg in node.args or ():
            if _is_null_test(arg, column):
                continue  # nullability is the column's own business
            part = _values(arg, column)
            if part is None:
                return None
            out.extend(v for v in part if v not in out)
        return tuple(out) or None
    if node.boolop == BoolExprType.AND_EXPR:
        result: tuple[Value, ...] | None = None
        for arg in node.args or ():
            part = _values(arg, column)
            if part is not None:
                result = part if result is None else tuple(v for v in result if v in part)
        return result
    return None


def _is_equals(node: ast.A_Expr) -> bool:
    names = node.name or ()
    return len(names) >= 1 and isinstance(names[-1], ast.String) and names[-1].sval == "="


def _strip_casts(node: Any) -> Any:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


_INTEGER_TYPES = frozenset({"int2", "int4", "int8", "integer", "smallint", "bigint"})


def _cast_to_integer(node: Any) -> bool:
    if not isinstance(node, ast.TypeCast) or node.typeName is None or not node.typeName.names:
        return False
    last = node.typeName.names[-1]
    return isinstance(last, ast.String) and last.sval in _INTEGER_TYPES


def _is_column(node: Any, column: str) -> bool:
    node = _strip_casts(node)
    if not isinstance(node, ast.ColumnRef) or not node.fields:
        return False
    last = node.fields[-1]
    return isinstance(last, ast.String) and last.sval == column


def _is_null_test(node: Any, column: str) -> bool:
    return (
        isinstance(node, ast.NullTest)
        and node.nulltesttype == NullTestType.IS_NULL
        and _is_column(node.arg, column)
    )


def _array(node: Any) -> tuple[Value, ...] | None:
    node = _strip_casts(node)
    if not isinstance(node, ast.A_ArrayExpr):
        return None
    return _literals(node.elements or ())


def _literals(nodes: Any) -> tuple[Value, ...] | None:
    out: list[Value] = []
    for raw in nodes or ():
        node = _strip_casts(raw)
        if not isinstance(node, ast.A_Const) or node.isnull:
            return None
        val = node.val
        value: Value
        if isinstance(val, ast.String) and val.sval is not None and _cast_to_integer(raw):
            try:
                value = int(val.sval)  # PostgreSQL prints -1 as '-1'::integer
            except ValueError:
                return None
        elif isinstance(val, ast.String) and val.sval is not None:
            value = val.sval
        elif isinstance(val, ast.Integer) and val.ival is not None:
            value = val.ival
        else:
            return None
        if value not in out:
            out.append(value)
    return tuple(out) or None
