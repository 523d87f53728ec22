"""Compliance reads: DescribeComplianceByConfigRule/-ByResource, GetComplianceDetailsByConfigRule/-ByResource,
GetComplianceSummaryByConfigRule/-ByResourceType.

Roll-ups follow §8.2 of the spec (roost.compliance.roll_up): any NON_COMPLIANT wins, then any COMPLIANT,
NOT_APPLICABLE counts for nothing, and no result at all is INSUFFICIENT_DATA. Contributor counts are
capped as AWS caps them: 100 resources for a rule, 25 rules for a resource, and summaries at 25 rules
and 100 resources.
"""

from __future__ import annotations

from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.pagination import decode_token, encode_token
from roost.compliance import ComplianceType, EvaluationResult, roll_up
from roost.errors import ApiError

RULE_CONTRIBUTOR_CAP = 100
"""A rule's ComplianceContributorCount counts its NON_COMPLIANT resources up to 100."""
RESOURCE_CONTRIBUTOR_CAP = 25
"""A resource's ComplianceContributorCount counts the rules that find it NON_COMPLIANT up to 25."""
SUMMARY_RULE_CAP = 25
SUMMARY_RESOURCE_CAP = 100
RULES_PAGE = 25
"""DescribeComplianceByConfigRule has no Limit: pages hold 25 rules (as many as one call may name)."""
DETAILS_BY_RESOURCE_PAGE = 100
"""GetComplianceDetailsByResource has no Limit: pages hold 100 results."""

_ROLL_UP_TYPES = frozenset(
    {ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.INSUFFICIENT_DATA}
)
_RESULT_TYPES = frozenset(
    {ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE}
)


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValueException", message)


def _no_such_rule(name: str) -> ApiError:
    return ApiError(
        "NoSuchConfigRuleException",
        f"The ConfigRule '{name}' provided in the request is invalid. Please check the configRule name.",
    )


def _compliance_types(params: dict[str, Any], allowed: frozenset[ComplianceType]) -> list[ComplianceType]:
    """The ComplianceTypes filter (empty = no filter); a value the operation does not take is invalid."""
    chosen = [ComplianceType(value) for value in params.get("ComplianceTypes") or []]
    for value in chosen:
        if value not in allowed:
            permitted = ", ".join(sorted(allowed))
            raise _invalid(f"The ComplianceTypes value {value.value} is not valid here; use {permitted}.")
    return list(dict.fromkeys(chosen))


def _limit(params: dict[str, Any], *, default: int = 10, maximum: int = 100) -> int:
    """Limit: 0 or none means the default (the model already keeps it within 0..maximum)."""
    value = params.get("Limit")
    if not value:
        return default
    if value < 0 or value > maximum:
        raise _invalid(f"The Limit {value} is not between 0 and {maximum}.")
    return int(value)


def _count(count: int, cap: int) -> dict[str, Any]:
    return {"CappedCount": min(count, cap), "CapExceeded": count > cap}


def _compliance(counts: dict[ComplianceType, int], cap: int) -> dict[str, Any]:
    """A roll-up: the compliance type, and for NON_COMPLIANT how many contributed to it (capped)."""
    present = [t for t, n in counts.items() if n > 0]
    compliance_type = roll_up(present)
    result: dict[str, Any] = {"ComplianceType": compliance_type.value}
    if compliance_type is ComplianceType.NON_COMPLIANT:
        result["ComplianceContributorCount"] = _count(counts[ComplianceType.NON_COMPLIANT], cap)
    return result


def _result_to_wire(result: EvaluationResult) -> dict[str, Any]:
    return {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": result.rule_name,
                "ResourceType": result.resource_type,
                "ResourceId": result.resource_id,
                "EvaluationMode": result.evaluation_mode,
            },
            "OrderingTimestamp": result.ordering_timestamp,
        },
        "ComplianceType": result.compliance_type.value,
        "ResultRecordedTime": result.result_recorded_time,
        "ConfigRuleInvokedTime": result.config_rule_invoked_time,
        "Annotation": result.annotation,
    }


