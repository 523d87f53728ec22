"""Retention configurations: Put, Describe, Delete.

A source has at most one, always named `default`, keeping 30 to 2557 days of configuration history
(the model checks the range). roost/recorder/retention.py deletes older history every hour; without
a configuration a source keeps AWS's default of 2557 days.
"""

from __future__ import annotations

from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.pagination import decode_token
from roost.errors import ApiError
from roost.store.retention import DEFAULT_NAME, RetentionConfiguration


def _no_such(name: str) -> ApiError:
    return ApiError(
        "NoSuchRetentionConfigurationException",
        f"Cannot find retention configuration with the specified name '{name}'.",
    )


def _to_wire(config: RetentionConfiguration) -> dict[str, Any]:
    return {"Name": config.name, "RetentionPeriodInDays": config.retention_period_in_days}


@operation("PutRetentionConfiguration")
def put_retention_configuration(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    config = ctx.store.retention.put(ctx.source, int(params["RetentionPeriodInDays"]))
    return {"RetentionConfiguration": _to_wire(config)}


@operation("DescribeRetentionConfigurations")
def describe_retention_configurations(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    # There is never a second page (one configuration per source): no token roost hands out is
    # ever valid here, and anything else is not a token at all.
    if decode_token("DescribeRetentionConfigurations", params.get("NextToken")) is not None:
        raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
    names = params.get("RetentionConfigurationNames") or []
    if len(names) > 1:  # the model's length limit already stops this at the front end
        raise ApiError(
            "InvalidParameterValueException",
            "Only one retention configuration name may be given per request.",
        )
    configs = ctx.store.retention.list(ctx.source)
    if names:
        configs = [c for c in configs if c.name == names[0]]
        if not configs:
            raise _no_such(names[0])
    return {"RetentionConfigurations": [_to_wire(c) for c in configs]}


@operation("DeleteRetentionConfiguration")
def delete_retention_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    name = params["RetentionConfigurationName"]
    if name != DEFAULT_NAME or not ctx.store.retention.delete(ctx.source, name):
        raise _no_such(name)
