"""Remediation: configurations, exceptions and executions (the 8 operations of AWS Config's area F).

A configuration names an automation document roost implements (roost/remediation/documents/) and
its parameters; Automatic ones need a static AutomationAssumeRole, as AWS requires. Executions run
in the background on the remediation engine; their status is the newest execution per resource.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.pagination import paged
from roost.compliance import ComplianceType
from roost.errors import ApiError
from roost.model import ResourceKey
from roost.remediation.configuration import build_configuration
from roost.remediation.model import (
    Execution,
    RemediationConfiguration,
    RemediationException,
)

PAGE = 100


def _by_resource(found: RemediationException | Execution) -> list[str]:
    return [found.resource_type, found.resource_id]


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValueException", message)


def _no_config(rule_name: str) -> ApiError:
    return ApiError(
        "NoSuchRemediationConfigurationException",
        f"No RemediationConfiguration for rule exists: {rule_name}.",
    )


# --- configurations ------------------------------------------------------------------------------


def config_to_wire(config: RemediationConfiguration) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    for name, value in config.parameters.items():
        if value.resource_value is not None:
            parameters[name] = {"ResourceValue": {"Value": value.resource_value}}
        else:
            parameters[name] = {"StaticValue": {"Values": list(value.static_values or ())}}
    controls = {
        k: v
        for k, v in (
            ("ConcurrentExecutionRatePercentage", config.concurrent_execution_rate_percentage),
            ("ErrorPercentage", config.error_percentage),
        )
        if v is not None
    }
    return {
        "ConfigRuleName": config.config_rule_name,
        "TargetType": config.target_type,
        "TargetId": config.target_id,
        "TargetVersion": config.target_version,
        "Parameters": parameters,
        "ResourceType": config.resource_type,
        "Automatic": config.automatic,
        "ExecutionControls": {"SsmControls": controls} if controls else None,
        "MaximumAutomaticAttempts": config.attempts,
        "RetryAttemptSeconds": config.retry_window_seconds,
        "Arn": config.arn,
        "CreatedByService": config.created_by_service,
    }


@operation("PutRemediationConfigurations")
def put_remediation_configurations(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    configs = [build_configuration(ctx.store, ctx.source, raw) for raw in params["RemediationConfigurations"]]
    for config in configs:  # all checked before any is stored: a batch is taken whole or not at all
        ctx.store.remediation.put_configuration(config)
    engine = ctx.services.remediation
    if engine is not None and any(c.automatic for c in configs):
        # AWS starts remediating the rule's NON_COMPLIANT resources as soon as it turns automatic.
        ctx.services.run_soon(engine.sweep)
    return {"FailedBatches": []}


@operation("DescribeRemediationConfigurations")
def describe_remediation_configurations(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    names = params["ConfigRuleNames"]
    configs = ctx.store.remediation.configurations(ctx.source, names)
    return {"RemediationConfigurations": [config_to_wire(c) for c in configs]}


@operation("DeleteRemediationConfiguration")
def delete_remediation_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    rule_name = params["ConfigRuleName"]
    configs = ctx.store.remediation.configurations(ctx.source, [rule_name])
    if not configs:
        raise _no_config(rule_name)
    owned = [c for c in configs if c.created_by_service]
    if owned:
        raise ApiError(
            "AccessDeniedException",
            f"The remediation configuration of {rule_name} was created by {owned[0].created_by_service}: "
            "change or delete its conformance pack.",
        )
    if any(not e.state.finished for e in ctx.store.remediation.latest_executions(ctx.source, rule_name)):
        raise ApiError(
            "RemediationInProgressException",
            f"A remediation of the rule {rule_name} is in progress: delete its configuration once it "
            "is over.",
        )
    if not ctx.store.remediation.delete_configuration(ctx.source, rule_name, params.get("ResourceType")):
        raise _no_config(rule_name)


# --- exceptions ----------------------------------------------------------------------------------


def _exception_to_wire(exception: RemediationException) -> dict[str, Any]:
    return {
        "ConfigRuleName": exception.config_rule_name,
        "ResourceType": exception.resource_type,
        "ResourceId": exception.resource_id,
        "Message": exception.message,
        "ExpirationTime": exception.expiration_time,
    }


def _keys(params: dict[str, Any]) -> list[tuple[str, str]]:
    keys = []
    for key in params.get("ResourceKeys") or []:
        if not key.get("ResourceType") or not key.get("ResourceId"):
            raise _invalid("Each resource key needs a ResourceType and a ResourceId.")
        keys.append((key["ResourceType"], key["ResourceId"]))
    return keys


@operation("PutRemediationExceptions")
def put_remediation_exceptions(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    rule_name = params["ConfigRuleName"]
    if ctx.store.rules.get(ctx.source, rule_name) is None:
        raise _invalid(f"The config rule {rule_name} does not exist.")
    raw_expiration = params.get("ExpirationTime")
    expiration: datetime | None = (  # the JSON protocol sends a timestamp as epoch seconds
        datetime.fromtimestamp(raw_expiration, tz=UTC)
        if isinstance(raw_expiration, int | float)
        else raw_expiration
    )
    if expiration is not None and expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    compliance = {
        (r.resource_type, r.resource_id): r.compliance_type
        for r in ctx.store.evaluations.results(ctx.source, rule_names=[rule_name])
    }
    accepted: list[RemediationException] = []
    refused: list[RemediationException] = []
    for resource_type, resource_id in _keys(params):
        exception = RemediationException(
            ctx.source.account_id,
            ctx.source.region,
            rule_name,
            resource_type,
            resource_id,
            params.get("Message"),
            expiration,
        )
        # Exceptions are for resources the rule flags: none is made for a compliant or exempt one.
        if compliance.get((resource_type, resource_id)) in (
            ComplianceType.COMPLIANT,
            ComplianceType.NOT_APPLICABLE,
        ):
            refused.append(exception)
        else:
            accepted.append(exception)
    ctx.store.remediation.put_exceptions(accepted)
    batches = (
        [
            {
                "FailureMessage": "Remediation exceptions are only created for NON_COMPLIANT resources.",
                "FailedItems": [_exception_to_wire(e) for e in refused],
            }
        ]
        if refused
        else []
    )
    return {"FailedBatches": batches}


@operation("DescribeRemediationExceptions")
def describe_remediation_exceptions(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    rule_name = params["ConfigRuleName"]
    found = ctx.store.remediation.exceptions(ctx.source, rule_name, now=ctx.clock.now())
    wanted = _keys(params)
    if wanted:  # named resources: no paging, as AWS
        chosen = set(wanted)
        return {
            "RemediationExceptions": [
                _exception_to_wire(e) for e in found if (e.resource_type, e.resource_id) in chosen
            ]
        }
    page, token = paged(
        "DescribeRemediationExceptions",
        found,
        params.get("NextToken"),
        params.get("Limit") or PAGE,
        _by_resource,
    )
    return {"RemediationExceptions": [_exception_to_wire(e) for e in page], "NextToken": token}


@operation("DeleteRemediationExceptions")
def delete_remediation_exceptions(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    rule_name = params["ConfigRuleName"]
    keys = _keys(params)
    existing = {
        (e.resource_type, e.resource_id) for e in ctx.store.remediation.exceptions(ctx.source, rule_name)
    }
    missing = [k for k in keys if k not in existing]
    if len(missing) == len(keys):
        raise ApiError(
            "NoSuchRemediationExceptionException",
            f"No remediation exception of the rule {rule_name} exists for the given resources.",
        )
    ctx.store.remediation.delete_exceptions(ctx.source, rule_name, [k for k in keys if k in existing])
    batches = (
        [
            {
                "FailureMessage": "No remediation exception exists for these resources.",
                "FailedItems": [{"ResourceType": t, "ResourceId": i} for t, i in missing],
            }
        ]
        if missing
        else []
    )
    return {"FailedBatches": batches}


# --- executions ----------------------------------------------------------------------------------


@operation("StartRemediationExecution")
def start_remediation_execution(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    rule_name = params["ConfigRuleName"]
    if not ctx.store.remediation.configurations(ctx.source, [rule_name]):
        raise _no_config(rule_name)
    keys = [ResourceKey(k["resourceType"], k["resourceId"]) for k in params["ResourceKeys"]]
    engine = ctx.services.remediation
    if engine is None:
        refused = [(k, "This roost runs no remediation engine.") for k in keys]
    else:
        _, refused = engine.start(ctx.source, rule_name, keys)
    if not refused:
        return {"FailedItems": []}
    return {
        "FailureMessage": refused[0][1],
        "FailedItems": [{"resourceType": k.resource_type, "resourceId": k.resource_id} for k, _ in refused],
    }


def execution_to_wire(execution: Execution) -> dict[str, Any]:
    return {
        "ResourceKey": {"resourceType": execution.resource_type, "resourceId": execution.resource_id},
        "State": execution.state.value,
        "StepDetails": [
            {
                "Name": step.name,
                "State": step.state.value,
                "ErrorMessage": step.error_message,
                "StartTime": step.start_time,
                "StopTime": step.stop_time,
            }
            for step in execution.steps
        ],
        "InvocationTime": execution.invocation_time,
        "LastUpdatedTime": execution.last_updated_time,
    }


@operation("DescribeRemediationExecutionStatus")
def describe_remediation_execution_status(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    rule_name = params["ConfigRuleName"]
    if not ctx.store.remediation.configurations(ctx.source, [rule_name]):
        raise _no_config(rule_name)
    latest = ctx.store.remediation.latest_executions(ctx.source, rule_name)
    wanted = {(k["resourceType"], k["resourceId"]) for k in params.get("ResourceKeys") or []}
    if wanted:
        latest = [e for e in latest if (e.resource_type, e.resource_id) in wanted]
    page, token = paged(
        "DescribeRemediationExecutionStatus",
        latest,
        params.get("NextToken"),
        params.get("Limit") or PAGE,
        _by_resource,
    )
    return {"RemediationExecutionStatuses": [execution_to_wire(e) for e in page], "NextToken": token}
