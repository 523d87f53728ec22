"""Evaluations a rule's owner reports: PutEvaluations (custom rules, with a result token roost issued)
and PutExternalEvaluation (process-check rules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.compliance import (
    ComplianceType,
    ConfigRule,
    EvaluationResult,
    Owner,
    RuleEvaluationStatus,
    RuleState,
)
from roost.errors import ApiError
from roost.rules import tokens
from roost.rules.configuration import PROCESS_CHECK, no_such_rule

#: Compliance types an evaluation may report (INSUFFICIENT_DATA is a roll-up, never an input).
ACCEPTED = (ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE)
MAX_ANNOTATION = 256


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _annotation(value: str | None) -> str | None:
    if not value:
        return None
    return value[:MAX_ANNOTATION]


def _store(ctx: RequestContext, rule: ConfigRule, results: list[EvaluationResult]) -> None:
    if ctx.services.rules is not None:
        ctx.services.rules.store_results(ctx.source, results)
    else:
        ctx.store.evaluations.put(ctx.source, results)
    now = ctx.clock.now()

    def change(status: RuleEvaluationStatus) -> RuleEvaluationStatus:
        return replace(status, last_successful_evaluation_time=now, first_evaluation_started=True)

    ctx.store.rules.update_status(ctx.source, rule.name, change)


@operation("PutEvaluations")
def put_evaluations(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    token = params["ResultToken"]
    evaluations = params.get("Evaluations")
    test_mode = bool(params.get("TestMode"))
    if not token:
        raise tokens.invalid_token()
    claim = None if test_mode else tokens.verify(ctx.store, ctx.source, token)
    if evaluations is None:
        raise ApiError(
            "InvalidParameterValueException",
            "The Evaluations object in your request cannot be null."
            "Add the required parameters and try again.",
        )
    rule: ConfigRule | None = None
    if claim is not None:
        rule = ctx.store.rules.get(ctx.source, claim.rule_name)
        if rule is None or rule.state is RuleState.DELETING:
            raise no_such_rule(claim.rule_name)
        if rule.rule_id != claim.rule_id:
            raise tokens.invalid_token()  # a token of an earlier rule of the same name
    failed: list[dict[str, Any]] = []
    accepted: list[dict[str, Any]] = []
    for evaluation in evaluations:
        if evaluation["ComplianceType"] not in ACCEPTED:
            failed.append(evaluation)
        else:
            accepted.append(evaluation)
    if rule is not None and claim is not None and accepted:
        now = ctx.clock.now()
        _store(
            ctx,
            rule,
            [
                EvaluationResult(
                    rule_name=rule.name,
                    resource_type=e["ComplianceResourceType"],
                    resource_id=e["ComplianceResourceId"],
                    compliance_type=ComplianceType(e["ComplianceType"]),
                    ordering_timestamp=_when(e["OrderingTimestamp"]),
                    result_recorded_time=now,
                    config_rule_invoked_time=claim.invoked,
                    annotation=_annotation(e.get("Annotation")),
                )
                for e in accepted
            ],
        )
    if failed and rule is not None and ctx.services.rules is not None:
        # The function gets FailedEvaluations back, but users look at the rule's status.
        types = sorted({str(e["ComplianceType"]) for e in failed})
        ctx.services.rules.report_failure(
            rule,
            "InvalidParameterValueException",
            f"PutEvaluations rejected {len(failed)} evaluation(s): ComplianceType {', '.join(types)} cannot "
            "be reported (only COMPLIANT, NON_COMPLIANT and NOT_APPLICABLE).",
        )
    return {"FailedEvaluations": failed}


@operation("PutExternalEvaluation")
def put_external_evaluation(ctx: RequestContext, params: dict[str, Any]) -> None:
    name = params["ConfigRuleName"]
    rule = ctx.store.rules.get(ctx.source, name)
    if rule is None or rule.state is RuleState.DELETING:
        raise no_such_rule(name)
    if rule.source.owner is not Owner.AWS or rule.source.source_identifier != PROCESS_CHECK:
        raise ApiError(
            "InvalidParameterValueException",
            f"The rule {name} is not a process check rule: PutExternalEvaluation only reports results of "
            f"rules with the source identifier {PROCESS_CHECK}.",
        )
    evaluation = params["ExternalEvaluation"]
    if evaluation["ComplianceResourceType"] != "AWS::::Account":
        raise ApiError(
            "InvalidParameterValueException",
            f"The resource type {evaluation['ComplianceResourceType']} is invalid: a process check evaluates "
            "AWS::::Account.",
        )
    if evaluation["ComplianceResourceId"] != ctx.caller.account_id:
        raise ApiError(
            "InvalidParameterValueException",
            f"The resource id {evaluation['ComplianceResourceId']} is invalid: use the account ID.",
        )
    if evaluation["ComplianceType"] not in ACCEPTED:
        raise ApiError(
            "InvalidParameterValueException",
            f"The compliance type {evaluation['ComplianceType']} is invalid. Valid values are COMPLIANT, "
            "NON_COMPLIANT and NOT_APPLICABLE.",
        )
    now = ctx.clock.now()
    _store(
        ctx,
        rule,
        [
            EvaluationResult(
                rule_name=rule.name,
                resource_type="AWS::::Account",
                resource_id=ctx.caller.account_id,
                compliance_type=ComplianceType(evaluation["ComplianceType"]),
                ordering_timestamp=_when(evaluation["OrderingTimestamp"]),
                result_recorded_time=now,
                config_rule_invoked_time=now,
                annotation=_annotation(evaluation.get("Annotation")),
            )
        ],
    )
