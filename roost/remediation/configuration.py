"""Building a remediation configuration from PutRemediationConfigurations' shape, with AWS's checks.

The API and conformance packs both come here: a configuration names an automation document roost
implements (roost/remediation/documents/) with parameters it takes; Automatic ones need a static
AutomationAssumeRole of the rule's own account. A rule a service created (a conformance pack's) takes
a configuration only from that service (`service_linked`).
"""

from __future__ import annotations

import uuid
from typing import Any

from roost.errors import ApiError
from roost.model import AccountRegion
from roost.remediation.document import ASSUME_ROLE, ParameterError, load_documents
from roost.remediation.model import RESOURCE_ID, ParameterValue, RemediationConfiguration
from roost.store import Store


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValueException", message)


def build_configuration(
    store: Store,
    source: AccountRegion,
    raw: dict[str, Any],
    *,
    service: str | None = None,
    planned: bool = False,
) -> RemediationConfiguration:
    """The configuration `raw` (wire casing) asks for, checked; InvalidParameterValue if it is wrong.

    `service` is the service putting it (a conformance pack); only it may configure its own rules.
    A service's configuration is taken as AWS takes a published pack's: a document roost does not
    implement yet, or an AutomationAssumeRole with a placeholder such as `<Account-Id>`, is stored
    and fails when it runs, with that reason in its execution status (the engine checks the role's
    account again before every run).
    `planned`: the rule is about to be created with it (a pack checks everything before it deploys)."""
    rule_name = raw["ConfigRuleName"]
    rule = store.rules.get(source, rule_name)
    if rule is None and not planned:
        raise _invalid(f"The config rule {rule_name} does not exist: create it before its remediation.")
    if rule is not None and rule.created_by and rule.created_by != service:
        raise _invalid(
            f"The rule {rule_name} was created by {rule.created_by}: a service-linked rule takes no "
            "remediation configuration."
        )
    target = raw["TargetId"]
    documents = load_documents()
    if target not in documents and service is None:
        raise _invalid(
            f"The automation document {target} does not exist in roost (`roost remediation documents` "
            "lists the ones it runs)."
        )
    parameters: dict[str, ParameterValue] = {}
    for name, value in (raw.get("Parameters") or {}).items():
        resource, static = value.get("ResourceValue"), value.get("StaticValue")
        if (resource is None) == (static is None):
            raise _invalid(f"The parameter {name} needs exactly one of ResourceValue and StaticValue.")
        if resource is not None:
            if resource.get("Value") != RESOURCE_ID:
                raise _invalid(f"The ResourceValue of {name} must be {RESOURCE_ID}.")
            parameters[name] = ParameterValue(resource_value=RESOURCE_ID)
        else:
            parameters[name] = ParameterValue(static_values=tuple(static.get("Values") or ()))
    try:
        if target in documents:
            _check_names(documents.get(target), parameters)
    except ParameterError as exc:
        raise _invalid(str(exc)) from None
    role = parameters.get(ASSUME_ROLE)
    for arn in (role.static_values or ()) if role is not None and service is None else ():
        account = arn.split(":")[4] if arn.count(":") >= 5 else ""
        if arn and account != source.account_id:
            raise _invalid(
                f"The AutomationAssumeRole {arn} is not a role of account {source.account_id}: a "
                "remediation acts only on its own account."
            )
    automatic = bool(raw.get("Automatic"))
    if automatic and (role is None or not role.static_values or not role.static_values[0]):
        raise _invalid(
            "Automatic remediation needs the parameter AutomationAssumeRole as a StaticValue: the role "
            "the document runs as."
        )
    existing = [
        c
        for c in store.remediation.configurations(source, [rule_name])
        if (c.resource_type or None) == (raw.get("ResourceType") or None)
    ]
    arn = (
        existing[0].arn
        if existing
        else f"arn:aws:config:{source.region}:{source.account_id}:remediation-configuration/"
        f"{rule_name}/{uuid.uuid4()}"
    )
    controls = (raw.get("ExecutionControls") or {}).get("SsmControls") or {}
    return RemediationConfiguration(
        account_id=source.account_id,
        region=source.region,
        config_rule_name=rule_name,
        target_id=target,
        arn=arn,
        target_type=raw["TargetType"],
        target_version=raw.get("TargetVersion"),
        parameters=parameters,
        resource_type=raw.get("ResourceType") or None,
        automatic=automatic,
        concurrent_execution_rate_percentage=controls.get("ConcurrentExecutionRatePercentage"),
        error_percentage=controls.get("ErrorPercentage"),
        maximum_automatic_attempts=raw.get("MaximumAutomaticAttempts"),
        retry_attempt_seconds=raw.get("RetryAttemptSeconds"),
        created_by_service=service,
    )


def _check_names(document: Any, parameters: dict[str, ParameterValue]) -> None:
    """Every parameter given is the document's, and every parameter it requires is given."""
    known = {p.name for p in document.parameters}
    unknown = sorted(set(parameters) - known)
    if unknown:
        raise ParameterError(
            f"{', '.join(unknown)}: not a parameter of {document.name} (it takes {', '.join(sorted(known))})."
        )
    missing = [p.name for p in document.parameters if p.required and p.name not in parameters]
    if missing:
        raise ParameterError(f"The document {document.name} needs the parameter(s) {', '.join(missing)}.")
