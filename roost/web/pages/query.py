"""Advanced query: AWS Config's SQL in the dashboard, over this account and region or an aggregator,
now (SelectResourceConfig / SelectAggregateResourceConfig) or as of a past moment (roost's own, run
on the store directly); results as a table with paging, export to CSV and JSON, and saved queries
(the stored-query operations).

Also roost's documented JSON endpoints for history queries, outside the AWS API (docs/query.md):

    GET /roost/query.json?expression=...&as_of=ISO&aggregator=NAME&limit=&next_token=
    GET /roost/changes.json?from=ISO&to=ISO[&aggregator=NAME]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from roost.aggregator.model import ConfigurationAggregator
from roost.aggregator.sources import Aggregation
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.query.run import QueryResult, field_value, run_query
from roost.web.app import Page, page

#: Rows an export streams at most (all pages of the query up to this many).
EXPORT_CAP = 10_000
EXPORT_PAGE = 100
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE = 25
"""AWS's default page size."""


@dataclass(frozen=True)
class Example:
    title: str
    expression: str


#: AWS's example queries (the AWS Config developer guide's), for the editor's picker.
EXAMPLES = [
    Example(
        "All resources of a type (S3 buckets)",
        "SELECT resourceId, resourceName, awsRegion, resourceCreationTime\n"
        "WHERE resourceType = 'AWS::S3::Bucket'",
    ),
    Example(
        "EC2 instances by instance type",
        "SELECT configuration.instanceType, COUNT(*)\n"
        "WHERE resourceType = 'AWS::EC2::Instance'\n"
        "GROUP BY configuration.instanceType",
    ),
    Example(
        "Security groups open on port 22",
        "SELECT resourceId, resourceName, configuration.ipPermissions.fromPort\n"
        "WHERE resourceType = 'AWS::EC2::SecurityGroup'\n"
        "AND configuration.ipPermissions.fromPort = 22",
    ),
    Example(
        "S3 buckets with versioning enabled",
        "SELECT resourceId, resourceName, supplementaryConfiguration.BucketVersioningConfiguration.status\n"
        "WHERE resourceType = 'AWS::S3::Bucket'\n"
        "AND supplementaryConfiguration.BucketVersioningConfiguration.status = 'Enabled'",
    ),
    Example(
        "Resources with a tag key (Name)",
        "SELECT resourceId, resourceType, tags\nWHERE tags.key = 'Name'",
    ),
    Example(
        "Count of resources by type",
        "SELECT resourceType, COUNT(*)\nGROUP BY resourceType\nORDER BY COUNT(*) DESC",
    ),
    Example(
        "EC2 instances with their state and subnet",
        "SELECT resourceId, configuration.instanceType, configuration.state.name, configuration.subnetId\n"
        "WHERE resourceType = 'AWS::EC2::Instance'",
    ),
    Example(
        "Noncompliant resources (compliance records)",
        "SELECT configuration.targetResourceId, configuration.targetResourceType, "
        "configuration.configRuleList.configRuleName\n"
        "WHERE resourceType = 'AWS::Config::ResourceCompliance'\n"
        "AND configuration.complianceType = 'NON_COMPLIANT'",
    ),
]
DEFAULT_EXPRESSION = EXAMPLES[0].expression


# --- running a query ---------------------------------------------------------------------------


def parse_moment(value: str, name: str) -> datetime:
    """An ISO-8601 time or a datetime-local value (`2026-11-01T09:30`); no zone means UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            "ValidationException", f"{name} {value!r} is not an ISO-8601 time (e.g. 2026-11-01T00:00:00Z)."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _aggregator(p: Page, name: str) -> ConfigurationAggregator:
    found: ConfigurationAggregator | None = p.store.aggregators.get(_own_source(p), name)
    if found is None:
        raise ApiError(
            "NoSuchConfigurationAggregatorException",
            f"The configuration aggregator does not exist. Check the configuration aggregator name and "
            f"try again: {name}",
        )
    return found


def _own_source(p: Page) -> AccountRegion:
    return AccountRegion(p.caller.account_id, p.caller.region)


def scope_sources(p: Page, aggregator: str) -> tuple[list[AccountRegion], Sequence[str] | None]:
    """The sources a scope covers (this account and region, or what an aggregator shows)."""
    if not aggregator:
        return [_own_source(p)], None
    found = _aggregator(p, aggregator)
    aggregation = p.services.aggregation or Aggregation(p.store, p.services.clock, p.services.connector)
    return list(aggregation.visible(found)), found.resource_types


def run(
    p: Page,
    expression: str,
    *,
    aggregator: str,
    as_of: datetime | None,
    limit: int | None,
    token: str | None,
) -> QueryResult:
    """One page of a query's rows. Raises ApiError (InvalidExpressionException, ...)."""
    if not expression.strip():
        raise ApiError("InvalidExpressionException", "Write a query: SELECT ... [WHERE ...].")
    if as_of is None:
        paging: dict[str, Any] = {}
        if limit:
            paging["Limit"] = limit
        if token:
            paging["NextToken"] = token
        if aggregator:
            answer = p.call(
                "SelectAggregateResourceConfig",
                ConfigurationAggregatorName=aggregator,
                Expression=expression,
                **paging,
            )
        else:
            answer = p.call("SelectResourceConfig", Expression=expression, **paging)
        return QueryResult(
            [str(f["Name"]) for f in answer.get("QueryInfo", {}).get("SelectFields", [])],
            [json.loads(row) for row in answer.get("Results", [])],
            answer.get("NextToken") or None,
        )
    sources, resource_types = scope_sources(p, aggregator)
    return run_query(
        p.store,
        sources,
        expression,
        limit=limit,
        next_token=token or None,
        as_of=as_of,
        resource_types=resource_types,
    )


