"""The remediation part of a rule's page: its remediation action (set, shown, removed), Remediate on
the ticked resources, and the executions' status."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from roost.remediation.document import ASSUME_ROLE, AutomationDocument, load_documents
from roost.rules.catalog import catalog
from roost.rules.managed_rule import load_managed_rules
from roost.web.app import Page, page
from roost.web.pages.rules import rule_url, show_rule

KEYS_PER_CALL = 100
"""StartRemediationExecution takes at most 100 resource keys."""


def documents() -> list[type[AutomationDocument]]:
    return [document for _, document in load_documents().items()]


def remediation_context(p: Page, rule: dict[str, Any]) -> dict[str, Any]:
    """What the rule page shows of remediation: the configuration, the form to set it, executions."""
    name = rule["ConfigRuleName"]
    configs = (p.attempt("DescribeRemediationConfigurations", ConfigRuleNames=[name]) or {}).get(
        "RemediationConfigurations"
    ) or []
    current = configs[0] if configs else None
    executions: list[dict[str, Any]] = []
    if current is not None:
        answer = p.attempt("DescribeRemediationExecutionStatus", ConfigRuleName=name, Limit=100) or {}
        executions = sorted(
            answer.get("RemediationExecutionStatuses") or [],
            key=lambda e: -float(e.get("LastUpdatedTime") or 0),
        )
    posted = p.form if p.request.url.path.endswith("/remediation") else {}
    registry = load_documents()
    scope_types = rule_types(rule)
    wanted = p.query("document") or str(posted.get("document") or "") or (current or {}).get("TargetId") or ""
    if wanted not in registry:
        wanted = default_document(scope_types)
    document = registry.get(wanted)
    same = current is not None and current.get("TargetId") == document.name
    return {
        "configs": configs,
        "current": current,
        "executions": executions,
        "documents": documents(),
        "document": document,
        "parameters": parameter_rows(document, current if same else None, posted),
        "resource_type": str(
            posted.get("resource_type")
            if posted
            else (current or {}).get("ResourceType")
            or (scope_types[0] if scope_types else "")
            or (document.resource_types[0] if document.resource_types else "")
        ),
        "automatic": bool(posted.get("automatic")) if posted else bool((current or {}).get("Automatic")),
        "attempts": str(
            posted.get("attempts", "") if posted else (current or {}).get("MaximumAutomaticAttempts") or ""
        ),
        "retry_seconds": str(
            posted.get("retry_seconds", "") if posted else (current or {}).get("RetryAttemptSeconds") or ""
        ),
    }


def rule_types(rule: dict[str, Any]) -> list[str]:
    """The resource types a rule judges: its scope, else those of the managed rule."""
    scoped = list((rule.get("Scope") or {}).get("ComplianceResourceTypes") or [])
    identifier = str((rule.get("Source") or {}).get("SourceIdentifier") or "")
    if scoped or (rule.get("Source") or {}).get("Owner") != "AWS":
        return scoped
    managed = load_managed_rules()
    if identifier in managed:
        return list(managed.get(identifier).resource_types)
    entry = catalog().get(identifier)
    return list(entry.resource_types) if entry else []


def default_document(scope_types: list[str]) -> str:
    """A document that fixes the rule's resource type, else the first."""
    every = documents()
    for document in every:
        if set(document.resource_types) & set(scope_types):
            return document.name
    return every[0].name


