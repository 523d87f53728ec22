"""The aggregate reads of conformance packs: each pack of an aggregator's visible sources with its
compliance (DescribeAggregateComplianceByConformancePacks) and the packs counted by account or region
(GetAggregateConformancePackComplianceSummary)."""

from __future__ import annotations

from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.operations.aggregators import get_aggregator, visible_sources
from roost.api.pagination import decode_token, encode_token, page_size
from roost.compliance import ComplianceType
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.packs import compliance as pack_compliance
from roost.packs.model import ConformancePack

PAGE = 100


def _position(operation_name: str, token: str | None) -> list[str] | None:
    after = decode_token(operation_name, token)
    if after is not None and not (isinstance(after, list) and all(isinstance(p, str) for p in after)):
        raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
    return after


def _sources(ctx: RequestContext, params: dict[str, Any]) -> list[AccountRegion]:
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    filters = params.get("Filters") or {}
    return [
        s
        for s in visible_sources(ctx, aggregator)
        if filters.get("AccountId") in (None, s.account_id) and filters.get("AwsRegion") in (None, s.region)
    ]


def _compliance(ctx: RequestContext, pack: ConformancePack) -> dict[str, Any]:
    rules = pack_compliance.rules_compliance(ctx.store, pack)
    return {
        "ComplianceType": pack_compliance.pack_compliance(rules).value,
        "CompliantRuleCount": sum(r.compliance_type is ComplianceType.COMPLIANT for r in rules),
        "NonCompliantRuleCount": sum(r.compliance_type is ComplianceType.NON_COMPLIANT for r in rules),
        "TotalRuleCount": len(rules),
    }


@operation("DescribeAggregateComplianceByConformancePacks")
def describe_aggregate_compliance_by_conformance_packs(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    operation_name = "DescribeAggregateComplianceByConformancePacks"
    filters = params.get("Filters") or {}
    limit = page_size(params.get("Limit"), default=PAGE, maximum=PAGE)
    after = _position(operation_name, params.get("NextToken"))
    # In Python's order, the order the token is compared in (whatever the database's collation).
    packs = sorted(
        (
            p
            for p in ctx.store.packs.list_many(_sources(ctx, params))
            if filters.get("ConformancePackName") in (None, p.name)
            and (after is None or [p.account_id, p.region, p.name] > after)
        ),
        key=lambda p: (p.account_id, p.region, p.name),
    )
    wanted = filters.get("ComplianceType")
    found: list[dict[str, Any]] = []
    for pack in packs:  # in account, region, name order
        compliance = _compliance(ctx, pack)
        if wanted and compliance["ComplianceType"] != wanted:
            continue
        found.append(
            {
                "ConformancePackName": pack.name,
                "Compliance": compliance,
                "AccountId": pack.account_id,
                "AwsRegion": pack.region,
            }
        )
        if len(found) > limit:
            break
    page = found[:limit]
    return {
        "AggregateComplianceByConformancePacks": page,
        "NextToken": encode_token(
            operation_name, [page[-1]["AccountId"], page[-1]["AwsRegion"], page[-1]["ConformancePackName"]]
        )
        if len(found) > limit
        else None,
    }


@operation("GetAggregateConformancePackComplianceSummary")
def get_aggregate_conformance_pack_compliance_summary(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    operation_name = "GetAggregateConformancePackComplianceSummary"
    limit = page_size(params.get("Limit"), default=PAGE, maximum=PAGE)
    after = _position(operation_name, params.get("NextToken"))
    key = params.get("GroupByKey")
    groups: dict[str, list[int]] = {}
    for pack in ctx.store.packs.list_many(_sources(ctx, params)):
        group = pack.account_id if key == "ACCOUNT_ID" else pack.region if key == "AWS_REGION" else ""
        status = pack_compliance.pack_compliance(pack_compliance.rules_compliance(ctx.store, pack))
        counts = groups.setdefault(group, [0, 0])
        if status is ComplianceType.COMPLIANT:
            counts[0] += 1
        elif status is ComplianceType.NON_COMPLIANT:
            counts[1] += 1
    names = sorted(g for g in groups if after is None or [g] > after)
    page = names[:limit]
    return {
        "AggregateConformancePackComplianceSummaries": [
            {
                "ComplianceSummary": {
                    "CompliantConformancePackCount": groups[g][0],
                    "NonCompliantConformancePackCount": groups[g][1],
                },
                "GroupName": g or None,
            }
            for g in page
        ],
        "GroupByKey": key,
        "NextToken": encode_token(operation_name, [page[-1]]) if len(names) > limit else None,
    }
