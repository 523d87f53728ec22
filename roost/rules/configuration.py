"""Creating, updating and deleting config rules, with AWS's rules (the API and the CLI both come here).

- A rule needs a configuration recorder in its account and region (NoAvailableConfigurationRecorder);
  at most 1000 rules per account and region (MaxNumberOfConfigRulesExceeded).
- `AWS` rules name an identifier of AWS's catalogue and carry no SourceDetails; `CUSTOM_LAMBDA` rules
  name a Lambda function ARN and need SourceDetails; `CUSTOM_POLICY` rules need CustomPolicyDetails
  (Guard 2, policy text up to 10,000 characters) and are change-triggered only.
- A new rule gets `config-rule-<6 lowercase alphanumerics>` as id; an update (addressed by name, id or
  ARN) keeps id and ARN. A rule being deleted cannot be changed (ResourceInUse).
- Deleting a rule that still has a remediation configuration is ResourceInUse.

Breaking a rule raises ApiError with the exception name AWS answers with.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from roost.compliance import (
    ConfigRule,
    ExecutionFrequency,
    MessageType,
    Owner,
    RuleScope,
    RuleSource,
    RuleState,
    SourceDetail,
)
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.rules.catalog import catalog
from roost.rules.history import record_compliance_changes
from roost.rules.managed_rule import Trigger, load_managed_rules
from roost.store import Store

#: Config rules per account and region (the text of MaxNumberOfConfigRulesExceededException).
MAX_RULES = 1000
#: The managed rule whose results come only from PutExternalEvaluation (not in moto's catalogue).
PROCESS_CHECK = "AWS_CONFIG_PROCESS_CHECK"
#: Identifiers AWS has that the catalogue lacks.
EXTRA_IDENTIFIERS = frozenset({PROCESS_CHECK})
#: Guard's only runtime.
POLICY_RUNTIME = re.compile(r"guard-2\.x\.x")
MAX_POLICY_TEXT = 10_000
LAMBDA_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9$_-]+)?"
)

_ID_ALPHABET = string.ascii_lowercase + string.digits
_PERIODIC_MESSAGES = (MessageType.SCHEDULED, MessageType.SNAPSHOT_DELIVERY_COMPLETED)
_CHANGE_MESSAGES = (MessageType.CONFIGURATION_ITEM_CHANGE, MessageType.OVERSIZED_CONFIGURATION_ITEM_CHANGE)


@dataclass(frozen=True, slots=True)
class RuleRequest:
    """A PutConfigRule request, as the caller gave it."""

    source: RuleSource
    name: str | None = None
    rule_id: str | None = None
    arn: str | None = None
    scope: RuleScope = field(default_factory=RuleScope)
    description: str | None = None
    input_parameters: str | None = None
    maximum_execution_frequency: ExecutionFrequency | None = None
    evaluation_modes: tuple[str, ...] = ("DETECTIVE",)
    state: str | None = None
    created_by: str | None = None
    has_policy_details: bool = False


def new_rule_id() -> str:
    return "config-rule-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


def rule_request(raw: dict[str, Any]) -> RuleRequest:
    """The RuleRequest of PutConfigRule's ConfigRule shape (AWS::Config::ConfigRule's properties
    are the same shape, InputParameters given as JSON text)."""
    wire_source = raw["Source"]
    policy = wire_source.get("CustomPolicyDetails")
    frequency = raw.get("MaximumExecutionFrequency")
    scope = raw.get("Scope") or {}
    rule_source = RuleSource(
        owner=Owner(wire_source["Owner"]),
        source_identifier=wire_source.get("SourceIdentifier"),
        source_details=tuple(
            SourceDetail(
                event_source=d.get("EventSource") or "aws.config",
                message_type=MessageType(d.get("MessageType") or MessageType.CONFIGURATION_ITEM_CHANGE),
                maximum_execution_frequency=ExecutionFrequency(d["MaximumExecutionFrequency"])
                if d.get("MaximumExecutionFrequency")
                else None,
            )
            for d in wire_source.get("SourceDetails") or ()
        ),
        policy_runtime=policy.get("PolicyRuntime") if policy else None,
        policy_text=policy.get("PolicyText") if policy else None,
        enable_debug_log_delivery=bool(policy.get("EnableDebugLogDelivery")) if policy else False,
    )
    return RuleRequest(
        source=rule_source,
        name=raw.get("ConfigRuleName"),
        rule_id=raw.get("ConfigRuleId"),
        arn=raw.get("ConfigRuleArn"),
        scope=RuleScope(
            resource_types=tuple(scope.get("ComplianceResourceTypes") or ()),
            tag_key=scope.get("TagKey"),
            tag_value=scope.get("TagValue"),
            resource_id=scope.get("ComplianceResourceId"),
        ),
        description=raw.get("Description"),
        input_parameters=raw.get("InputParameters"),
        maximum_execution_frequency=ExecutionFrequency(frequency) if frequency else None,
        evaluation_modes=tuple(
            dict.fromkeys(m["Mode"] for m in raw.get("EvaluationModes") or () if m.get("Mode"))
        )
        or ("DETECTIVE",),
        state=raw.get("ConfigRuleState"),
        created_by=raw.get("CreatedBy"),
        has_policy_details=policy is not None,
    )


def no_such_rule(name: str) -> ApiError:
    return ApiError(
        "NoSuchConfigRuleException",
        f"The ConfigRule '{name}' provided in the request is invalid. Please check the configRule name",
    )


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValueException", message)


def _in_use(rule: ConfigRule) -> ApiError:
    activity = "deleted" if rule.state in (RuleState.DELETING, RuleState.DELETING_RESULTS) else "evaluated"
    return ApiError(
        "ResourceInUseException",
        f"The rule {rule.name} is currently being {activity}.  Please retry after some time",
    )


def service_owned(rule: ConfigRule) -> ApiError:
    """AWS's answer when a user changes or deletes a rule a service created (a conformance pack's)."""
    return ApiError(
        "AccessDeniedException",
        f"An AWS service owns ServiceLinkedConfigRule {rule.name} (created by {rule.created_by}). You do "
        "not have permissions to take action on this rule: change or delete its conformance pack.",
    )


def known_identifier(identifier: str) -> bool:
    return identifier in catalog() or identifier in EXTRA_IDENTIFIERS or identifier in load_managed_rules()


def periodic_capable(rule_source: RuleSource) -> bool:
    """Whether a rule can run on a schedule (and so may have a MaximumExecutionFrequency)."""
    if rule_source.owner is Owner.AWS:
        identifier = rule_source.source_identifier or ""
        managed = load_managed_rules()
        if identifier in managed:
            return Trigger.PERIODIC in managed.get(identifier).triggers
        entry = catalog().get(identifier)
        return identifier == PROCESS_CHECK or (entry is not None and entry.periodic)
    if rule_source.owner is Owner.CUSTOM_POLICY:
        return False
    return any(d.message_type in _PERIODIC_MESSAGES for d in rule_source.source_details)


def find_rule(store: Store, source: AccountRegion, *, name: str | None = None,
              rule_id: str | None = None, arn: str | None = None) -> ConfigRule | None:  # fmt: skip
    if name:
        return store.rules.get(source, name)
    for rule in store.rules.list(source):
        if (rule_id and rule.rule_id == rule_id) or (arn and rule.arn == arn):
            return rule
    return None


def _validate_source(request: RuleRequest, *, any_identifier: bool = False) -> None:
    rule_source = request.source
    identifier = rule_source.source_identifier
    if rule_source.owner is Owner.AWS:
        if not identifier or not (any_identifier or known_identifier(identifier)):
            raise _invalid(
                f"The sourceIdentifier {identifier} is invalid.  Please refer to the documentation for a "
                "list of valid sourceIdentifiers that can be used when AWS is the Owner"
            )
        if rule_source.source_details:
            raise _invalid(
                "SourceDetails should be null/empty if the owner is AWS. SourceDetails should be provided "
                "if the owner is CUSTOM_LAMBDA"
            )
    elif rule_source.owner is Owner.CUSTOM_LAMBDA:
        if not identifier or not LAMBDA_ARN.fullmatch(identifier):
            raise _invalid(
                f"The sourceIdentifier {identifier} is invalid. For a CUSTOM_LAMBDA rule it must be the ARN "
                "of an AWS Lambda function"
            )
        if not rule_source.source_details:
            raise _invalid(
                "SourceDetails should be null/empty if the owner is AWS. SourceDetails should be provided "
                "if the owner is CUSTOM_LAMBDA"
            )
    else:
        if not request.has_policy_details:
            raise _invalid("CustomPolicyDetails must be provided if the owner is CUSTOM_POLICY")
        if not POLICY_RUNTIME.fullmatch(rule_source.policy_runtime or ""):
            raise _invalid(f"The PolicyRuntime {rule_source.policy_runtime} is invalid; use guard-2.x.x")
        if len(rule_source.policy_text or "") > MAX_POLICY_TEXT:
            raise _invalid(f"The PolicyText is longer than {MAX_POLICY_TEXT} characters")
        if any(d.message_type not in _CHANGE_MESSAGES for d in rule_source.source_details):
            raise _invalid(
                "The only acceptable MessageTypes for a CUSTOM_POLICY rule are "
                "ConfigurationItemChangeNotification and OversizedConfigurationItemChangeNotification"
            )
    if rule_source.owner is not Owner.CUSTOM_POLICY and request.has_policy_details:
        raise _invalid("CustomPolicyDetails may only be provided if the owner is CUSTOM_POLICY")
    for detail in rule_source.source_details:
        if detail.maximum_execution_frequency is not None and detail.message_type in _CHANGE_MESSAGES:
            raise _invalid(
                "A maximum execution frequency is not allowed if MessageType is "
                "ConfigurationItemChangeNotification or OversizedConfigurationItemChangeNotification"
            )


def _validate_parameters(request: RuleRequest, *, catalogue: bool = True) -> None:
    """InputParameters is a JSON object; an AWS rule's names are the ones it takes. Without `catalogue`
    only the rules roost implements are checked (a pack's rule roost does not run may take a newer
    parameter than the catalogue knows)."""
    if request.input_parameters is None:
        return
    try:
        given = json.loads(request.input_parameters)
    except ValueError:
        raise _invalid(
            f"Invalid json {request.input_parameters} passed in the InputParameters field"
        ) from None
    if not isinstance(given, dict):
        raise _invalid(f"Invalid json {request.input_parameters} passed in the InputParameters field")
    if request.source.owner is not Owner.AWS:
        return
    identifier = request.source.source_identifier or ""
    entry = catalog().get(identifier) if catalogue else None
    managed = load_managed_rules()
    declared = {p.name: p.optional for p in entry.parameters} if entry else {}
    if identifier in managed:
        declared.update({p.name: p.optional for p in managed.get(identifier).parameters})
    if entry is None and identifier not in managed:
        return  # an identifier the catalogue lacks: its parameters are not known
    unknown = set(given) - set(declared)
    if unknown:
        raise _invalid(f"Unknown parameters provided in the inputParameters: {request.input_parameters}")
    missing = sorted(n for n, optional in declared.items() if not optional and n not in given)
    if missing:
        raise _invalid(f"The required parameter [{', '.join(missing)}] is not present in the inputParameters")


def check_request(request: RuleRequest, *, any_identifier: bool = False) -> None:
    if request.state is not None and request.state != RuleState.ACTIVE.value:
        raise _invalid(
            f"The ConfigRuleState {request.state} is invalid.  "
            "Only the following values are permitted: ACTIVE"
        )
    if request.created_by:
        raise _invalid(
            "AWS Config populates the CreatedBy field for ServiceLinkedConfigRule. Try again without "
            "populating the CreatedBy field"
        )
    _validate_source(request, any_identifier=any_identifier)
    _validate_parameters(request, catalogue=not any_identifier)
    scope = request.scope
    if scope.resource_id is not None and len(scope.resource_types) != 1:
        raise _invalid(
            "A ComplianceResourceId can only be specified with exactly one ComplianceResourceTypes value"
        )
    if scope.tag_value is not None and scope.tag_key is None:
        raise _invalid("A TagValue can only be specified with a TagKey")
    if request.maximum_execution_frequency is not None and not periodic_capable(request.source):
        raise _invalid(
            "A maximum execution frequency is not allowed for rules triggered by configuration changes"
        )
    for mode in request.evaluation_modes:
        if mode == "PROACTIVE" and request.source.owner is not Owner.AWS:
            raise _invalid("The PROACTIVE evaluation mode is only supported by AWS managed rules")


def put_rule(
    store: Store,
    source: AccountRegion,
    request: RuleRequest,
    *,
    now: datetime,
    service: str | None = None,
    any_identifier: bool = False,
) -> tuple[ConfigRule, bool]:
    """Create or update a rule; returns it and whether it was created.

    `service` puts a service-linked rule (a conformance pack's: CreatedBy is the service, and only the
    service may change or delete it). `any_identifier` accepts an AWS identifier roost does not know
    (a published pack may name a rule newer than roost's catalogue: the rule then reports that roost
    does not implement it, instead of failing the whole pack)."""
    if not request.name and not request.rule_id and not request.arn:
        raise _invalid("One or more identifiers needs to be provided. Provide Name or Id or Arn")
    existing = find_rule(store, source, name=request.name, rule_id=request.rule_id, arn=request.arn)
    if existing is None and not request.name:
        raise _invalid("One or more identifiers needs to be provided. Provide Name or Id or Arn")
    if existing is None and (request.rule_id or request.arn):
        raise _invalid(
            "ConfigRule Arn and Id can not be specified when creating a new ConfigRule. "
            "ConfigRule Arn and Id are generated by the service. "
            "Please try the request again without specifying ConfigRule Arn or Id"
        )
    if existing is not None:
        if (request.rule_id and request.rule_id != existing.rule_id) or (
            request.arn and request.arn != existing.arn
        ):
            raise _invalid("The ConfigRuleName, ConfigRuleId and ConfigRuleArn do not name the same rule")
        if existing.created_by != service:
            raise (
                service_owned(existing)
                if existing.created_by
                else _invalid(f"The rule {existing.name} is not one {service} created.")
            )
        if existing.state is not RuleState.ACTIVE:
            raise _in_use(existing)
    check_request(request, any_identifier=any_identifier)
    if store.recorders.get(source) is None:
        raise ApiError(
            "NoAvailableConfigurationRecorderException",
            "Configuration recorder is not available to put config rule.",
        )
    if existing is None and store.rules.count(source) >= MAX_RULES:
        raise ApiError(
            "MaxNumberOfConfigRulesExceededException",
            f"Failed to put config rule '{request.name}' because the maximum number of config rules: "
            f"{MAX_RULES} is reached.",
        )
    rule = _defined(source, request, existing, service)
    store.rules.put(rule, now=now)
    return rule, existing is None


def _defined(
    source: AccountRegion, request: RuleRequest, existing: ConfigRule | None, service: str | None
) -> ConfigRule:
    """The rule `request` defines (an existing one keeps its name, id and state)."""
    return ConfigRule(
        account_id=source.account_id,
        region=source.region,
        name=existing.name if existing is not None else str(request.name),
        rule_id=existing.rule_id if existing is not None else new_rule_id(),
        source=request.source,
        scope=request.scope,
        description=request.description,
        input_parameters=request.input_parameters or "{}",
        maximum_execution_frequency=request.maximum_execution_frequency,
        evaluation_modes=request.evaluation_modes or ("DETECTIVE",),
        created_by=service,
        state=existing.state if existing is not None else RuleState.ACTIVE,
    )


def unchanged(existing: ConfigRule, request: RuleRequest, *, service: str | None = None) -> bool:
    """Whether putting `request` over `existing` would change nothing of its definition."""
    source = AccountRegion(existing.account_id, existing.region)
    return _defined(source, request, existing, service) == existing


def delete_rule(
    store: Store,
    source: AccountRegion,
    name: str,
    *,
    now: datetime,
    service: str | None = None,
    resume: bool = False,
) -> ConfigRule:
    """Delete a rule with its results and status (AWS does it asynchronously; roost at once).

    A service-linked rule is deleted only by its service (`service`). `resume`: a rule found
    DELETING is one whose deletion a dead process left half done (the caller knows no live one is at
    it): its deletion is finished instead of refused."""
    rule = store.rules.get(source, name)
    if rule is None:
        raise no_such_rule(name)
    if rule.created_by and rule.created_by != service:
        raise service_owned(rule)
    if rule.state is RuleState.DELETING and not resume:
        raise _in_use(rule)
    if store.remediation.configurations(source, [name]):
        raise ApiError(
            "ResourceInUseException",
            f"The rule {name} has a remediation configuration: delete it first "
            "(DeleteRemediationConfiguration).",
        )
    deleting = store.rules.set_state(rule, RuleState.DELETING)
    removed = store.evaluations.results(source, rule_names=[name])
    store.rules.delete(deleting)
    # The resources it judged have one rule fewer: their compliance history says so.
    record_compliance_changes(store, source, removed, now=now)
    return deleting


def delete_results(store: Store, source: AccountRegion, name: str, *, now: datetime) -> ConfigRule:
    """DeleteEvaluationResults: wipe a rule's results (they come back on its next evaluation)."""
    rule = store.rules.get(source, name)
    if rule is None:
        raise no_such_rule(name)
    if rule.state is not RuleState.ACTIVE:
        raise _in_use(rule)
    clearing = store.rules.set_state(rule, RuleState.DELETING_RESULTS)
    try:
        removed = store.evaluations.results(source, rule_names=[name])
        store.evaluations.delete(source, name)
        record_compliance_changes(store, source, removed, now=now)
    finally:
        store.rules.set_state(clearing, RuleState.ACTIVE)
    return replace(clearing, state=RuleState.ACTIVE)