def _position(operation_name: str, token: str | None, *, error_code: str) -> tuple[str, str] | None:
    """A (first key, second key) position from a token ("" is no token, as rdklib sends it)."""
    position = decode_token(operation_name, token, error_code=error_code)
    if position is None:
        return None
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not all(isinstance(part, str) for part in position)
    ):
        raise ApiError(error_code, "The nextToken provided is invalid.")
    return position[0], position[1]


def _rule_counts(ctx: RequestContext, names: list[str]) -> dict[str, dict[ComplianceType, int]]:
    return ctx.store.evaluations.counts_by_rule(ctx.source, rule_names=names)


@operation("DescribeComplianceByConfigRule")
def describe_compliance_by_config_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    wanted = _compliance_types(params, _ROLL_UP_TYPES)
    names = list(dict.fromkeys(params.get("ConfigRuleNames") or []))
    rules = {rule.name: rule for rule in ctx.store.rules.list(ctx.source)}
    for name in names:
        if name not in rules:
            raise _no_such_rule(name)
    chosen = sorted(names or rules)
    start = decode_token("DescribeComplianceByConfigRule", params.get("NextToken"))
    if start is not None and not isinstance(start, str):
        raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
    if start is not None:
        chosen = [name for name in chosen if name > start]
    counts = _rule_counts(ctx, chosen)
    entries = []
    for name in chosen:
        compliance = _compliance(counts.get(name, {}), RULE_CONTRIBUTOR_CAP)
        if wanted and ComplianceType(compliance["ComplianceType"]) not in wanted:
            continue
        entries.append({"ConfigRuleName": name, "Compliance": compliance})
    page = entries[:RULES_PAGE]
    more = len(entries) > RULES_PAGE
    return {
        "ComplianceByConfigRules": page,
        "NextToken": encode_token("DescribeComplianceByConfigRule", page[-1]["ConfigRuleName"])
        if more
        else None,
    }


@operation("DescribeComplianceByResource")
def describe_compliance_by_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    resource_type = params.get("ResourceType")
    resource_id = params.get("ResourceId")
    if resource_id is not None and resource_type is None:
        raise _invalid("A ResourceId requires a ResourceType.")
    wanted = _compliance_types(params, _ROLL_UP_TYPES)
    limit = _limit(params)
    start = _position(
        "DescribeComplianceByResource", params.get("NextToken"), error_code="InvalidNextTokenException"
    )
    counts = ctx.store.evaluations.counts_by_resource(
        ctx.source,
        resource_types=[resource_type] if resource_type is not None else None,
        resource_id=resource_id,
    )
    if resource_type is not None and resource_id is not None:
        # A named resource no rule has evaluated is INSUFFICIENT_DATA, not absent.
        counts.setdefault((resource_type, resource_id), {})
    entries = []
    for key in sorted(counts):
        if start is not None and key <= start:
            continue
        compliance = _compliance(counts[key], RESOURCE_CONTRIBUTOR_CAP)
        if wanted and ComplianceType(compliance["ComplianceType"]) not in wanted:
            continue
        entries.append((key, compliance))
        if len(entries) > limit:
            break
    page = entries[:limit]
    return {
        "ComplianceByResources": [
            {"ResourceType": key[0], "ResourceId": key[1], "Compliance": compliance}
            for key, compliance in page
        ],
        "NextToken": encode_token("DescribeComplianceByResource", list(page[-1][0]))
        if len(entries) > limit
        else None,
    }


def _page_of_results(
    operation_name: str,
    results: list[EvaluationResult],
    token: str | None,
    limit: int,
    *,
    key: Any,
    error_code: str,
) -> dict[str, Any]:
    start = _position(operation_name, token, error_code=error_code)
    ordered = sorted(results, key=key)
    if start is not None:
        ordered = [r for r in ordered if key(r) > start]
    page = ordered[:limit]
    return {
        "EvaluationResults": [_result_to_wire(r) for r in page],
        "NextToken": encode_token(operation_name, list(key(page[-1]))) if len(ordered) > limit else None,
    }


