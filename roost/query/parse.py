"""Parse an advanced-query expression with sqlglot and check it against AWS Config's subset.

AWS's grammar (spec §12.1): `SELECT list [WHERE cond] [GROUP BY props] [ORDER BY items]`, no FROM.
sqlglot parses the full SQL language; everything outside the subset is refused here with an
InvalidExpressionException whose message names the offending part. The result is a small tree of
roost's own (Query, Property, Aggregate, conditions) that roost.query.compile turns into SQL.

Choices where AWS does not say: `<=`, `>=`, `!=` and `<>` are accepted (AWS documents only `=`, `<`,
`>`); a LIKE pattern without a wildcard is an equality; an aggregate's key in the results is its
normalised text (`COUNT(*)`, `SUM(configuration.size)`: function name upper-cased).
"""

from __future__ import annotations

import math
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import TokenType
from sqlglot.tokens import Tokenizer

from roost.query.tree import (
    DOCUMENT_ROOTS,
    MAX_EXPRESSION_LENGTH,
    MAX_GROUP_BY,
    RELATIONSHIP_FIELDS,
    STAR_FIELDS,
    TAG_FIELDS,
    TOP_LEVEL,
    Aggregate,
    And,
    Between,
    Comparison,
    Condition,
    InList,
    Not,
    Operator,
    Or,
    OrderItem,
    Prefix,
    Property,
    Query,
    Scalar,
    SelectItem,
    invalid,
)

AGGREGATES: dict[type[exp.Expression], str] = {
    exp.Count: "COUNT",
    exp.Sum: "SUM",
    exp.Avg: "AVG",
    exp.Min: "MIN",
    exp.Max: "MAX",
}

_REFUSED_TOKENS = {
    TokenType.FROM: "FROM",
    TokenType.JOIN: "JOIN",
    TokenType.ALIAS: "AS (aliases)",
    TokenType.DISTINCT: "DISTINCT",
    TokenType.HAVING: "HAVING",
    TokenType.UNION: "UNION",
    TokenType.ALL: "ALL",
    TokenType.INTERSECT: "INTERSECT",
    TokenType.EXCEPT: "EXCEPT",
    TokenType.NULL: "NULL (comparisons with NULL)",
    TokenType.LIMIT: "LIMIT (use the Limit parameter)",
    TokenType.OFFSET: "OFFSET (use NextToken)",
}

_SEGMENT = re.compile(r"^[A-Za-z0-9_\-:@$]+$")


def parse(expression: str) -> Query:
    """The checked query of an expression, or InvalidExpressionException saying what is wrong."""
    if not expression or not expression.strip():
        raise invalid("The expression is empty: write a SELECT query.")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise invalid(
            f"The expression is {len(expression)} characters long; "
            f"at most {MAX_EXPRESSION_LENGTH} are allowed."
        )
    _refuse_keywords(expression)
    try:
        tree = sqlglot.parse_one(expression)
    except (ParseError, TokenError) as exc:
        raise invalid(f"The expression is not valid: {_first_line(str(exc))}") from None
    if not isinstance(tree, exp.Select):
        raise invalid("The expression must be a single SELECT query (SELECT ... [WHERE ...] ...).")
    for arg, value in tree.args.items():
        if value and arg not in ("expressions", "where", "group", "order"):
            raise invalid(f"{arg.rstrip('_').upper()} is not supported in advanced queries.")
    select, star = _select_list(tree.expressions)
    where = _condition(tree.args["where"].this) if tree.args.get("where") else None
    group_by: tuple[Property, ...] = ()
    if tree.args.get("group"):
        group = tree.args["group"]
        extra = [k for k, v in group.args.items() if v and k != "expressions"]
        if extra:
            raise invalid(f"GROUP BY supports only property names (found {extra[0].upper()}).")
        group_by = tuple(_property(e, "GROUP BY") for e in group.expressions)
        if len(group_by) > MAX_GROUP_BY:
            raise invalid(f"GROUP BY takes at most {MAX_GROUP_BY} properties ({len(group_by)} given).")
    order_by: tuple[OrderItem, ...] = ()
    if tree.args.get("order"):
        order_by = tuple(_order_item(e) for e in tree.args["order"].expressions)
    query = Query(select=select, where=where, group_by=group_by, order_by=order_by, star=star)
    _check_grouping(query)
    return query


def _first_line(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text.splitlines()[0] if text else "").strip()


def _refuse_keywords(expression: str) -> None:
    try:
        tokens = Tokenizer().tokenize(expression)
    except TokenError as exc:
        raise invalid(f"The expression is not valid: {_first_line(str(exc))}") from None
    for token in tokens:
        what = _REFUSED_TOKENS.get(token.token_type)
        if what is not None:
            raise invalid(
                f"{what} is not supported in advanced queries (at line {token.line}, column {token.col}: "
                f"{token.text!r})."
            )
    depth = 0
    for token in tokens:
        if token.token_type == TokenType.SELECT and depth > 0:
            raise invalid("Subqueries are not supported in advanced queries.")
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1


