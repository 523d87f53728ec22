"""The one place where the advanced query's SQL differs between SQLite and PostgreSQL: reading JSON.

Configuration items keep `configuration`, `supplementary_configuration`, `tags` (an object of
key → value) and `relationships` (an array of objects) as JSON text. Two readings are needed:

* a **scalar** at a path (SELECT in aggregate queries, GROUP BY, ORDER BY, aggregate arguments):
  SQLite `json_extract(col, '$."a"."b"')`, PostgreSQL `CAST(col AS JSONB) #> '{"a","b"}'`;
* the **elements** a path reaches through any arrays on the way (WHERE): AWS matches a path through
  arrays when ANY element matches, each predicate on its own (uncorrelated). Each predicate becomes
  `EXISTS (SELECT 1 FROM <elements> WHERE <test on one element>)`. SQLite walks the path with a
  chain of `json_each`, one per segment, each over the member's value wrapped as a one-element array
  unless it already is an array; PostgreSQL asks `jsonb_path_query(col, '$[*]."a"[*]."b"[*]')` (lax
  mode: `[*]` on a non-array is the value itself).

An element is tested with its JSON type: a string literal matches JSON strings only, a number literal
JSON numbers only (compared numerically), true/false JSON booleans only.

Paths are inlined as SQL literals (their segments are checked by roost.query.parse to be
[A-Za-z0-9_-:@$] only), so the same path is the same SQL text wherever it appears (GROUP BY needs
that); values a user compares with are always bound parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from roost.query.tree import Prefix, Scalar

Expr = sa.ColumnElement[Any]


@dataclass(frozen=True)
class Element:
    """One JSON value reached by a path inside an EXISTS: its typed readings and where it comes from."""

    froms: tuple[sa.FromClause, ...]
    string: Expr
    """The value when it is a JSON string, else NULL."""
    number: Expr
    """The value when it is a JSON number, else NULL."""
    true: Expr
    false: Expr

    def exists(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        # Each json_each reads the one before it: a lateral chain, joined ON true.
        joined: sa.FromClause = self.froms[0]
        for following in self.froms[1:]:
            joined = joined.join(following, sa.true())
        return sa.select(sa.literal(1)).select_from(joined).where(condition).exists()


class JsonDialect(ABC):
    name: str

    @abstractmethod
    def scalar(self, column: Expr, path: Sequence[str]) -> Expr:
        """The value at `path` (no arrays crossed), as the engine's native value."""

    @abstractmethod
    def number(self, column: Expr, path: Sequence[str]) -> Expr:
        """The value at `path` when it is a JSON number, else NULL (for SUM and AVG)."""

    @abstractmethod
    def elements(self, column: Expr, path: Sequence[str]) -> Element:
        """Every value `path` reaches from the document in `column`, through arrays at any level."""

    @abstractmethod
    def tags(self, column: Expr) -> tuple[sa.FromClause, Expr, Expr]:
        """The tags object in `column` as rows: (from clause, key, value)."""


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _bracketed(json_text: Expr) -> Expr:
    """`[` || json_text || `]`: a one-element JSON array (NULL stays NULL)."""
    return sa.literal_column("'['").op("||")(json_text).op("||")(sa.literal_column("']'"))


def _sqlite_path(path: Sequence[str]) -> str:
    return "$" + "".join(f'."{segment}"' for segment in path)


