"""`roost query "SELECT ..."`: AWS Config's advanced query over the store, now or at any past moment.

    roost query "SELECT resourceType, COUNT(*) GROUP BY resourceType"
    roost query "SELECT resourceId WHERE resourceType = 'AWS::EC2::SecurityGroup'" \\
        --as-of 2026-11-01T00:00:00Z
    roost query --changed-between 2026-11-01T00:00:00Z 2026-11-02T00:00:00Z
    roost query "SELECT resourceType, resourceId, configuration.ipPermissions" \\
        --changed-between 2026-11-01T00:00:00Z 2026-11-02T00:00:00Z -o json
    roost query --stored my-saved-query --aggregator org -o csv

The query runs over one (account, region) (--account / --region, default the first configured one)
or over an aggregator's visible sources (--aggregator NAME, an aggregator of that account and region).
It reads the store directly, with the same engine (roost.query) SelectResourceConfig uses.

Output: a table, JSON (the rows as AWS returns them, nested by path) or CSV (one column per selected
field, named as in QueryInfo.SelectFields; arrays and objects as JSON). --limit is the page size (as
the API's Limit: 1-100, default 25, or 500 for aggregate queries); --all follows every page.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

from roost.aggregator.sources import Aggregation
from roost.cli.context import CliContext
from roost.cli.output import emit, fail
from roost.cli.resources import with_source
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.query.parse import parse
from roost.query.run import QueryResult, changed_between, field_value, run_query

OUTPUTS = ("table", "json", "csv")
CHANGED_COLUMNS = ["accountId", "awsRegion", "resourceType", "resourceId"]


def _moment(value: str, option: str) -> datetime:
    """An ISO-8601 time (`2026-11-01T00:00:00Z`, `2026-11-01`); no zone means UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 time (e.g. 2026-11-01T00:00:00Z)", param_hint=option
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def _print(rows: Sequence[dict[str, Any]], columns: Sequence[str], *, output: str, flat: bool) -> None:
    """Rows as JSON (as they are), CSV or a table (one column per field, `flat`: rows already flat)."""
    if output == "json":
        click.echo(json.dumps(list(rows), indent=2, default=str))
        return
    cells = [{c: (row.get(c) if flat else field_value(row, c)) for c in columns} for row in rows]
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for cell in cells:
            writer.writerow([_text(cell[c]) for c in columns])
        click.echo(buffer.getvalue(), nl=False)
        return
    emit(cells, output="table", columns=list(columns), title=None)


def _pages(
    obj: CliContext,
    sources: Sequence[AccountRegion],
    expression: str,
    *,
    limit: int | None,
    every_page: bool,
    as_of: datetime | None,
    resource_types: Sequence[str] | None,
) -> tuple[list[str], list[dict[str, Any]], bool]:
    """(select fields, rows, whether more rows are left) of one page, or of every page."""
    rows: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        result: QueryResult = run_query(
            obj.store,
            sources,
            expression,
            limit=limit,
            next_token=token,
            as_of=as_of,
            resource_types=resource_types,
        )
        rows.extend(result.rows)
        token = result.next_token
        if token is None or not every_page:
            return result.select_fields, rows, token is not None


def _scope(
    obj: CliContext, source: AccountRegion, aggregator_name: str | None
) -> tuple[list[AccountRegion], Sequence[str] | None]:
    """The sources a query covers and the resource types it is limited to (None: all)."""
    if aggregator_name is None:
        return [source], None
    aggregator = obj.store.aggregators.get(source, aggregator_name)
    if aggregator is None:
        raise ApiError(
            "NoSuchConfigurationAggregatorException",
            f"{source.account_id}/{source.region} has no aggregator named {aggregator_name!r} "
            "(roost aggregators list).",
        )
    aggregation = Aggregation(obj.store, SystemClock(), CloudConnector(obj.settings.accounts))
    return aggregation.visible(aggregator), aggregator.resource_types


