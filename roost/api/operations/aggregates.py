"""Aggregate reads: what an aggregator shows of its sources (7 operations of AWS Config's area H).

Every read covers only the aggregator's visible sources (roost.aggregator.sources: its own account's
sources, another account's once that account authorized the aggregator there, organization members),
only current state (no deleted resources, no ResourceNotRecorded ones, no history), and, when the
aggregator has AggregatorFilters.ResourceType, only those resource types (their resources and their
evaluation results). A source outside the aggregator reads as empty, never as an error: the
operations model no error for it (GetAggregateResourceConfig answers ResourceNotDiscovered).

Choices where AWS does not say:
* Rule compliance in an aggregate is COMPLIANT or NON_COMPLIANT only (the model says the aggregate
  shapes support only those two): a rule with no results, or only NOT_APPLICABLE ones, is left out of
  DescribeAggregateComplianceByConfigRules and of the summary's counts, and the NOT_APPLICABLE /
  INSUFFICIENT_DATA filter values are a ValidationException. GetAggregateComplianceDetailsByConfigRule
  likewise returns only COMPLIANT and NON_COMPLIANT results.
* GetAggregateConfigRuleComplianceSummary counts rules (once per source where the rule has results),
  uncapped (CapExceeded is false); without GroupByKey it answers one entry without a GroupName.
* Pages: rules by (account, region, rule name); results by (resource type, resource id); resources
  by (account, region, resource id); groups of resource counts most numerous first, then by name;
  summary groups by name.
* BatchGetAggregateResourceConfig processes every identifier: ones not found, deleted or outside the
  aggregator are left out, UnprocessedResourceIdentifiers is always empty (as BatchGetResourceConfig).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roost.aggregator.model import ConfigurationAggregator
from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.operations.aggregators import get_aggregator, visible_sources
from roost.api.operations.compliance import RULE_CONTRIBUTOR_CAP, _compliance, _result_to_wire
from roost.api.pagination import decode_token, encode_token, page_size
from roost.api.wire import base_item_to_wire, item_to_wire
from roost.compliance import ComplianceType
from roost.errors import ApiError
from roost.model import AccountRegion, ResourceKey

GROUP_LIMIT = 1000
"""Limit of the group-by operations (and DescribeAggregateComplianceByConfigRules): default and maximum."""
DETAILS_LIMIT = 50
"""GetAggregateComplianceDetailsByConfigRule's default Limit (at most 100)."""
RESOURCES_LIMIT = 100

#: The compliance types aggregates show (the model's notes on the aggregate shapes).
AGGREGATE_TYPES = (ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT)


def _invalid_token() -> ApiError:
    return ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")


def _position(operation_name: str, token: str | None, size: int) -> tuple[str, ...] | None:
    """A token's position: `size` strings (None for no token)."""
    position = decode_token(operation_name, token)
    if position is None:
        return None
    if (
        not isinstance(position, list)
        or len(position) != size
        or not all(isinstance(part, str) for part in position)
    ):
        raise _invalid_token()
    return tuple(position)


def _narrow(
    sources: Sequence[AccountRegion], account_id: str | None, region: str | None
) -> list[AccountRegion]:
    return [
        s
        for s in sources
        if (account_id is None or s.account_id == account_id) and (region is None or s.region == region)
    ]


def _types(aggregator: ConfigurationAggregator, wanted: str | None = None) -> list[str] | None:
    """The resource types to read: the aggregator's (None: all), narrowed to `wanted` when given."""
    allowed = aggregator.resource_types
    if wanted is None:
        return None if allowed is None else list(allowed)
    return [wanted] if allowed is None or wanted in allowed else []


def _aggregate_compliance_type(value: str | None, where: str) -> ComplianceType | None:
    if value is None:
        return None
    compliance = ComplianceType(value)
    if compliance not in AGGREGATE_TYPES:
        raise ApiError(
            "ValidationException",
            f"The {where} value {value} is not supported here: use COMPLIANT or NON_COMPLIANT.",
        )
    return compliance


def _count(count: int) -> dict[str, Any]:
    return {"CappedCount": count, "CapExceeded": False}


# --- compliance ----------------------------------------------------------------------------------


