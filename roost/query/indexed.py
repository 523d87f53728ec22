"""WHERE predicates answered by the index of current configuration properties (`resource_properties`).

roost.store.properties keeps one row per scalar leaf of each current resource's configuration,
supplementaryConfiguration and tags, under its path without array indices. A predicate on such a
path becomes

    (account_id, region, resource_type, resource_id) IN
        (SELECT <key> FROM resource_properties WHERE path = :path AND <test on one row>)

which both engines answer from an index on (path, value): the rows of a path are exactly the
elements the JSON reading of roost.query.dialects reaches, typed the same way (a string literal
matches strings, a number numbers, true/false booleans), so the answer is the same.

Paths some of whose leaves were too long (or too many) to index carry a marker row (value_type 'p');
for those resources the predicate is also tested on the JSON, as before, so the answer stays exact
(`index match OR (marked AND JSON match)`: the index rows of a resource are a subset of its
elements, so an index match is a JSON match too).

IP-typed properties (roost.query.ip_properties) compare as address ranges on (ip_lo, ip_hi); their
leaves are always indexed, and a value that is no address never matches a range test, so no JSON
fallback is needed. Queries as of a past moment read the history, which has no index: there IP
comparisons are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from roost.query.dialects import Expr
from roost.query.ip_properties import is_ip_property, literal_range
from roost.query.tree import Between, Comparison, Condition, InList, Prefix, Property, Scalar, invalid
from roost.store import schema
from roost.store.properties import KEY_COLUMNS

INDEXED_ROOTS = ("configuration", "supplementaryConfiguration", "tags")


def index_path(prop: Property) -> str | None:
    """The path of `prop` in resource_properties, or None when the index does not hold it."""
    if prop.root == "tags":
        return "tags." + (prop.path[1] if len(prop.path) > 1 else "tag")
    if prop.root in INDEXED_ROOTS and len(prop.path) > 1:
        return prop.name
    return None


def _number(value: int | float) -> Expr:
    # The column's own type for the parameter, so PostgreSQL compares numeric with numeric (and
    # uses the index) rather than casting the column to double precision.
    return sa.literal(value, type_=schema.resource_properties.c.number_value.type)


#: A predicate matching at least this many index rows is "dense" (see PropertyIndex).
DENSE_ROWS = 2_000

#: Counts the rows of a statement (`SELECT count(*) FROM (<statement> LIMIT n)`), for the density probe.
RowCounter = Callable[[sa.Select[Any]], int]


class PropertyIndex:
    """Predicates on indexed paths.

    How a matching resource is found depends on how many match. Few: the keys come from the index
    and drive the lookups (`key IN (SELECT key ... WHERE path = ... AND test)`). Many (a value most
    resources of a type share): SQLite would build and sort the whole key set before taking a page
    of 25, so there the resources are walked in key order and each one is checked in the index
    (`EXISTS (... WHERE rp.key = r.key AND path = ... AND test)`), stopping after the page.
    PostgreSQL's planner makes that choice itself from its statistics; SQLite's, without them for
    this shape, cannot, so with a `counter` roost asks the index first how many rows match (at
    most DENSE_ROWS are counted)."""

    def __init__(self, dialect: str, counter: RowCounter | None = None) -> None:
        self.dialect = dialect
        self.counter = counter if dialect == "sqlite" else None
        self.rp = schema.resource_properties.alias("rp")

    def condition(
        self,
        keys: tuple[Expr, ...],
        prop: Property,
        condition: Condition,
        json_fallback: Callable[[], sa.ColumnElement[bool]],
    ) -> sa.ColumnElement[bool] | None:
        """The predicate on the resource `keys`, or None when the index cannot answer it."""
        path = index_path(prop)
        if path is None:
            return None
        ip = is_ip_property(prop.name) and not isinstance(condition, Prefix)
        test = self._ip_test(condition) if ip else self._test(condition)
        if test is None:
            return None
        if ip:
            return self._keys_where(keys, path, test)
        # index match OR (marked AND JSON match), written so that the first term is a plain semi-join
        # the planners can drive from the index: (match OR marked) AND (NOT marked OR JSON match).
        marked = self.rp.c.value_type == "p"
        candidates: sa.ColumnElement[bool]
        if self._dense(path, test):
            candidates = self._correlated(keys, path, sa.or_(test, marked))
        elif self.dialect == "sqlite":
            # SQLite uses an index for one OR term only: two index searches, as a UNION ALL.
            both = sa.union_all(self._keys(path, test), self._keys(path, marked))
            candidates = sa.tuple_(*keys).in_(sa.select(*both.subquery().c))
        else:  # PostgreSQL ORs the two index scans itself (BitmapOr)
            candidates = self._keys_where(keys, path, sa.or_(test, marked))
        return sa.and_(
            candidates,
            sa.or_(sa.not_(self._keys_where(keys, path, marked)), json_fallback()),
        )

    def _keys_where(
        self, keys: tuple[Expr, ...], path: str, test: sa.ColumnElement[bool]
    ) -> sa.ColumnElement[bool]:
        if self._dense(path, test):
            return self._correlated(keys, path, test)
        return sa.tuple_(*keys).in_(self._keys(path, test))

    def _dense(self, path: str, test: sa.ColumnElement[bool]) -> bool:
        if self.counter is None:
            return False
        return self.counter(self._keys(path, test).limit(DENSE_ROWS)) >= DENSE_ROWS

    def _correlated(
        self, keys: tuple[Expr, ...], path: str, test: sa.ColumnElement[bool]
    ) -> sa.ColumnElement[bool]:
        """The resource has a matching row: checked per resource through the table's key."""
        rp = self.rp  # each subquery names its own "rp": the tests are built on it
        own = [rp.c[name] == key for name, key in zip(KEY_COLUMNS, keys, strict=True)]
        return sa.select(sa.literal(1)).select_from(rp).where(*own, rp.c.path == path, test).exists()

    def _keys(self, path: str, test: sa.ColumnElement[bool]) -> sa.Select[Any]:
        rp = self.rp
        return sa.select(*(rp.c[name] for name in KEY_COLUMNS)).where(rp.c.path == path, test)

    # --- typed tests on one row ----------------------------------------------------------------

    def _scalar_test(self, operator: str, value: Scalar) -> sa.ColumnElement[bool] | None:
        c = self.rp.c
        if isinstance(value, bool):
            if operator == "=":
                return c.value_type == ("t" if value else "f")
            if operator == "!=":
                return c.value_type == ("f" if value else "t")
            return None  # the JSON reading raises the error message
        if isinstance(value, str):
            return sa.and_(c.value_type == "s", _compare(c.text_value, operator, sa.literal(value)))
        return _compare(c.number_value, operator, _number(value))

    def _test(self, condition: Condition) -> sa.ColumnElement[bool] | None:
        c = self.rp.c
        if isinstance(condition, Comparison):
            return self._scalar_test(condition.operator, condition.value)
        if isinstance(condition, InList):
            strings = [v for v in condition.values if isinstance(v, str)]
            numbers = [v for v in condition.values if isinstance(v, int | float) and not isinstance(v, bool)]
            flags = [v for v in condition.values if isinstance(v, bool)]
            parts: list[sa.ColumnElement[bool]] = []
            if strings:
                parts.append(sa.and_(c.value_type == "s", c.text_value.in_(strings)))
            if numbers:
                parts.append(c.number_value.in_([_number(n) for n in numbers]))
            parts += [c.value_type == ("t" if f else "f") for f in sorted(set(flags))]
            return sa.or_(*parts)
        if isinstance(condition, Between):
            low, high = condition.low, condition.high
            if isinstance(low, bool) or isinstance(high, bool):
                return None
            if isinstance(low, str) and isinstance(high, str):
                return sa.and_(c.value_type == "s", c.text_value >= low, c.text_value <= high)
            if isinstance(low, str) or isinstance(high, str):
                return None
            return sa.and_(c.number_value >= _number(low), c.number_value <= _number(high))
        if isinstance(condition, Prefix):
            return sa.and_(c.value_type == "s", _prefix(c.text_value, condition))
        return None

    def _ip_test(self, condition: Condition) -> sa.ColumnElement[bool]:
        c = self.rp.c
        name = condition.property.name  # type: ignore[union-attr]

        def equal(value: Scalar) -> sa.ColumnElement[bool]:
            low, high = literal_range(name, value)
            if low == high:
                return sa.and_(c.ip_lo <= low, c.ip_hi >= low)
            return sa.and_(c.ip_lo == low, c.ip_hi == high)

        if isinstance(condition, InList):
            return sa.or_(*(equal(v) for v in condition.values))
        if isinstance(condition, Between):
            low, _ = literal_range(name, condition.low)
            _, high = literal_range(name, condition.high)
            if low[0] != high[0]:
                raise invalid(f"BETWEEN on {name} needs two addresses of one family (IPv4 or IPv6).")
            return sa.and_(c.ip_lo <= low, c.ip_hi >= high)
        assert isinstance(condition, Comparison)
        operator, value = condition.operator, condition.value
        if operator == "=":
            return equal(value)
        if operator == "!=":
            return sa.and_(c.ip_lo.is_not(None), sa.not_(equal(value)))
        low, high = literal_range(name, value)
        family = low[0]
        if operator in ("<", "<="):
            below = c.ip_lo < low if operator == "<" else c.ip_lo <= low
            return sa.and_(c.ip_lo >= family + "0" * 32, below)
        above = c.ip_hi > high if operator == ">" else c.ip_hi >= high
        return sa.and_(above, c.ip_hi <= family + "f" * 32)


def _compare(target: Expr, operator: str, value: Expr) -> sa.ColumnElement[bool]:
    from roost.query.dialects import compare

    return compare(target, operator, value)  # type: ignore[arg-type]


def _prefix(text: Expr, condition: Prefix) -> sa.ColumnElement[bool]:
    """The prefix as a range of text_value (the index), then the exact case-sensitive test."""
    from roost.query.dialects import prefix_match

    prefix = condition.prefix
    bounds = [text >= prefix]
    following = ord(prefix[-1]) + 1 if prefix else 0
    if following == 0xD800:  # no text holds a lone surrogate: the next character is U+E000
        following = 0xE000
    if prefix and following <= 0x10FFFF:
        bounds.append(text < prefix[:-1] + chr(following))
    return sa.and_(*bounds, prefix_match(text, condition))


def refuse_ip_in_history(condition: Condition) -> None:
    """IP comparisons need the index, which only the current state has."""
    prop = getattr(condition, "property", None)
    if isinstance(prop, Property) and is_ip_property(prop.name) and not isinstance(condition, Prefix):
        raise invalid(
            f"{prop.name} is an IP property: its ranges can be compared only in queries of the current "
            "state, not as of a past moment (LIKE still works)."
        )