def _changed(
    obj: CliContext,
    sources: Sequence[AccountRegion],
    expression: str | None,
    t1: datetime,
    t2: datetime,
    *,
    limit: int | None,
    output: str,
    resource_types: Sequence[str] | None,
) -> None:
    """--changed-between: the resources with a new item in (t1, t2]; with a query, its rows as of t2
    for those resources only (the query must select resourceType and resourceId to tell them)."""
    changed = changed_between(obj.store, sources, t1, t2)
    if resource_types is not None:
        changed = [(s, k) for s, k in changed if k.resource_type in resource_types]
    if expression is None:
        rows = [
            {
                "accountId": source.account_id,
                "awsRegion": source.region,
                "resourceType": key.resource_type,
                "resourceId": key.resource_id,
            }
            for source, key in changed
        ]
        _print(rows, CHANGED_COLUMNS, output=output, flat=True)
        return
    query = parse(expression)
    fields = set(query.select_fields)
    if query.is_aggregate or not {"resourceType", "resourceId"} <= fields:
        raise click.UsageError(
            "with --changed-between, a query must select resourceType and resourceId and no aggregate "
            "(to tell which rows are the changed resources); or give no query to list them"
        )
    keys = {(s.account_id, s.region, k.resource_type, k.resource_id) for s, k in changed}
    types_and_ids = {(t, i) for _, _, t, i in keys}
    select_fields, rows, _ = _pages(
        obj, sources, expression, limit=limit, every_page=True, as_of=t2, resource_types=resource_types
    )

    def changed_row(row: dict[str, Any]) -> bool:
        if "accountId" in row and "awsRegion" in row:  # told apart by source too when the query can
            return (
                row["accountId"],
                row["awsRegion"],
                row.get("resourceType"),
                row.get("resourceId"),
            ) in keys
        return (row.get("resourceType"), row.get("resourceId")) in types_and_ids

    _print([row for row in rows if changed_row(row)], select_fields, output=output, flat=False)


@click.command("query")
@click.argument("expression", required=False)
@click.option(
    "--stored", "stored_name", default=None, metavar="NAME", help="Run a stored query (PutStoredQuery)."
)
@click.option(
    "--aggregator",
    "aggregator_name",
    default=None,
    metavar="NAME",
    help="Query an aggregator's visible sources (an aggregator of --account/--region).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="TIME",
    help="The fleet as it was at TIME (ISO-8601, e.g. 2026-11-01T00:00:00Z).",
)
@click.option(
    "--changed-between",
    "changed",
    nargs=2,
    default=None,
    metavar="T1 T2",
    help="The resources that changed after T1 up to T2 (with a query: its rows as of T2 for those).",
)
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Choice(OUTPUTS),
    default=None,
    help="table, json or csv (default: roost -o).",
)
@click.option(
    "--limit", type=click.IntRange(min=0), default=None, help="Rows per page (1-100, as the API's Limit)."
)
@click.option("--all", "every_page", is_flag=True, help="Every page, not only the first.")
@with_source
@click.pass_obj
def query(
    obj: CliContext,
    expression: str | None,
    stored_name: str | None,
    aggregator_name: str | None,
    as_of: str | None,
    changed: tuple[str, str] | None,
    output: str | None,
    limit: int | None,
    every_page: bool,
    account: str | None,
    region: str | None,
) -> None:
    """Answer an advanced query (AWS Config's SELECT) over the recorded resources."""
    shown = output or obj.output
    if expression is not None and stored_name is not None:
        raise click.UsageError("give a query or --stored NAME, not both")
    if as_of is not None and changed is not None:
        raise click.UsageError(
            "give --as-of or --changed-between, not both (a query with --changed-between runs as of T2)"
        )
    source = obj.source(account, region)
    try:
        if stored_name is not None:
            stored = obj.store.stored_queries.get(source, stored_name)
            if stored is None:
                raise ApiError(
                    "ResourceNotFoundException",
                    f"{source.account_id}/{source.region} has no stored query named {stored_name!r}.",
                )
            expression = stored.expression
        sources, resource_types = _scope(obj, source, aggregator_name)
        if changed is not None:
            t1 = _moment(changed[0], "--changed-between")
            t2 = _moment(changed[1], "--changed-between")
            if t2 < t1:
                raise click.BadParameter("T2 is before T1", param_hint="--changed-between")
            _changed(
                obj, sources, expression, t1, t2, limit=limit, output=shown, resource_types=resource_types
            )
            return
        if expression is None:
            raise click.UsageError(
                'give a query: roost query "SELECT ..." (or --stored NAME, or --changed-between T1 T2)'
            )
        moment = None if as_of is None else _moment(as_of, "--as-of")
        fields, rows, more = _pages(
            obj,
            sources,
            expression,
            limit=limit,
            every_page=every_page,
            as_of=moment,
            resource_types=resource_types,
        )
    except ApiError as error:
        fail(f"{error.code}: {error.message}")
        return
    _print(rows, fields, output=shown, flat=False)
    if more:
        click.echo(f"roost: more rows than these {len(rows)}: --all shows every page", err=True)


COMMANDS = [query]