def _select_list(expressions: list[exp.Expression]) -> tuple[tuple[SelectItem, ...], bool]:
    if not expressions:
        raise invalid("SELECT needs at least one property, aggregate or * to select.")
    if len(expressions) == 1 and isinstance(expressions[0], exp.Star):
        return tuple(Property((name,)) for name in STAR_FIELDS), True
    items: list[SelectItem] = []
    for e in expressions:
        if isinstance(e, exp.Star):
            raise invalid("* must be the only item of the SELECT list.")
        if isinstance(e, exp.Alias):
            raise invalid(f"AS (aliases) is not supported in advanced queries: {e.sql()}.")
        item = _aggregate(e) if type(e) in AGGREGATES else _property(e, "SELECT")
        if item not in items:
            items.append(item)
    return tuple(items), False


def _aggregate(e: exp.Expression) -> Aggregate:
    function = AGGREGATES[type(e)]
    argument = e.this
    if e.args.get("expressions"):
        raise invalid(f"{function} takes exactly one argument: {e.sql()}.")
    if isinstance(argument, exp.Distinct):
        raise invalid("DISTINCT is not supported in advanced queries.")
    if isinstance(argument, exp.Star):
        if function != "COUNT":
            raise invalid(f"{function}(*) is not allowed: only COUNT takes *.")
        return Aggregate(function, None)
    if isinstance(argument, exp.Func):
        raise invalid(f"Functions cannot be nested: {e.sql()}.")
    return Aggregate(function, _property(argument, f"{function}()"))


def _property(e: exp.Expression | None, where: str) -> Property:
    if isinstance(e, exp.Alias):
        raise invalid(f"AS (aliases) is not supported in advanced queries: {e.sql()}.")
    if isinstance(e, exp.Func):
        raise invalid(f"Only COUNT, SUM, AVG, MIN and MAX are supported, not {e.sql()} (in {where}).")
    path = _path(e)
    if path is None:
        shown = e.sql() if e is not None else "nothing"
        raise invalid(f"Expected a property name in {where}, found {shown}.")
    for segment in path:
        if not _SEGMENT.match(segment):
            raise invalid(f"{'.'.join(path)!r} is not a property name (in {where}).")
    root = path[0]
    if root in TOP_LEVEL:
        if len(path) > 1:
            raise invalid(f"{root} has no properties ({'.'.join(path)} in {where}).")
    elif root == "tags":
        if len(path) > 2 or (len(path) == 2 and path[1] not in TAG_FIELDS):
            raise invalid(f"Tags are queried as tags.key, tags.value or tags.tag (not {'.'.join(path)}).")
    elif root == "relationships":
        if len(path) > 2 or (len(path) == 2 and path[1] not in RELATIONSHIP_FIELDS):
            raise invalid(
                "Relationships are queried as relationships.resourceId, relationships.resourceName or "
                f"relationships.resourceType (not {'.'.join(path)})."
            )
    elif root not in DOCUMENT_ROOTS:
        raise invalid(
            f"Unknown property {'.'.join(path)!r} in {where}: use a top-level property "
            f"({', '.join(TOP_LEVEL)}), configuration.*, supplementaryConfiguration.*, tags.* or "
            "relationships.*."
        )
    return Property(path)


def _path(e: exp.Expression | None) -> tuple[str, ...] | None:
    if isinstance(e, exp.Column):
        parts = []
        for key in ("catalog", "db", "table", "this"):
            part = e.args.get(key)
            if part is None:
                continue
            if not isinstance(part, exp.Identifier):
                return None
            parts.append(str(part.this))
        return tuple(parts)
    if isinstance(e, exp.Dot) and isinstance(e.expression, exp.Identifier):
        head = _path(e.this)
        return None if head is None else (*head, str(e.expression.this))
    return None


def _order_item(e: exp.Expression) -> OrderItem:
    if not isinstance(e, exp.Ordered):
        raise invalid(f"Cannot ORDER BY {e.sql()}.")
    target = e.this
    item = _aggregate(target) if type(target) in AGGREGATES else _property(target, "ORDER BY")
    return OrderItem(item, descending=bool(e.args.get("desc")))


def _check_grouping(query: Query) -> None:
    if not query.is_aggregate:
        return
    if query.star:
        raise invalid("SELECT * cannot be combined with GROUP BY.")
    grouped = set(query.group_by)
    for item in query.select:
        if isinstance(item, Property) and item not in grouped:
            raise invalid(
                f"{item.name} is selected with an aggregate function: add it to GROUP BY or select an "
                "aggregate of it."
            )
    for order in query.order_by:
        if isinstance(order.item, Property) and order.item not in grouped:
            raise invalid(
                f"ORDER BY {order.item.name}: an aggregate query can order only by GROUP BY properties."
            )
    if query.orders_by_aggregate and len(query.group_by) > 1:
        raise invalid("When ORDER BY uses an aggregate function, GROUP BY may have only one property.")
    for prop in query.group_by:
        if prop.root in ("tags", "relationships"):
            raise invalid(f"GROUP BY {prop.name} is not supported: group by scalar properties.")


