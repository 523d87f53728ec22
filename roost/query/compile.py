"""Compile a checked query (roost.query.parse) to one SQLAlchemy Core statement over the store.

The rows queried are the current configuration items: `resources` (one row per resource, its current
state) joined to the item it points at in `configuration_items` (same key, same
configuration_state_id), without deleted resources and `ResourceNotRecorded` ones. With `as_of`, the
rows are each resource's newest item captured at or before that moment, unless that item is a
deletion (or not recorded): the fleet as it was then, in one statement too.

Top-level properties are columns; `configuration.*`, `supplementaryConfiguration.*`, `tags.*` and
`relationships.*` read the stored JSON (roost.query.dialects has the engine-specific SQL).

A non-aggregate query selects the key columns and the JSON documents its properties live in; the
page's rows are projected in Python (roost.query.run), so a path through arrays returns its whole
structure as AWS does. An aggregate query is computed entirely by the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from roost.clock import to_millis
from roost.model import AccountRegion, ItemStatus
from roost.query.dialects import Element, Expr, JsonDialect, compare, json_dialect, prefix_match
from roost.query.indexed import PropertyIndex, RowCounter, refuse_ip_in_history
from roost.query.parse import (
    Aggregate,
    And,
    Between,
    Comparison,
    Condition,
    InList,
    Not,
    Or,
    Prefix,
    Property,
    Query,
    Scalar,
    invalid,
)
from roost.store import schema

ColumnKind = Literal["text", "time", "int"]

#: Top-level property → (configuration_items column, kind).
COLUMNS: dict[str, tuple[str, ColumnKind]] = {
    "accountId": ("account_id", "text"),
    "arn": ("arn", "text"),
    "availabilityZone": ("availability_zone", "text"),
    "awsRegion": ("aws_region", "text"),
    "configurationItemCaptureTime": ("capture_time", "time"),
    "configurationItemStatus": ("status", "text"),
    "configurationStateId": ("configuration_state_id", "int"),
    "resourceCreationTime": ("resource_creation_time", "time"),
    "resourceId": ("resource_id", "text"),
    "resourceName": ("resource_name", "text"),
    "resourceType": ("resource_type", "text"),
    "version": ("version", "text"),
}
#: Property root → the configuration_items column holding its JSON.
DOCUMENTS = {
    "configuration": "configuration",
    "supplementaryConfiguration": "supplementary_configuration",
    "tags": "tags",
    "relationships": "relationships",
}
KEY_COLUMNS = ("account_id", "region", "resource_type", "resource_id")
#: configuration_items column -> the `resources` column holding the same value for the current item.
CURRENT_COLUMNS = {
    **{name: name for name in KEY_COLUMNS},
    "resource_name": "resource_name",
    "status": "status",
    "configuration_state_id": "configuration_state_id",
    "capture_time": "last_capture_time",
}
EXCLUDED_STATUSES = (
    ItemStatus.RESOURCE_NOT_RECORDED.value,
    ItemStatus.RESOURCE_DELETED.value,
    ItemStatus.RESOURCE_DELETED_NOT_RECORDED.value,
)


@dataclass(frozen=True)
class Output:
    """One column of the compiled statement and what it is in the results."""

    label: str
    kind: Literal["column", "document", "group", "aggregate"]
    name: str
    """The property name (column / group), the document root (document), the aggregate's text."""
    time: bool = False
    """Epoch milliseconds to be shown as an ISO time."""


@dataclass(frozen=True)
class CompiledQuery:
    statement: sa.Select[Any]
    outputs: tuple[Output, ...]
    page_source: sa.Select[Any] | None = None
    """When set, the rows are chosen (filtered, ordered) from `resources` alone by this statement,
    and `statement` reads the current items of its page only (see page)."""

    def page(self, limit: int, offset: int) -> sa.Select[Any]:
        """The statement for `limit` rows from `offset`."""
        if self.page_source is None:
            return self.statement.limit(limit).offset(offset)
        chosen = self.page_source.limit(limit).offset(offset).subquery("page")
        return sa.sql.util.ClauseAdapter(chosen).traverse(self.statement)