def cell(value: Any) -> str:
    """A value as one table cell / CSV field: scalars as they are, tags as key=value, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        if set(value) <= {"key", "value"} and "key" in value:
            return f"{value['key']}={value.get('value', '')}"
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return str(value)


# --- the page ----------------------------------------------------------------------------------


@dataclass
class Form:
    expression: str
    aggregator: str
    as_of: str
    limit: int

    def params(self, **more: str) -> str:
        values = {"expression": self.expression, "scope": self.aggregator, "as_of": self.as_of}
        if self.limit != DEFAULT_PAGE:
            values["limit"] = str(self.limit)
        values.update(more)
        return urlencode({k: v for k, v in values.items() if v})


def query_form(p: Page) -> Form:
    try:
        limit = int(p.query("limit") or DEFAULT_PAGE)
    except ValueError:
        limit = DEFAULT_PAGE
    return Form(
        expression=p.query("expression"),
        aggregator=p.query("scope"),
        as_of=p.query("as_of").strip(),
        limit=limit if limit in PAGE_SIZES else DEFAULT_PAGE,
    )


def _saved(p: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(5):  # AWS allows 300 per region: three pages of 100
        answer = p.attempt("ListStoredQueries", MaxResults=100, **({"NextToken": token} if token else {}))
        if answer is None:
            break
        found += answer.get("StoredQueryMetadata", [])
        token = answer.get("NextToken")
        if not token:
            break
    return sorted(found, key=lambda q: str(q["QueryName"]).lower())


def _aggregator_names(p: Page) -> list[str]:
    names: list[str] = []
    token: str | None = None
    for _ in range(10):
        answer = p.attempt("DescribeConfigurationAggregators", **({"NextToken": token} if token else {}))
        if answer is None:
            break
        names += [str(a["ConfigurationAggregatorName"]) for a in answer.get("ConfigurationAggregators", [])]
        token = answer.get("NextToken")
        if not token:
            break
    return sorted(names)


def _show(
    p: Page,
    form: Form,
    *,
    ran: bool,
    result: QueryResult | None = None,
    error: str | None = None,
    save: dict[str, str] | None = None,
) -> Response:
    columns = result.select_fields if result else []
    rows = [[cell(field_value(row, c)) for c in columns] for row in result.rows] if result else []
    return p.render(
        "query.html",
        active="Query",
        form=form,
        examples=EXAMPLES,
        aggregators=_aggregator_names(p),
        page_sizes=PAGE_SIZES,
        ran=ran,
        columns=columns,
        rows=rows,
        next_query=form.params(token=result.next_token) if result and result.next_token else None,
        first_query=form.params() if p.query("token") else None,
        export_query=form.params(),
        query_error=error,
        saved=_saved(p),
        save=save or {"name": p.query("name"), "description": p.query("description")},
        export_cap=EXPORT_CAP,
    )


@page("/query", nav="Query")
def query_page(p: Page) -> Response:
    form = query_form(p)
    example = p.query("example")
    if p.query("use_example") and example.isdigit() and int(example) < len(EXAMPLES):
        form.expression = EXAMPLES[int(example)].expression
        return _show(p, form, ran=False)
    loading = p.query("load")
    if loading:
        stored = p.attempt("GetStoredQuery", QueryName=loading)
        if stored is not None:
            form.expression = str(stored["StoredQuery"].get("Expression", ""))
            p.note(f"Loaded saved query {loading}.")
            return _show(
                p,
                form,
                ran=False,
                save={
                    "name": loading,
                    "description": str(stored["StoredQuery"].get("Description") or ""),
                },
            )
        return _show(p, form, ran=False)
    if not form.expression:
        form.expression = DEFAULT_EXPRESSION
        return _show(p, form, ran=False)
    try:
        as_of = parse_moment(form.as_of, "As of") if form.as_of else None
        result = run(
            p,
            form.expression,
            aggregator=form.aggregator,
            as_of=as_of,
            limit=form.limit,
            token=p.query("token") or None,
        )
    except ApiError as error:
        return _show(p, form, ran=True, error=f"{error.code}: {error.message}")
    return _show(p, form, ran=True, result=result)


@page("/query/saved", methods=("POST",))
def save_query(p: Page) -> Response:
    name, description = p.field("name").strip(), p.field("description").strip()
    form = Form(
        expression=p.field("expression"),
        aggregator=p.field("scope"),
        as_of=p.field("as_of"),
        limit=DEFAULT_PAGE,
    )
    saved = None
    if not name:
        p.error("A saved query needs a name.")
    elif not form.expression.strip():
        p.error("Write the query to save.")
    else:
        stored: dict[str, Any] = {"QueryName": name, "Expression": form.expression}
        if description:
            stored["Description"] = description
        saved = p.attempt("PutStoredQuery", StoredQuery=stored)
    if saved is None:
        return _show(p, form, ran=False, save={"name": name, "description": description})
    return p.redirect(f"/query?{form.params()}", note=f"Saved query {name}.")


@page("/query/saved/delete", methods=("POST",))
def delete_query(p: Page) -> Response:
    name = p.field("name")
    if p.attempt("DeleteStoredQuery", QueryName=name) is None:
        return _show(p, query_form(p), ran=False)
    return p.redirect("/query", note=f"Deleted saved query {name}.")
