"""The Advanced query page's exports (CSV, JSON) and roost's JSON endpoints for history queries
(`/roost/query.json`, `/roost/changes.json`), beside the page in query.py."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from roost.clock import iso_millis
from roost.errors import ApiError
from roost.query.run import QueryResult, changed_between, field_value
from roost.web.app import Page, page
from roost.web.pages.query import (
    EXPORT_CAP,
    EXPORT_PAGE,
    Form,
    cell,
    parse_moment,
    query_form,
    run,
    scope_sources,
)

# --- export ------------------------------------------------------------------------------------


def _all_rows(p: Page, form: Form) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """The select fields, and every row of the query up to EXPORT_CAP (the first page fetched now, so
    that a bad query fails before anything streams)."""
    if not form.expression.strip():
        raise ApiError("InvalidExpressionException", "Give the query to export: ?expression=SELECT ...")
    as_of = parse_moment(form.as_of, "as_of") if form.as_of else None

    def fetch(token: str | None) -> QueryResult:
        return run(
            p, form.expression, aggregator=form.aggregator, as_of=as_of, limit=EXPORT_PAGE, token=token
        )

    first = fetch(None)

    def rows() -> Iterator[dict[str, Any]]:
        current, sent = first, 0
        while True:
            for row in current.rows:
                if sent >= EXPORT_CAP:
                    return
                yield row
                sent += 1
            if not current.next_token or sent >= EXPORT_CAP:
                return
            current = fetch(current.next_token)

    return first.select_fields, rows()


def _json_error(error: ApiError) -> JSONResponse:
    return JSONResponse({"__type": error.code, "message": error.message}, status_code=400)


@page("/query/export.csv")
def export_csv(p: Page) -> Response:
    form = query_form(p)
    try:
        columns, rows = _all_rows(p, form)
    except ApiError as error:
        return Response(f"{error.code}: {error.message}\n", status_code=400, media_type="text/plain")

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(field_value(row, c)) for c in columns])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="query.csv"'},
    )


@page("/query/export.json")
def export_json(p: Page) -> Response:
    form = query_form(p)
    try:
        columns, rows = _all_rows(p, form)
    except ApiError as error:
        return _json_error(error)

    def chunks() -> Iterator[str]:
        yield '{"SelectFields":' + json.dumps(columns) + ',"Results":['
        for index, row in enumerate(rows):
            yield ("," if index else "") + json.dumps(row, separators=(",", ":"), default=str)
        yield "]}\n"

    return StreamingResponse(
        chunks(),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="query.json"'},
    )


# --- roost's JSON endpoints for history queries ------------------------------------------------


@page("/roost/query.json")
def query_json(p: Page) -> Response:
    """One page of a query's rows, now or as of a moment: {SelectFields, Results, NextToken, AsOf}."""
    try:
        expression = p.query("expression")
        if not expression.strip():
            raise ApiError("InvalidExpressionException", "Give the query: ?expression=SELECT ...")
        as_of_text = p.query("as_of").strip()
        as_of = parse_moment(as_of_text, "as_of") if as_of_text else None
        limit_text = p.query("limit").strip()
        if limit_text and not limit_text.isdigit():
            raise ApiError("InvalidLimitException", f"The limit {limit_text!r} is not a number.")
        result = run(
            p,
            expression,
            aggregator=p.query("aggregator"),
            as_of=as_of,
            limit=int(limit_text) if limit_text else None,
            token=p.query("next_token") or None,
        )
    except ApiError as error:
        return _json_error(error)
    return JSONResponse(
        {
            "SelectFields": result.select_fields,
            "Results": json.loads(json.dumps(result.rows, default=str)),
            "NextToken": result.next_token,
            "AsOf": iso_millis(as_of) if as_of else None,
        }
    )


@page("/roost/changes.json")
def changes_json(p: Page) -> Response:
    """The resources with a new configuration item in (from, to]: {From, To, Changes}."""
    try:
        if not p.query("from").strip() or not p.query("to").strip():
            raise ApiError("ValidationException", "Give both times: ?from=ISO&to=ISO.")
        start = parse_moment(p.query("from"), "from")
        end = parse_moment(p.query("to"), "to")
        if end < start:
            raise ApiError("ValidationException", "from must not be later than to.")
        sources, resource_types = scope_sources(p, p.query("aggregator"))
    except ApiError as error:
        return _json_error(error)
    changed = changed_between(p.store, sources, start, end)
    return JSONResponse(
        {
            "From": iso_millis(start),
            "To": iso_millis(end),
            "Changes": [
                {
                    "accountId": source.account_id,
                    "awsRegion": source.region,
                    "resourceType": key.resource_type,
                    "resourceId": key.resource_id,
                }
                for source, key in changed
                if resource_types is None or key.resource_type in resource_types
            ],
        }
    )