def parameter_rows(
    document: type[AutomationDocument], current: dict[str, Any] | None, posted: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each document parameter with its choice: the resource ID, or a static value."""
    rows = []
    resource_taken = False
    configured = (current or {}).get("Parameters") or {}
    for parameter in document.parameters:
        default = parameter.default
        default_text = ",".join(default) if isinstance(default, list) else str(default or "")
        if posted:
            mode = str(posted.get(f"mode.{parameter.name}") or "static")
            value = str(posted.get(f"value.{parameter.name}") or "")
        elif parameter.name in configured:
            given = configured[parameter.name]
            mode = "resource" if given.get("ResourceValue") else "static"
            value = ",".join((given.get("StaticValue") or {}).get("Values") or []) or default_text
        elif parameter.required and parameter.name != ASSUME_ROLE and not resource_taken:
            mode, value = "resource", ""
        else:
            mode, value = "static", default_text
        resource_taken = resource_taken or mode == "resource"
        rows.append(
            {
                "name": parameter.name,
                "type": parameter.type,
                "description": parameter.description,
                "required": parameter.required,
                "mode": mode,
                "value": value,
                "allowed": parameter.allowed_values or (),
            }
        )
    return rows


@page("/rules/{name}/remediation", methods=("POST",), nav="Rules")
def set_remediation(p: Page) -> Response:
    name = p.request.path_params["name"]
    registry = load_documents()
    target = p.field("document")
    if target not in registry:
        p.error(f"Choose an automation document ({target or 'none'} is not one roost runs).")
        return show_rule(p, name, status_code=400)
    document = registry.get(target)
    parameters: dict[str, Any] = {}
    for parameter in document.parameters:
        mode, value = p.field(f"mode.{parameter.name}"), p.field(f"value.{parameter.name}").strip()
        if mode == "resource":
            parameters[parameter.name] = {"ResourceValue": {"Value": "RESOURCE_ID"}}
        elif value:
            values = [v.strip() for v in value.split(",")] if parameter.type == "StringList" else [value]
            parameters[parameter.name] = {"StaticValue": {"Values": values}}
    config: dict[str, Any] = {
        "ConfigRuleName": name,
        "TargetType": "SSM_DOCUMENT",
        "TargetId": document.name,
        "Parameters": parameters,
        "Automatic": bool(p.field("automatic")),
    }
    if p.field("resource_type").strip():
        config["ResourceType"] = p.field("resource_type").strip()
    for field, key in (("attempts", "MaximumAutomaticAttempts"), ("retry_seconds", "RetryAttemptSeconds")):
        text = p.field(field).strip()
        if text and not text.isdigit():
            p.error(f"{key} must be a whole number, not {text!r}.")
        elif text:
            config[key] = int(text)
    if p.messages and any(kind == "error" for kind, _ in p.messages):
        return show_rule(p, name, status_code=400)
    answer = p.attempt("PutRemediationConfigurations", RemediationConfigurations=[config])
    if answer is None:
        return show_rule(p, name, status_code=400)
    failed = answer.get("FailedBatches") or []
    if failed:
        p.error(f"The remediation action was not set: {failed[0].get('FailureMessage') or failed[0]}")
        return show_rule(p, name, status_code=400)
    automatic = " (automatic)" if config["Automatic"] else ""
    return p.redirect(rule_url(name), note=f"Remediation action set: {document.name}{automatic}.")


@page("/rules/{name}/remediation/delete", methods=("POST",), nav="Rules")
def remove_remediation(p: Page) -> Response:
    name = p.request.path_params["name"]
    params: dict[str, Any] = {"ConfigRuleName": name}
    if p.field("resource_type"):
        params["ResourceType"] = p.field("resource_type")
    if p.attempt("DeleteRemediationConfiguration", **params) is None:
        return show_rule(p, name, status_code=400)
    return p.redirect(rule_url(name), note="Remediation action removed.")


@page("/rules/{name}/remediate", methods=("POST",), nav="Rules")
def remediate(p: Page) -> Response:
    name = p.request.path_params["name"]
    keys = []
    for value in p.fields("resource"):
        resource_type, _, resource_id = value.partition(" ")
        if resource_id:
            keys.append({"resourceType": resource_type, "resourceId": resource_id})
    if not keys:
        p.error("Tick the resources to remediate first.")
        return show_rule(p, name, status_code=400)
    refused: list[str] = []
    for start in range(0, len(keys), KEYS_PER_CALL):
        answer = p.attempt(
            "StartRemediationExecution", ConfigRuleName=name, ResourceKeys=keys[start : start + KEYS_PER_CALL]
        )
        if answer is None:
            return show_rule(p, name, status_code=400)
        if answer.get("FailedItems"):
            refused.append(
                f"{len(answer['FailedItems'])} not started: {answer.get('FailureMessage') or 'refused'}"
            )
    if refused:
        for text in refused:
            p.error(text)
        return show_rule(p, name, status_code=400)
    count = f"{len(keys)} resource{'s' if len(keys) != 1 else ''}"
    return p.redirect(rule_url(name), note=f"Remediation started for {count}: reload to follow it.")