@operation("GetComplianceDetailsByConfigRule")
def get_compliance_details_by_config_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["ConfigRuleName"]
    wanted = _compliance_types(params, _RESULT_TYPES)
    limit = _limit(params)
    if ctx.store.rules.get(ctx.source, name) is None:
        raise _no_such_rule(name)
    results = ctx.store.evaluations.results(ctx.source, rule_names=[name], compliance_types=wanted or None)
    return _page_of_results(
        "GetComplianceDetailsByConfigRule",
        results,
        params.get("NextToken"),
        limit,
        key=lambda r: (r.resource_type, r.resource_id),
        error_code="InvalidNextTokenException",
    )


@operation("GetComplianceDetailsByResource")
def get_compliance_details_by_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    resource_type = params.get("ResourceType")
    resource_id = params.get("ResourceId")
    evaluation_id = params.get("ResourceEvaluationId")
    wanted = _compliance_types(params, _RESULT_TYPES)
    if evaluation_id is not None:
        if resource_type is not None or resource_id is not None:
            raise _invalid("Give either a ResourceEvaluationId or a ResourceType and ResourceId, not both.")
        # Proactive evaluations (StartResourceEvaluation) are not kept by roost yet: none match.
        return {"EvaluationResults": []}
    if resource_type is None or resource_id is None:
        raise _invalid("A ResourceType and a ResourceId (or a ResourceEvaluationId) are required.")
    results = ctx.store.evaluations.results(
        ctx.source, resource_type=resource_type, resource_id=resource_id, compliance_types=wanted or None
    )
    return _page_of_results(
        "GetComplianceDetailsByResource",
        results,
        params.get("NextToken"),
        DETAILS_BY_RESOURCE_PAGE,
        key=lambda r: (r.rule_name, r.evaluation_mode),
        error_code="InvalidParameterValueException",  # the operation models no InvalidNextTokenException
    )


@operation("GetComplianceSummaryByConfigRule")
def get_compliance_summary_by_config_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    names = [rule.name for rule in ctx.store.rules.list(ctx.source)]
    counts = _rule_counts(ctx, names)
    types = [roll_up([t for t, n in counts.get(name, {}).items() if n > 0]) for name in names]
    return {
        "ComplianceSummary": {
            "CompliantResourceCount": _count(types.count(ComplianceType.COMPLIANT), SUMMARY_RULE_CAP),
            "NonCompliantResourceCount": _count(types.count(ComplianceType.NON_COMPLIANT), SUMMARY_RULE_CAP),
            "ComplianceSummaryTimestamp": ctx.clock.now(),
        }
    }


def _resource_summary(types: list[ComplianceType], now: Any) -> dict[str, Any]:
    return {
        "CompliantResourceCount": _count(types.count(ComplianceType.COMPLIANT), SUMMARY_RESOURCE_CAP),
        "NonCompliantResourceCount": _count(types.count(ComplianceType.NON_COMPLIANT), SUMMARY_RESOURCE_CAP),
        "ComplianceSummaryTimestamp": now,
    }


@operation("GetComplianceSummaryByResourceType")
def get_compliance_summary_by_resource_type(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    resource_types = list(dict.fromkeys(params.get("ResourceTypes") or []))
    counts = ctx.store.evaluations.counts_by_resource(ctx.source, resource_types=resource_types or None)
    now = ctx.clock.now()
    by_type: dict[str, list[ComplianceType]] = {}
    for (resource_type, _), per_type in counts.items():
        by_type.setdefault(resource_type, []).append(roll_up([t for t, n in per_type.items() if n > 0]))
    if not resource_types:
        # No types: one summary over every resource type (AWS leaves ResourceType out).
        everything = [t for types in by_type.values() for t in types]
        return {
            "ComplianceSummariesByResourceType": [{"ComplianceSummary": _resource_summary(everything, now)}]
        }
    return {
        "ComplianceSummariesByResourceType": [
            {
                "ResourceType": resource_type,
                "ComplianceSummary": _resource_summary(by_type.get(resource_type, []), now),
            }
            for resource_type in resource_types
        ]
    }
