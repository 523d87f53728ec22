"""Advanced query: SelectResourceConfig and SelectAggregateResourceConfig (AWS Config's area K).

Both answer AWS Config's SQL subset (roost.query) over current configuration items: the caller's own
source, or every source an aggregator shows (narrowed to its AggregatorFilters.ResourceType).
Each result row is a JSON string, nested by dotted path; QueryInfo.SelectFields names the selection.
SelectAggregateResourceConfig takes Limit or MaxResults (Limit wins when both are given).
"""

from __future__ import annotations

import json
from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.operations.aggregators import get_aggregator, visible_sources
from roost.query.run import QueryResult, run_query


def _answer(result: QueryResult) -> dict[str, Any]:
    return {
        "Results": [json.dumps(row, separators=(",", ":"), default=str) for row in result.rows],
        "QueryInfo": {"SelectFields": [{"Name": name} for name in result.select_fields]},
        "NextToken": result.next_token,
    }


@operation("SelectResourceConfig")
def select_resource_config(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    result = run_query(
        ctx.store,
        [ctx.source],
        params["Expression"],
        limit=params.get("Limit"),
        next_token=params.get("NextToken"),
    )
    return _answer(result)


@operation("SelectAggregateResourceConfig")
def select_aggregate_resource_config(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    limit = params.get("Limit") or params.get("MaxResults")
    result = run_query(
        ctx.store,
        visible_sources(ctx, aggregator),
        params["Expression"],
        limit=limit,
        next_token=params.get("NextToken"),
        resource_types=aggregator.resource_types,
    )
    return _answer(result)