class SqliteJson(JsonDialect):
    name = "sqlite"

    def scalar(self, column: Expr, path: Sequence[str]) -> Expr:
        return sa.func.json_extract(column, sa.literal_column(_sql_string(_sqlite_path(path))))

    def number(self, column: Expr, path: Sequence[str]) -> Expr:
        where: Expr = sa.literal_column(_sql_string(_sqlite_path(path)))
        return sa.case(
            (sa.func.json_type(column, where).in_(["integer", "real"]), sa.func.json_extract(column, where)),
            else_=sa.null(),
        )

    @staticmethod
    def _wrapped(document: Expr) -> Expr:
        # json_each over an array gives its elements; over anything else we want the value itself.
        return sa.case(
            (sa.func.json_type(document) == "array", document),
            else_=_bracketed(document),
        )

    def elements(self, column: Expr, path: Sequence[str]) -> Element:
        level = sa.func.json_each(self._wrapped(column)).table_valued("value", "type").alias()
        froms: list[sa.FromClause] = [level]
        for segment in path:
            member: Expr = sa.literal_column(_sql_string(_sqlite_path([segment])))
            # `->` gives the member as JSON text (strings quoted), so it can be wrapped in brackets.
            raw = level.c.value.op("->")(member)
            source = sa.case(
                (
                    level.c.type == "object",
                    sa.case(
                        (sa.func.json_type(level.c.value, member) == "array", raw),
                        else_=_bracketed(raw),
                    ),
                ),
                else_=sa.null(),
            )
            level = sa.func.json_each(source).table_valued("value", "type").alias()
            froms.append(level)
        value, kind = level.c.value, level.c.type
        return Element(
            froms=tuple(froms),
            string=sa.case((kind == "text", value), else_=sa.null()),
            number=sa.case((kind.in_(["integer", "real"]), value), else_=sa.null()),
            true=kind == "true",
            false=kind == "false",
        )

    def tags(self, column: Expr) -> tuple[sa.FromClause, Expr, Expr]:
        rows = sa.func.json_each(column).table_valued("key", "value").alias()
        return rows, rows.c.key, rows.c.value


def _pg_array(path: Sequence[str]) -> str:
    return "{" + ",".join(f'"{segment}"' for segment in path) + "}"


class PostgresJson(JsonDialect):
    name = "postgresql"

    @staticmethod
    def _document(column: Expr) -> Expr:
        return sa.cast(column, JSONB)

    def scalar(self, column: Expr, path: Sequence[str]) -> Expr:
        return self._document(column).op("#>", return_type=JSONB)(
            sa.literal_column(_sql_string(_pg_array(path)))
        )

    def number(self, column: Expr, path: Sequence[str]) -> Expr:
        value = self.scalar(column, path)
        return sa.case(
            (
                sa.func.jsonb_typeof(value) == "number",
                sa.cast(value.op("#>>", return_type=sa.Text)(sa.literal_column("'{}'")), sa.Numeric),
            ),
            else_=sa.null(),
        )

    def elements(self, column: Expr, path: Sequence[str]) -> Element:
        jsonpath = "$[*]" + "".join(f'."{segment}"[*]' for segment in path)
        values = (
            sa.func.jsonb_path_query(
                self._document(column), sa.literal_column(_sql_string(jsonpath) + "::jsonpath")
            )
            .table_valued(sa.column("v", JSONB))
            .render_derived()
        )
        value = values.c.v
        kind = sa.func.jsonb_typeof(value)
        text = value.op("#>>", return_type=sa.Text)(sa.literal_column("'{}'"))
        return Element(
            froms=(values,),
            # Compared byte-wise ("C"), as the property index compares them: the answer must not
            # depend on which of the two a resource is answered from.
            string=sa.case((kind == "string", text), else_=sa.null()).collate("C"),
            number=sa.case((kind == "number", sa.cast(text, sa.Numeric)), else_=sa.null()),
            true=sa.and_(kind == "boolean", text == "true"),
            false=sa.and_(kind == "boolean", text == "false"),
        )

    def tags(self, column: Expr) -> tuple[sa.FromClause, Expr, Expr]:
        rows = sa.func.jsonb_each_text(self._document(column)).table_valued("key", "value").alias()
        return rows, rows.c.key.collate("C"), rows.c.value.collate("C")


def json_dialect(name: str) -> JsonDialect:
    if name == "sqlite":
        return SqliteJson()
    if name == "postgresql":
        return PostgresJson()
    raise ValueError(f"advanced queries do not support the {name} database")


# --- the same on both engines -------------------------------------------------------------------


def compare(target: Expr, operator: str, value: Scalar) -> sa.ColumnElement[bool]:
    if operator == "=":
        return target == value
    if operator == "!=":
        return target != value
    if operator == "<":
        return target < value
    if operator == "<=":
        return target <= value
    if operator == ">":
        return target > value
    return target >= value


def prefix_match(text: Expr, condition: Prefix) -> sa.ColumnElement[bool]:
    """LIKE 'abc%' / 'abc_' as a case-sensitive prefix test (SQLite's LIKE ignores case)."""
    size = len(condition.prefix)
    length = sa.func.length(text)
    wanted = size + condition.single_chars
    return sa.and_(
        sa.func.substr(text, 1, size) == condition.prefix,
        length >= wanted if condition.any_more else length == wanted,
    )
