"""Config rules: Put, Describe, Delete, StartConfigRulesEvaluation, DescribeConfigRuleEvaluationStatus,
DeleteEvaluationResults, GetCustomRulePolicy. AWS's rules live in roost/rules/configuration.py."""

from __future__ import annotations

from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.operations.tags import check_tags, forget_tags, tag_on_create, taggable
from roost.api.pagination import decode_token, encode_token, page_size
from roost.compliance import (
    ConfigRule,
    Owner,
    RuleState,
)
from roost.errors import ApiError
from roost.rules import configuration
from roost.rules.configuration import PROCESS_CHECK, no_such_rule, rule_request

#: DescribeConfigRules answers 25 rules a page (AWS's page size; the call takes no limit).
DESCRIBE_PAGE = 25
#: DescribeConfigRuleEvaluationStatus: Limit 0..50, default 50.
STATUS_PAGE = 50


@taggable("config-rule")
def _config_rule_exists(ctx: RequestContext, arn: str) -> bool:
    return any(rule.arn == arn for rule in ctx.store.rules.list(ctx.source))


# --- the wire ----------------------------------------------------------------------------------


def rule_to_wire(rule: ConfigRule) -> dict[str, Any]:
    scope: dict[str, Any] = {}
    if rule.scope.resource_types:
        scope["ComplianceResourceTypes"] = list(rule.scope.resource_types)
    if rule.scope.tag_key is not None:
        scope["TagKey"] = rule.scope.tag_key
    if rule.scope.tag_value is not None:
        scope["TagValue"] = rule.scope.tag_value
    if rule.scope.resource_id is not None:
        scope["ComplianceResourceId"] = rule.scope.resource_id
    wire_source: dict[str, Any] = {"Owner": rule.source.owner.value}
    if rule.source.source_identifier is not None and rule.source.owner is not Owner.CUSTOM_POLICY:
        wire_source["SourceIdentifier"] = rule.source.source_identifier
    if rule.source.owner is Owner.CUSTOM_POLICY:
        wire_source["SourceIdentifier"] = "CUSTOM_POLICY"
    if rule.source.source_details:
        wire_source["SourceDetails"] = [
            {
                "EventSource": d.event_source,
                "MessageType": d.message_type.value,
                "MaximumExecutionFrequency": d.maximum_execution_frequency.value
                if d.maximum_execution_frequency
                else None,
            }
            for d in rule.source.source_details
        ]
    if rule.source.owner is Owner.CUSTOM_POLICY:
        # AWS leaves the policy text out here: GetCustomRulePolicy returns it.
        wire_source["CustomPolicyDetails"] = {
            "PolicyRuntime": rule.source.policy_runtime,
            "EnableDebugLogDelivery": rule.source.enable_debug_log_delivery,
        }
    return {
        "ConfigRuleName": rule.name,
        "ConfigRuleArn": rule.arn,
        "ConfigRuleId": rule.rule_id,
        "Description": rule.description,
        "Scope": scope or None,
        "Source": wire_source,
        "InputParameters": rule.input_parameters if rule.input_parameters not in ("", "{}") else None,
        "MaximumExecutionFrequency": rule.maximum_execution_frequency.value
        if rule.maximum_execution_frequency
        else None,
        "ConfigRuleState": rule.state.value,
        "CreatedBy": rule.created_by,
        "EvaluationModes": [{"Mode": mode} for mode in rule.evaluation_modes],
    }


# --- helpers -----------------------------------------------------------------------------------


def _rule(ctx: RequestContext, name: str | None) -> ConfigRule:
    rule = ctx.store.rules.get(ctx.source, name) if name else None
    if rule is None or rule.state is RuleState.DELETING:
        raise no_such_rule(name or "")
    return rule


def _named(ctx: RequestContext, names: list[str]) -> list[ConfigRule]:
    """The named rules (all of the caller's if none is named); an unknown name is NoSuchConfigRule."""
    if not names:
        return ctx.store.rules.list(ctx.source)
    return sorted((_rule(ctx, name) for name in dict.fromkeys(names)), key=lambda r: r.name)


def evaluate(ctx: RequestContext, rule: ConfigRule) -> None:
    """Evaluate a rule: in the background when the server has a runner, else in this request."""
    if rule.source.owner is Owner.AWS and rule.source.source_identifier == PROCESS_CHECK:
        return  # a process check's results come only from PutExternalEvaluation
    if ctx.services.evaluate_rule is not None:
        ctx.services.evaluate_rule(rule)
    elif ctx.services.rules is not None:
        ctx.services.rules.evaluate_rule(rule)


def _after_name(operation_name: str, token: str | None) -> str | None:
    position = decode_token(operation_name, token)
    if position is not None and not isinstance(position, str):
        raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
    return position


# --- operations --------------------------------------------------------------------------------


@operation("PutConfigRule")
def put_config_rule(ctx: RequestContext, params: dict[str, Any]) -> None:
    request = rule_request(params["ConfigRule"])
    _check_function(ctx, request.source.owner, request.source.source_identifier)
    tags = params.get("Tags") or []
    # PutConfigRule models no TooManyTagsException: the model caps Tags at 50 (ValidationException
    # before the handler runs), so a tag error here can only be a ValidationException.
    try:
        check_tags(tags)
    except ApiError as error:
        raise ApiError("ValidationException", error.message) from None
    rule, created = configuration.put_rule(ctx.store, ctx.source, request, now=ctx.clock.now())
    if created:
        try:
            tag_on_create(ctx, rule.arn, tags)
        except ApiError as error:
            raise ApiError("ValidationException", error.message) from None
    evaluate(ctx, rule)