# --- conditions ----------------------------------------------------------------------------------

_OPERATORS: dict[type[exp.Expression], Operator] = {
    exp.EQ: "=",
    exp.NEQ: "!=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}
_FLIPPED: dict[Operator, Operator] = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _condition(e: exp.Expression) -> Condition:
    if isinstance(e, exp.Paren):
        return _condition(e.this)
    if isinstance(e, exp.And):
        return And(_condition(e.this), _condition(e.expression))
    if isinstance(e, exp.Or):
        return Or(_condition(e.this), _condition(e.expression))
    if isinstance(e, exp.Not):
        return Not(_condition(e.this))
    if isinstance(e, exp.Is | exp.Null):
        raise invalid(f"NULL comparisons are not supported: {e.sql()}.")
    if type(e) in _OPERATORS:
        operator = _OPERATORS[type(e)]
        left, right = e.this, e.expression
        if _is_literal(left) and not _is_literal(right):
            left, right, operator = right, left, _FLIPPED[operator]
        prop = _property(left, f"the condition {e.sql()}")
        return Comparison(prop, operator, _literal(right, e))
    if isinstance(e, exp.In):
        if e.args.get("query") is not None:
            raise invalid("Subqueries are not supported in advanced queries.")
        prop = _property(e.this, f"the condition {e.sql()}")
        values = tuple(_literal(v, e) for v in e.expressions)
        if not values:
            raise invalid(f"IN needs at least one value: {e.sql()}.")
        return InList(prop, values)
    if isinstance(e, exp.Between):
        prop = _property(e.this, f"the condition {e.sql()}")
        low, high = _literal(e.args["low"], e), _literal(e.args["high"], e)
        if isinstance(low, str) != isinstance(high, str):
            raise invalid(f"BETWEEN needs two values of the same type: {e.sql()}.")
        return Between(prop, low, high)
    if isinstance(e, exp.Like):
        return _like(e)
    if isinstance(e, exp.ILike):
        raise invalid(f"ILIKE is not supported; use LIKE: {e.sql()}.")
    raise invalid(
        f"Unsupported condition {e.sql()}: use =, <, >, <=, >=, !=, IN, BETWEEN or LIKE between a property "
        "and a value, combined with AND, OR and NOT."
    )


def _is_literal(e: exp.Expression | None) -> bool:
    if isinstance(e, exp.Neg):
        return _is_literal(e.this)
    return isinstance(e, (exp.Literal, exp.Boolean, exp.Null))


def _literal(e: exp.Expression | None, context: exp.Expression) -> Scalar:
    if isinstance(e, exp.Null):
        raise invalid(f"NULL comparisons are not supported: {context.sql()}.")
    if isinstance(e, exp.Boolean):
        return bool(e.this)
    negative = False
    if isinstance(e, exp.Neg):
        negative, e = True, e.this
    if isinstance(e, exp.Literal):
        if e.is_string and not negative:
            return str(e.this)
        if not e.is_string:
            text = str(e.this)
            try:
                number: int | float = int(text) if re.fullmatch(r"\d+", text) else float(text)
            except ValueError:
                raise invalid(f"{text!r} is not a number: {context.sql()}.") from None
            if isinstance(number, int) and number > (2**63 if negative else 2**63 - 1):
                # Neither engine binds a wider integer; as a float it would compare inexactly.
                raise invalid(f"{text} is too large a whole number (at most 2^63-1): {context.sql()}.")
            if isinstance(number, float) and not math.isfinite(number):
                raise invalid(f"{text!r} is not a finite number: {context.sql()}.")
            return -number if negative else number
    shown = e.sql() if e is not None else "nothing"
    raise invalid(
        f"Expected a value (a 'quoted string', a number, true or false) in {context.sql()}, found {shown}."
    )


def _like(e: exp.Like) -> Prefix:
    prop = _property(e.this, f"the condition {e.sql()}")
    if e.args.get("escape") is not None:
        raise invalid("LIKE ... ESCAPE is not supported.")
    pattern = e.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise invalid(f"LIKE needs a quoted pattern: {e.sql()}.")
    text = str(pattern.this)
    stripped = text.rstrip("%_")
    wildcards = text[len(stripped) :]
    if "%" in stripped or "_" in stripped:
        raise invalid(
            f"LIKE {text!r}: wildcards (% and _) are allowed only at the end of the pattern "
            "(a prefix match such as 'abc%')."
        )
    if wildcards and len(stripped) < 3:
        raise invalid(f"LIKE {text!r}: at least 3 characters must precede the wildcard (e.g. 'abc%').")
    return Prefix(prop, stripped, single_chars=wildcards.count("_"), any_more="%" in wildcards)


__all__ = [
    "Aggregate",
    "And",
    "Between",
    "Comparison",
    "Condition",
    "InList",
    "Not",
    "Or",
    "OrderItem",
    "Prefix",
    "Property",
    "Query",
    "Scalar",
    "invalid",
    "parse",
]