@operation("DescribeAggregateComplianceByConfigRules")
def describe_aggregate_compliance_by_config_rules(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """One entry per (source, rule) that is COMPLIANT or NON_COMPLIANT there."""
    operation_name = "DescribeAggregateComplianceByConfigRules"
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    filters = params.get("Filters") or {}
    compliance = _aggregate_compliance_type(filters.get("ComplianceType"), "ComplianceType filter")
    limit = page_size(params.get("Limit"), default=GROUP_LIMIT, maximum=GROUP_LIMIT)
    after = _position(operation_name, params.get("NextToken"), 3)
    sources = _narrow(visible_sources(ctx, aggregator), filters.get("AccountId"), filters.get("AwsRegion"))
    found = ctx.store.aggregates.rule_compliance(
        sources,
        resource_types=_types(aggregator),
        rule_name=filters.get("ConfigRuleName"),
        compliance_type=compliance,
        after=(after[0], after[1], after[2]) if after is not None else None,
        limit=limit + 1,
    )
    page = found[:limit]
    return {
        "AggregateComplianceByConfigRules": [
            {
                "ConfigRuleName": rule.rule_name,
                "Compliance": _compliance(rule.counts, RULE_CONTRIBUTOR_CAP),
                "AccountId": rule.source.account_id,
                "AwsRegion": rule.source.region,
            }
            for rule in page
        ],
        "NextToken": encode_token(
            operation_name, [page[-1].source.account_id, page[-1].source.region, page[-1].rule_name]
        )
        if len(found) > limit
        else None,
    }


@operation("GetAggregateComplianceDetailsByConfigRule")
def get_aggregate_compliance_details_by_config_rule(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """A rule's COMPLIANT and NON_COMPLIANT results in one source, by resource type and id."""
    operation_name = "GetAggregateComplianceDetailsByConfigRule"
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    compliance = _aggregate_compliance_type(params.get("ComplianceType"), "ComplianceType")
    limit = page_size(params.get("Limit"), default=DETAILS_LIMIT, maximum=100)
    after = _position(operation_name, params.get("NextToken"), 2)
    source = AccountRegion(params["AccountId"], params["AwsRegion"])
    if source not in visible_sources(ctx, aggregator):
        return {"AggregateEvaluationResults": []}
    found = ctx.store.aggregates.results(
        source,
        params["ConfigRuleName"],
        compliance_types=[compliance] if compliance is not None else AGGREGATE_TYPES,
        resource_types=_types(aggregator),
        after=(after[0], after[1]) if after is not None else None,
        limit=limit + 1,
    )
    page = found[:limit]
    return {
        "AggregateEvaluationResults": [
            {**_result_to_wire(r), "AccountId": source.account_id, "AwsRegion": source.region} for r in page
        ],
        "NextToken": encode_token(operation_name, [page[-1].resource_type, page[-1].resource_id])
        if len(found) > limit
        else None,
    }


@operation("GetAggregateConfigRuleComplianceSummary")
def get_aggregate_config_rule_compliance_summary(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """How many rules are COMPLIANT and NON_COMPLIANT, per account or region, or in all."""
    operation_name = "GetAggregateConfigRuleComplianceSummary"
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    filters = params.get("Filters") or {}
    group_by = params.get("GroupByKey")
    limit = page_size(params.get("Limit"), default=GROUP_LIMIT, maximum=GROUP_LIMIT)
    after = _position(operation_name, params.get("NextToken"), 1)
    sources = _narrow(visible_sources(ctx, aggregator), filters.get("AccountId"), filters.get("AwsRegion"))
    summaries = ctx.store.aggregates.rule_summary(
        sources, group_by=group_by, resource_types=_types(aggregator)
    )
    now = ctx.clock.now()

    def summary(name: str) -> dict[str, Any]:
        found = summaries.get(name)
        return {
            "CompliantResourceCount": _count(found.compliant if found else 0),
            "NonCompliantResourceCount": _count(found.non_compliant if found else 0),
            "ComplianceSummaryTimestamp": now,
        }

    if group_by is None:
        if after is not None:
            raise _invalid_token()  # a total is one page: no token leads anywhere
        return {"AggregateComplianceCounts": [{"ComplianceSummary": summary("")}]}
    names = sorted(summaries)
    if after is not None:
        names = [name for name in names if name > after[0]]
    page = names[:limit]
    return {
        "GroupByKey": group_by,
        "AggregateComplianceCounts": [
            {"GroupName": name, "ComplianceSummary": summary(name)} for name in page
        ],
        "NextToken": encode_token(operation_name, [page[-1]]) if len(names) > limit else None,
    }


# --- resources -----------------------------------------------------------------------------------


@operation("GetAggregateDiscoveredResourceCounts")
def get_aggregate_discovered_resource_counts(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Current resources in all (TotalDiscoveredResources) and per group, most numerous first."""
    operation_name = "GetAggregateDiscoveredResourceCounts"
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    filters = params.get("Filters") or {}
    group_by = params.get("GroupByKey")
    limit = page_size(params.get("Limit"), default=GROUP_LIMIT, maximum=GROUP_LIMIT)
    position = decode_token(operation_name, params.get("NextToken"))
    if position is not None and (
        not isinstance(position, list)
        or len(position) != 2
        or not isinstance(position[0], int)
        or not isinstance(position[1], str)
        or group_by is None
    ):
        raise _invalid_token()
    sources = _narrow(visible_sources(ctx, aggregator), filters.get("AccountId"), filters.get("Region"))
    counts = ctx.store.aggregates.resource_counts(
        sources, group_by=group_by, resource_types=_types(aggregator, filters.get("ResourceType"))
    )
    total = sum(counts.values())
    if group_by is None:
        return {"TotalDiscoveredResources": total, "GroupedResourceCounts": []}
    ordered = sorted(counts.items(), key=lambda group: (-group[1], group[0]))
    if position is not None:
        last = (-position[0], position[1])
        ordered = [group for group in ordered if (-group[1], group[0]) > last]
    page = ordered[:limit]
    return {
        "TotalDiscoveredResources": total,
        "GroupByKey": group_by,
        "GroupedResourceCounts": [{"GroupName": name, "ResourceCount": count} for name, count in page],
        "NextToken": encode_token(operation_name, [page[-1][1], page[-1][0]])
        if len(ordered) > limit
        else None,
    }


@operation("ListAggregateDiscoveredResources")
def list_aggregate_discovered_resources(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Current resources of one type, by account, region and resource id."""
    operation_name = "ListAggregateDiscoveredResources"
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    resource_type = params["ResourceType"]
    filters = params.get("Filters") or {}
    limit = page_size(params.get("Limit"), default=RESOURCES_LIMIT, maximum=RESOURCES_LIMIT)
    position = _position(operation_name, params.get("NextToken"), 4)
    if position is not None and position[0] != resource_type:
        raise _invalid_token()
    sources = _narrow(visible_sources(ctx, aggregator), filters.get("AccountId"), filters.get("Region"))
    if not _types(aggregator, resource_type):
        sources = []
    found = ctx.store.aggregates.resources(
        sources,
        resource_type,
        resource_id=filters.get("ResourceId"),
        resource_name=filters.get("ResourceName"),
        after=(position[1], position[2], position[3]) if position is not None else None,
        limit=limit + 1,
    )
    page = found[:limit]
    last = page[-1] if page else None
    return {
        "ResourceIdentifiers": [
            {
                "SourceAccountId": r.account_id,
                "SourceRegion": r.region,
                "ResourceId": r.resource_id,
                "ResourceType": r.resource_type,
                "ResourceName": r.resource_name,
            }
            for r in page
        ],
        "NextToken": encode_token(
            operation_name, [resource_type, last.account_id, last.region, last.resource_id]
        )
        if last is not None and len(found) > limit
        else None,
    }


def _identifier(raw: dict[str, Any]) -> tuple[AccountRegion, ResourceKey]:
    return (
        AccountRegion(raw["SourceAccountId"], raw["SourceRegion"]),
        ResourceKey(raw["ResourceType"], raw["ResourceId"]),
    )


@operation("GetAggregateResourceConfig")
def get_aggregate_resource_config(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A resource's current item (tags and relationships included), if the aggregator shows it."""
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    source, key = _identifier(params["ResourceIdentifier"])
    found = None
    if source in visible_sources(ctx, aggregator):
        found = ctx.store.aggregates.current_items([(source, key)], resource_types=_types(aggregator)).get(
            (source, key)
        )
    if found is None:
        raise ApiError(
            "ResourceNotDiscoveredException",
            f"Resource {key.resource_id} of resourceType:{key.resource_type} in account "
            f"{source.account_id} and region {source.region} is unknown to the aggregator or has not "
            "been discovered",
        )
    return {"ConfigurationItem": item_to_wire(found)}


@operation("BatchGetAggregateResourceConfig")
def batch_get_aggregate_resource_config(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The current items of up to 100 resources, without tags or relationships, in the order asked."""
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    visible = set(visible_sources(ctx, aggregator))
    wanted = list(dict.fromkeys(_identifier(raw) for raw in params["ResourceIdentifiers"]))
    found = ctx.store.aggregates.current_items(
        [i for i in wanted if i[0] in visible], resource_types=_types(aggregator)
    )
    return {
        "BaseConfigurationItems": [base_item_to_wire(found[i]) for i in wanted if i in found],
        "UnprocessedResourceIdentifiers": [],
    }