def _check_function(ctx: RequestContext, owner: Owner, identifier: str | None) -> None:
    """A CUSTOM_LAMBDA rule must name a function roost hosts (AWS: one Config can invoke)."""
    host = ctx.services.functions
    if (
        owner is not Owner.CUSTOM_LAMBDA
        or host is None
        or not identifier
        or not identifier.startswith("arn:")
    ):
        return  # a malformed identifier is put_rule's to refuse, with AWS's message
    if host.find_own(ctx.source, identifier) is None:
        raise ApiError(
            "InsufficientPermissionsException",
            f"The AWS Lambda function {identifier} cannot be invoked. Check the specified function ARN, "
            "and check the function's permissions.",
        )


@operation("DescribeConfigRules")
def describe_config_rules(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    after = _after_name("DescribeConfigRules", params.get("NextToken"))
    rules = _named(ctx, params.get("ConfigRuleNames") or [])
    filters = params.get("Filters") or {}
    if filters.get("EvaluationMode"):
        rules = [r for r in rules if filters["EvaluationMode"] in r.evaluation_modes]
    if filters.get("RuleEvaluationVisibility") == "INTERNAL":
        rules = []  # roost's rules are all EXTERNAL: their evaluations can be read
    if after is not None:
        rules = [r for r in rules if r.name > after]
    page = rules[:DESCRIBE_PAGE]
    return {
        "ConfigRules": [rule_to_wire(r) for r in page],
        "NextToken": encode_token("DescribeConfigRules", page[-1].name)
        if len(rules) > DESCRIBE_PAGE
        else None,
    }


@operation("DeleteConfigRule")
def delete_config_rule(ctx: RequestContext, params: dict[str, Any]) -> None:
    rule = configuration.delete_rule(ctx.store, ctx.source, params["ConfigRuleName"], now=ctx.clock.now())
    forget_tags(ctx, rule.arn)


@operation("StartConfigRulesEvaluation")
def start_config_rules_evaluation(ctx: RequestContext, params: dict[str, Any]) -> None:
    names = params.get("ConfigRuleNames")
    if not names:
        raise ApiError("InvalidParameterValueException", "Provide between 1 and 25 ConfigRuleNames.")
    rules = [_rule(ctx, name) for name in dict.fromkeys(names)]
    for rule in rules:
        if rule.state is not RuleState.ACTIVE:
            raise ApiError(
                "ResourceInUseException",
                f"The rule {rule.name} is currently being deleted.  Please retry after some time",
            )
    for rule in rules:
        # EVALUATING until the engine has run it (it sets the rule ACTIVE again), as AWS shows it.
        evaluate(ctx, ctx.store.rules.set_state(rule, RuleState.EVALUATING))


@operation("DescribeConfigRuleEvaluationStatus")
def describe_config_rule_evaluation_status(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    limit = page_size(params.get("Limit"), default=STATUS_PAGE, maximum=STATUS_PAGE)
    after = _after_name("DescribeConfigRuleEvaluationStatus", params.get("NextToken"))
    rules = _named(ctx, params.get("ConfigRuleNames") or [])
    if after is not None:
        rules = [r for r in rules if r.name > after]
    page = rules[:limit]
    statuses = []
    for rule in page:
        status = ctx.store.rules.status(ctx.source, rule.name)
        if status is None:
            continue
        statuses.append(
            {
                "ConfigRuleName": rule.name,
                "ConfigRuleArn": rule.arn,
                "ConfigRuleId": rule.rule_id,
                "LastSuccessfulInvocationTime": status.last_successful_invocation_time,
                "LastFailedInvocationTime": status.last_failed_invocation_time,
                "LastSuccessfulEvaluationTime": status.last_successful_evaluation_time,
                "LastFailedEvaluationTime": status.last_failed_evaluation_time,
                "FirstActivatedTime": status.first_activated_time,
                "LastDeactivatedTime": status.last_deactivated_time,
                "LastErrorCode": status.last_error_code,
                "LastErrorMessage": status.last_error_message,
                "FirstEvaluationStarted": status.first_evaluation_started,
                "LastDebugLogDeliveryStatus": status.last_debug_log_delivery_status,
            }
        )
    return {
        "ConfigRulesEvaluationStatus": statuses,
        "NextToken": encode_token("DescribeConfigRuleEvaluationStatus", page[-1].name)
        if len(rules) > limit
        else None,
    }


@operation("DeleteEvaluationResults")
def delete_evaluation_results(ctx: RequestContext, params: dict[str, Any]) -> None:
    configuration.delete_results(ctx.store, ctx.source, params["ConfigRuleName"], now=ctx.clock.now())


@operation("GetCustomRulePolicy")
def get_custom_rule_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    rule = _rule(ctx, params.get("ConfigRuleName"))
    if rule.source.owner is not Owner.CUSTOM_POLICY:
        return {}
    return {"PolicyText": rule.source.policy_text or ""}