def parse_time(text: str) -> int:
    """Epoch milliseconds of an ISO-8601 time literal (`2026-11-01T00:00:00Z`, or a date)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(
            f"{text!r} is not a time: write an ISO-8601 time such as '2026-11-01T00:00:00Z'."
        ) from None
    if moment.tzinfo is None:
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return to_millis(moment)


class Compiler:
    def __init__(
        self,
        dialect: str,
        sources: Sequence[AccountRegion],
        *,
        as_of_ms: int | None = None,
        resource_types: Sequence[str] | None = None,
        counter: RowCounter | None = None,
    ) -> None:
        """`counter` counts a statement's rows (the index's density probe: roost.query.indexed)."""
        self.json: JsonDialect = json_dialect(dialect)
        self.ci: sa.FromClause = schema.configuration_items.alias("ci")
        self.r = schema.resources.alias("r")
        self.index = PropertyIndex(dialect, counter)
        self.uses_item = False
        """Whether the statement reads the current item (configuration_items), not only `resources`."""
        self.sources = list(sources)
        self.as_of_ms = as_of_ms
        self.resource_types = None if resource_types is None else list(resource_types)

    # --- the rows queried ---------------------------------------------------------------------

    def _scope(self, table: sa.FromClause) -> sa.ColumnElement[bool]:
        if not self.sources:
            return sa.false()
        return sa.or_(
            *(sa.and_(table.c.account_id == s.account_id, table.c.region == s.region) for s in self.sources)
        )

    def column(self, name: str) -> Expr:
        """A configuration_items column of the rows queried: from `resources` when it has the same value
        (current-state queries), so that a query needing nothing else never reads the items."""
        if self.as_of_ms is None and name in CURRENT_COLUMNS:
            return self.r.c[CURRENT_COLUMNS[name]]
        self.uses_item = True
        return self.ci.c[name]

    def _item_of(self, r: sa.FromClause, ci: sa.FromClause) -> sa.ColumnElement[bool]:
        return sa.and_(
            *(ci.c[name] == r.c[name] for name in KEY_COLUMNS),
            ci.c.configuration_state_id == r.c.configuration_state_id,
        )

    def document(self, root: str) -> Expr:
        """The JSON column holding a property root's document (of the current item, or as of)."""
        self.uses_item = True
        return self.ci.c[DOCUMENTS[root]]

    def base(self, *columns: Any) -> sa.Select[Any]:
        """The rows queried, once every expression is built (they tell whether the item is read).

        Current state: `resources`, joined to the current item only when the query reads it. On
        PostgreSQL a page of rows joins it LATERAL (one item per resource): the planner misjudges
        the five-column join as matching almost nothing and would hash-join every item, then sort,
        instead of walking `resources` in key order and stopping after the page.
        """
        ci = self.ci
        if self.as_of_ms is None:
            r = self.r
            source: sa.FromClause = r
            if self.uses_item:
                lateral = isinstance(ci, sa.Lateral)
                source = r.join(ci, sa.true() if lateral else self._item_of(r, ci))
            statement = (
                sa.select(*columns)
                .select_from(source)
                .where(
                    self._scope(r),
                    r.c.deletion_time.is_(None),
                    r.c.status != ItemStatus.RESOURCE_NOT_RECORDED.value,
                )
            )
            types_column: Expr = r.c.resource_type
        else:
            newer = schema.configuration_items.alias("newer")
            has_newer = (
                sa.select(sa.literal(1))
                .where(
                    *(newer.c[name] == ci.c[name] for name in KEY_COLUMNS),
                    newer.c.configuration_state_id > ci.c.configuration_state_id,
                    newer.c.capture_time <= self.as_of_ms,
                )
                .exists()
            )
            statement = (
                sa.select(*columns)
                .select_from(ci)
                .where(
                    self._scope(ci),
                    ci.c.capture_time <= self.as_of_ms,
                    ci.c.status.not_in(EXCLUDED_STATUSES),
                    ~has_newer,
                )
            )
            types_column = ci.c.resource_type
        if self.resource_types is not None:
            statement = statement.where(types_column.in_(self.resource_types))
        return statement

    # --- statements ---------------------------------------------------------------------------

    def compile_query(self, query: Query) -> CompiledQuery:
        if self.as_of_ms is None and self.json.name == "postgresql" and not query.is_aggregate:
            items = schema.configuration_items.alias("items")
            self.ci = sa.select(*items.c).where(self._item_of(self.r, items)).limit(1).lateral("ci")
        return self._aggregate(query) if query.is_aggregate else self._rows(query)

    def _rows(self, query: Query) -> CompiledQuery:
        where = None if query.where is None else self.condition(query.where)
        order: list[Any] = []
        for ordered in query.order_by:
            assert isinstance(ordered.item, Property)
            value = self.scalar(ordered.item)
            order.append(value.desc() if ordered.descending else value.asc())
        # A total order, so that pages never skip or repeat a row.
        order += [self.column(name) for name in KEY_COLUMNS]
        page_source = None
        if self.as_of_ms is None and not self.uses_item:
            # Filtered and ordered on `resources` (and the property index) alone: choose the page
            # there, then read the items of its rows only, not of every match.
            page_source = self.base(*self.r.c)
            if where is not None:
                page_source = page_source.where(where)
            page_source = page_source.order_by(*order)
        outputs: list[Output] = []
        columns: list[Any] = []
        for item in query.select:
            assert isinstance(item, Property)
            if item.root in COLUMNS:
                name, kind = COLUMNS[item.root]
                label = f"c_{name}"
                if all(o.label != label for o in outputs):
                    outputs.append(Output(label, "column", item.root, time=kind == "time"))
                    columns.append(self.column(name).label(label))
            else:
                label = f"d_{DOCUMENTS[item.root]}"
                if all(o.label != label for o in outputs):
                    outputs.append(Output(label, "document", item.root))
                    columns.append(self.document(item.root).label(label))
        statement = self.base(*columns)
        if where is not None and page_source is None:
            statement = statement.where(where)
        return CompiledQuery(statement.order_by(*order), tuple(outputs), page_source)

    def _aggregate(self, query: Query) -> CompiledQuery:
        outputs: list[Output] = []
        columns: list[Any] = []
        groups: list[Expr] = []
        for index, prop in enumerate(query.group_by):
            value = self.scalar(prop)
            groups.append(value)
            label = f"g{index}"
            outputs.append(Output(label, "group", prop.name, time=self._is_time(prop)))
            columns.append(value.label(label))
        aggregates: dict[Aggregate, Expr] = {}
        for item in [*query.select, *(o.item for o in query.order_by)]:
            if isinstance(item, Aggregate) and item not in aggregates:
                aggregates[item] = self.aggregate(item)
        for index, item in enumerate(a for a in query.select if isinstance(a, Aggregate)):
            label = f"a{index}"
            outputs.append(
                Output(
                    label,
                    "aggregate",
                    item.name,
                    time=item.function in ("MIN", "MAX")
                    and item.argument is not None
                    and self._is_time(item.argument),
                )
            )
            columns.append(aggregates[item].label(label))
        where = None if query.where is None else self.condition(query.where)
        order: list[Any] = []
        for o in query.order_by:
            value = aggregates[o.item] if isinstance(o.item, Aggregate) else self.scalar(o.item)
            order.append(value.desc() if o.descending else value.asc())
        order += groups
        statement = self.base(*columns)
        if where is not None:
            statement = statement.where(where)
        if groups:
            statement = statement.group_by(*groups)
        return CompiledQuery(statement.order_by(*order), tuple(outputs))

    # --- values -------------------------------------------------------------------------------

    @staticmethod
    def _is_time(prop: Property) -> bool:
        return prop.root in COLUMNS and COLUMNS[prop.root][1] == "time"

    def scalar(self, prop: Property) -> Expr:
        """A property's single value (ORDER BY, GROUP BY): a column, or the JSON value at its path."""
        if prop.root in COLUMNS:
            return self.column(COLUMNS[prop.root][0])
        if prop.root in ("tags", "relationships"):
            raise invalid(f"{prop.name} has many values per resource: it cannot be grouped or ordered by.")
        return self.json.scalar(self.document(prop.root), prop.path[1:])

    def aggregate(self, item: Aggregate) -> Expr:
        if item.argument is None:
            return sa.func.count()
        prop = item.argument
        if item.function == "COUNT":
            return sa.func.count(self.scalar(prop))
        if prop.root in COLUMNS:
            value: Expr = self.column(COLUMNS[prop.root][0])
        elif prop.root in ("tags", "relationships"):
            raise invalid(f"{item.function}({prop.name}) is not supported: {prop.name} has many values.")
        elif item.function in ("SUM", "AVG") or self.json.name == "postgresql":
            value = self.json.number(self.document(prop.root), prop.path[1:])
        else:
            value = self.scalar(prop)
        if item.function == "SUM":
            return sa.func.sum(value)
        if item.function == "AVG":
            return sa.func.avg(value)
        return sa.func.min(value) if item.function == "MIN" else sa.func.max(value)

    # --- conditions ---------------------------------------------------------------------------

    def condition(self, condition: Condition) -> sa.ColumnElement[bool]:
        if isinstance(condition, And):
            return sa.and_(self.condition(condition.left), self.condition(condition.right))
        if isinstance(condition, Or):
            return sa.or_(self.condition(condition.left), self.condition(condition.right))
        if isinstance(condition, Not):
            return sa.not_(self.condition(condition.operand))
        prop = condition.property
        if prop.root in COLUMNS:
            name, kind = COLUMNS[prop.root]
            column = self.column(name)
            test = self._test_column(column, kind, condition)
            # A NULL column (no resource name) does not match, and neither does NOT of it.
            return sa.and_(column.is_not(None), test)
        if self.as_of_ms is not None:
            refuse_ip_in_history(condition)
        else:
            keys = tuple(self.r.c[name] for name in KEY_COLUMNS)
            indexed = self.index.condition(keys, prop, condition, lambda: self._json_fallback(condition))
            if indexed is not None:
                return indexed
        self.uses_item = True
        return self._json_condition(self.ci, condition)

    def _json_fallback(self, condition: Comparison | InList | Between | Prefix) -> sa.ColumnElement[bool]:
        """The JSON test on the current item of a resource the index holds only part of (correlated)."""
        item = schema.configuration_items.alias("marked")
        return (
            sa.select(sa.literal(1))
            .select_from(item)
            .where(self._item_of(self.r, item), self._json_condition(item, condition))
            .exists()
        )

    def _json_condition(
        self, ci: sa.FromClause, condition: Comparison | InList | Between | Prefix
    ) -> sa.ColumnElement[bool]:
        prop = condition.property
        if prop.root == "tags":
            rows, key, value = self.json.tags(ci.c.tags)
            field = prop.path[1] if len(prop.path) > 1 else "tag"
            text = {
                "key": key,
                "value": value,
                "tag": key.op("||")(sa.literal_column("'='")).op("||")(value),
            }[field]
            element = Element((rows,), string=text, number=sa.null(), true=sa.false(), false=sa.false())
        else:
            element = self.json.elements(ci.c[DOCUMENTS[prop.root]], prop.path[1:])
        return element.exists(self._test_element(element, condition))

    def _test_element(self, element: Element, condition: Condition) -> sa.ColumnElement[bool]:
        def typed(value: Scalar) -> tuple[Expr, Scalar]:
            if isinstance(value, bool):
                return (element.true if value else element.false), True
            if isinstance(value, str):
                return element.string, value
            return element.number, value

        if isinstance(condition, Comparison):
            target, value = typed(condition.value)
            if isinstance(condition.value, bool):
                if condition.operator == "=":
                    return target
                if condition.operator == "!=":
                    return sa.or_(element.true, element.false) & ~target
                raise invalid(
                    f"true and false can only be compared with = or != ({condition.property.name})."
                )
            return compare(target, condition.operator, value)
        if isinstance(condition, InList):
            return sa.or_(
                *(
                    self._test_element(element, Comparison(condition.property, "=", v))
                    for v in condition.values
                )
            )
        if isinstance(condition, Between):
            target, low = typed(condition.low)
            _, high = typed(condition.high)
            return sa.and_(target >= low, target <= high)
        assert isinstance(condition, Prefix)
        return prefix_match(element.string, condition)

    def _test_column(self, column: Expr, kind: ColumnKind, condition: Condition) -> sa.ColumnElement[bool]:
        def convert(value: Scalar) -> Scalar | None:
            if isinstance(value, bool):
                return None
            if kind == "time":
                if not isinstance(value, str):
                    raise invalid(f"Compare {condition_name} with a time such as '2026-11-01T00:00:00Z'.")
                return parse_time(value)
            if kind == "int":
                if isinstance(value, str):
                    return int(value) if value.isdigit() else None
                return value
            return value if isinstance(value, str) else str(value)

        condition_name = condition.property.name  # type: ignore[union-attr]
        if isinstance(condition, Comparison):
            value = convert(condition.value)
            return sa.false() if value is None else compare(column, condition.operator, value)
        if isinstance(condition, InList):
            values = [v for v in (convert(v) for v in condition.values) if v is not None]
            return column.in_(values) if values else sa.false()
        if isinstance(condition, Between):
            low, high = convert(condition.low), convert(condition.high)
            return sa.false() if low is None or high is None else column.between(low, high)
        assert isinstance(condition, Prefix)
        if kind != "text":
            raise invalid(f"LIKE applies to text properties, not to {condition_name}.")
        return prefix_match(column, condition)
