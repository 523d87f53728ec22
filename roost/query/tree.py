"""The checked form of an advanced query (what roost.query.parse produces, roost.query.compile reads).

AWS's vocabulary: properties are dotted paths, aggregates are COUNT/SUM/AVG/MIN/MAX of one property
(or `*`), conditions combine comparisons, IN, BETWEEN and LIKE prefixes with AND, OR and NOT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as TypingLiteral

from roost.errors import ApiError

MAX_EXPRESSION_LENGTH = 4096
MAX_GROUP_BY = 3

#: Top-level scalar properties of a configuration item (spec §12.3).
TOP_LEVEL = (
    "accountId",
    "arn",
    "availabilityZone",
    "awsRegion",
    "configurationItemCaptureTime",
    "configurationItemStatus",
    "configurationStateId",
    "resourceCreationTime",
    "resourceId",
    "resourceName",
    "resourceType",
    "version",
)
#: What `SELECT *` returns (spec §12.2): the top-level scalars but the status and state id.
STAR_FIELDS = (
    "accountId",
    "awsRegion",
    "arn",
    "availabilityZone",
    "configurationItemCaptureTime",
    "resourceCreationTime",
    "resourceId",
    "resourceName",
    "resourceType",
    "version",
)
DOCUMENT_ROOTS = ("configuration", "supplementaryConfiguration")
TAG_FIELDS = ("key", "value", "tag")
RELATIONSHIP_FIELDS = ("resourceId", "resourceName", "resourceType")

Scalar = str | int | float | bool


def invalid(message: str) -> ApiError:
    return ApiError("InvalidExpressionException", message)


@dataclass(frozen=True, slots=True)
class Property:
    """A dotted property path, e.g. ("configuration", "ipPermissions", "fromPort")."""

    path: tuple[str, ...]

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def root(self) -> str:
        return self.path[0]


@dataclass(frozen=True, slots=True)
class Aggregate:
    function: str  # COUNT, SUM, AVG, MIN or MAX
    argument: Property | None  # None: `*`

    @property
    def name(self) -> str:
        return f"{self.function}({'*' if self.argument is None else self.argument.name})"


SelectItem = Property | Aggregate
Operator = TypingLiteral["=", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Comparison:
    property: Property
    operator: Operator
    value: Scalar


@dataclass(frozen=True, slots=True)
class InList:
    property: Property
    values: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Between:
    property: Property
    low: Scalar
    high: Scalar


@dataclass(frozen=True, slots=True)
class Prefix:
    """LIKE 'abc%' / 'abc_': the literal prefix, how many `_` follow it, and whether a `%` does."""

    property: Property
    prefix: str
    single_chars: int
    any_more: bool


@dataclass(frozen=True, slots=True)
class And:
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Or:
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


Condition = Comparison | InList | Between | Prefix | And | Or | Not


@dataclass(frozen=True, slots=True)
class OrderItem:
    item: SelectItem
    descending: bool


@dataclass(frozen=True, slots=True)
class Query:
    select: tuple[SelectItem, ...]
    where: Condition | None
    group_by: tuple[Property, ...]
    order_by: tuple[OrderItem, ...]
    star: bool

    @property
    def is_aggregate(self) -> bool:
        return bool(self.group_by) or any(isinstance(i, Aggregate) for i in self.select)

    @property
    def orders_by_aggregate(self) -> bool:
        return any(isinstance(o.item, Aggregate) for o in self.order_by)

    @property
    def select_fields(self) -> list[str]:
        return [i.name for i in self.select]
