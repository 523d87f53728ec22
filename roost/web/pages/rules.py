"""The Rules pages: every rule with its compliance, adding a managed or a custom rule, and one rule's
page (its resources by compliance, re-evaluation, deletion). The remediation part of a rule's page
is in rules_remediation.py."""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from roost.compliance import ExecutionFrequency, MessageType
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.rules.catalog import CatalogRule, catalog
from roost.rules.managed_rule import Trigger, load_managed_rules
from roost.web.app import Page, page

FREQUENCIES = [f.value for f in ExecutionFrequency]
RESULTS_PAGE = 50
TABS = {"noncompliant": "NON_COMPLIANT", "compliant": "COMPLIANT", "all": ""}
SEARCH_LIMIT = 60


def rule_url(name: str) -> str:
    return f"/rules/{quote(name, safe='')}"


def all_pages(p: Page, operation: str, member: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a listing (bounded: rules come 25 a page, an account has at most 1,000)."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(60):
        answer = p.call(operation, **params, **({"NextToken": token} if token else {}))
        found += answer.get(member) or []
        token = answer.get("NextToken")
        if not token:
            break
    return found


# --- the catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogEntry:
    identifier: str
    name: str
    description: str
    implemented: bool
    rule: CatalogRule

    @property
    def labels(self) -> list[str]:
        return [*self.rule.resource_types, self.rule.trigger]

    def matches(self, words: list[str]) -> bool:
        text = " ".join([self.identifier, self.name, self.description, *self.labels]).lower()
        return all(word in text for word in words)


@functools.cache
def catalog_entries() -> tuple[CatalogEntry, ...]:
    """AWS's managed rules with roost's names and descriptions for those it implements."""
    managed = load_managed_rules()
    entries = []
    for identifier, rule in catalog().items():
        implemented = identifier in managed
        name = identifier.lower().replace("_", "-")
        description = ""
        if implemented:
            cls = managed.get(identifier)
            name = cls.name
            description = rule_description(sys.modules[cls.__module__].__doc__ or "", name, identifier)
        entries.append(CatalogEntry(identifier, name, description, implemented, rule))
    # roost's own first, then AWS's order by name
    return tuple(sorted(entries, key=lambda e: (not e.implemented, e.name)))


def rule_description(doc: str, name: str, identifier: str) -> str:
    """A managed rule module's docstring without its "name (IDENTIFIER):" heading."""
    paragraphs = [" ".join(part.split()) for part in doc.strip().split("\n\n") if part.strip()]
    heading = f"{name} ({identifier})"
    if paragraphs and paragraphs[0].startswith(heading):
        paragraphs[0] = paragraphs[0][len(heading) :].lstrip(":. ")
    text = " ".join(part for part in paragraphs[:2] if part)
    return text[:1].upper() + text[1:]


def catalog_entry(identifier: str) -> CatalogEntry | None:
    return next((e for e in catalog_entries() if e.identifier == identifier), None)


def search_catalog(text: str) -> list[CatalogEntry]:
    words = text.lower().split()
    return [e for e in catalog_entries() if e.matches(words)]


def trigger_text(rule: dict[str, Any]) -> str:
    """How a rule is triggered, in words: "changes: AWS::IAM::User · periodic: TwentyFour_Hours"."""
    source = rule.get("Source") or {}
    types = ", ".join((rule.get("Scope") or {}).get("ComplianceResourceTypes") or [])
    parts: list[str] = []
    if source.get("Owner") == "AWS":
        identifier = str(source.get("SourceIdentifier") or "")
        managed = load_managed_rules()
        if identifier in managed:
            triggers = managed.get(identifier).triggers
            change, periodic = Trigger.CONFIGURATION_CHANGE in triggers, Trigger.PERIODIC in triggers
            types = types or ", ".join(managed.get(identifier).resource_types)
        else:
            entry = catalog().get(identifier)
            change = bool(entry and entry.change_triggered)
            periodic = bool(entry and entry.periodic)
        if change:
            parts.append(f"changes{': ' + types if types else ''}")
        if periodic:
            parts.append(f"periodic: {rule.get('MaximumExecutionFrequency') or 'TwentyFour_Hours'}")
        return " · ".join(parts)
    details = source.get("SourceDetails") or []
    if any(d.get("MessageType") != MessageType.SCHEDULED for d in details):
        parts.append(f"changes{': ' + types if types else ''}")
    for detail in details:
        if detail.get("MessageType") == MessageType.SCHEDULED:
            frequency = detail.get("MaximumExecutionFrequency") or rule.get("MaximumExecutionFrequency")
            parts.append(f"periodic: {frequency or 'TwentyFour_Hours'}")
    return " · ".join(parts) or ("policy" if source.get("Owner") == "CUSTOM_POLICY" else "")


def source_text(rule: dict[str, Any]) -> str:
    source = rule.get("Source") or {}
    return str(source.get("SourceIdentifier") or source.get("Owner") or "")


# --- /rules ---------------------------------------------------------------------------------------


@page("/rules", nav="Rules")
def rules_list(p: Page) -> Response:
    rules = all_pages(p, "DescribeConfigRules", "ConfigRules")
    compliance = {
        c["ConfigRuleName"]: c["Compliance"]
        for c in all_pages(p, "DescribeComplianceByConfigRule", "ComplianceByConfigRules")
    }
    statuses = {
        s["ConfigRuleName"]: s
        for s in all_pages(p, "DescribeConfigRuleEvaluationStatus", "ConfigRulesEvaluationStatus", Limit=50)
    }
    names = [r["ConfigRuleName"] for r in rules]
    remediated: set[str] = set()
    for start in range(0, len(names), 25):
        answer = p.attempt("DescribeRemediationConfigurations", ConfigRuleNames=names[start : start + 25])
        remediated |= {c["ConfigRuleName"] for c in (answer or {}).get("RemediationConfigurations") or []}
    rows = [
        {
            "rule": rule,
            "url": rule_url(rule["ConfigRuleName"]),
            "compliance": compliance.get(rule["ConfigRuleName"]) or {"ComplianceType": "INSUFFICIENT_DATA"},
            "status": statuses.get(rule["ConfigRuleName"]) or {},
            "source": source_text(rule),
            "trigger": trigger_text(rule),
            "remediation": rule["ConfigRuleName"] in remediated,
        }
        for rule in rules
    ]
    return p.render("rules.html", active="Rules", rows=rows)


# --- /rules/add -----------------------------------------------------------------------------------


@page("/rules/add", methods=("GET", "POST"), nav="Rules")
def add_managed_rule(p: Page) -> Response:
    identifier = p.field("identifier") if p.request.method == "POST" else p.query("identifier")
    search = p.query("q")
    chosen = catalog_entry(identifier) if identifier else None
    if identifier and chosen is None:
        p.error(f"{identifier} is not a managed rule of AWS's catalogue.")
    if p.request.method == "POST" and chosen is not None:
        name = p.field("name").strip()
        parameters = {
            parameter.name: p.field(f"param.{parameter.name}").strip()
            for parameter in chosen.rule.parameters
            if p.field(f"param.{parameter.name}").strip()
        }
        config_rule: dict[str, Any] = {
            "ConfigRuleName": name,
            "Source": {"Owner": "AWS", "SourceIdentifier": chosen.identifier},
        }
        if p.field("description").strip():
            config_rule["Description"] = p.field("description").strip()
        if parameters:
            config_rule["InputParameters"] = json.dumps(parameters)
        types = split_types(p.field("resource_types"))
        if types:
            config_rule["Scope"] = {"ComplianceResourceTypes": types}
        if chosen.rule.periodic and p.field("frequency"):
            config_rule["MaximumExecutionFrequency"] = p.field("frequency")
        if not name:
            p.error("The rule needs a name.")
        elif p.attempt("PutConfigRule", ConfigRule=config_rule) is not None:
            return p.redirect(rule_url(name), note=f"Rule {name} added; it is being evaluated.")
    found = search_catalog(search) if search else list(catalog_entries())
    return p.render(
        "rules_add.html",
        active="Rules",
        search=search,
        found=found[:SEARCH_LIMIT],
        found_count=len(found),
        chosen=chosen,
        posted=p.form,
        frequencies=FREQUENCIES,
        implemented_count=sum(e.implemented for e in catalog_entries()),
        catalog_count=len(catalog_entries()),
    )


def split_types(text: str) -> list[str]:
    return [t for t in (part.strip() for part in text.replace("\n", ",").split(",")) if t]


# --- /rules/add-custom ----------------------------------------------------------------------------

KEY_VALUE_ROWS = 4


@page("/rules/add-custom", methods=("GET", "POST"), nav="Rules")
def add_custom_rule(p: Page) -> Response:
    host = p.services.functions
    source = AccountRegion(p.caller.account_id, p.caller.region)
    functions = sorted(host.list(source), key=lambda f: f.name) if host is not None else []
    if p.request.method == "POST":
        rule = custom_rule_from_form(p)
        if rule is not None and p.attempt("PutConfigRule", ConfigRule=rule) is not None:
            name = rule["ConfigRuleName"]
            return p.redirect(rule_url(name), note=f"Rule {name} added; it is being evaluated.")
    return p.render(
        "rules_add_custom.html",
        active="Rules",
        functions=functions,
        posted=p.form,
        frequencies=FREQUENCIES,
        rows=range(KEY_VALUE_ROWS),
    )


def custom_rule_from_form(p: Page) -> dict[str, Any] | None:
    """The ConfigRule the custom-rule form describes, or None (with messages) when it is incomplete."""
    name = p.field("name").strip()
    arn = p.field("function_arn").strip() or p.field("function").strip()
    change, periodic = bool(p.field("on_change")), bool(p.field("periodic"))
    if not name:
        p.error("The rule needs a name.")
    if not arn:
        p.error("Choose a function or give a function ARN.")
    if not change and not periodic:
        p.error("Choose a trigger: configuration changes, periodic, or both.")
    parameters = custom_parameters(p)
    if p.messages and any(kind == "error" for kind, _ in p.messages):
        return None
    details: list[dict[str, Any]] = []
    if change:
        details.append({"EventSource": "aws.config", "MessageType": MessageType.CONFIGURATION_ITEM_CHANGE})
        details.append(
            {"EventSource": "aws.config", "MessageType": MessageType.OVERSIZED_CONFIGURATION_ITEM_CHANGE}
        )
    if periodic:
        details.append(
            {
                "EventSource": "aws.config",
                "MessageType": MessageType.SCHEDULED,
                "MaximumExecutionFrequency": p.field("frequency") or "TwentyFour_Hours",
            }
        )
    rule: dict[str, Any] = {
        "ConfigRuleName": name,
        "Source": {
            "Owner": "CUSTOM_LAMBDA",
            "SourceIdentifier": arn,
            "SourceDetails": [{k: str(v) for k, v in d.items()} for d in details],
        },
    }
    if p.field("description").strip():
        rule["Description"] = p.field("description").strip()
    types = split_types(p.field("resource_types")) if change else []
    if types:
        rule["Scope"] = {"ComplianceResourceTypes": types}
    if parameters:
        rule["InputParameters"] = json.dumps(parameters)
    return rule


def custom_parameters(p: Page) -> dict[str, str] | None:
    text = p.field("parameters_json").strip()
    if text:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            p.error(f"The parameters are not JSON: {error.msg} (line {error.lineno}, column {error.colno}).")
            return None
        if not isinstance(parsed, dict):
            p.error('The parameters must be a JSON object, e.g. {"maxAge": "90"}.')
            return None
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in parsed.items()}
    keys, values = p.fields("param_key"), p.fields("param_value")
    return {k.strip(): v for k, v in zip(keys, values, strict=False) if k.strip()}


# --- /rules/{name} --------------------------------------------------------------------------------


@page("/rules/{name}", nav="Rules")
def rule_page(p: Page) -> Response:
    return show_rule(p, p.request.path_params["name"])


def show_rule(p: Page, name: str, *, status_code: int = 200) -> Response:
    """One rule's page (also rendered by a failed form post, with its messages and what was posted)."""
    from roost.web.pages import rules_remediation

    if p.query("error"):
        p.error(p.query("error"))
    try:
        (rule,) = p.call("DescribeConfigRules", ConfigRuleNames=[name])["ConfigRules"]
    except ApiError as error:
        p.error(f"{error.code}: {error.message}")
        response = p.render("rules_missing.html", active="Rules", name=name)
        response.status_code = 404
        return response
    compliance = (p.attempt("DescribeComplianceByConfigRule", ConfigRuleNames=[name]) or {}).get(
        "ComplianceByConfigRules"
    ) or [{"Compliance": {"ComplianceType": "INSUFFICIENT_DATA"}}]
    status = (p.attempt("DescribeConfigRuleEvaluationStatus", ConfigRuleNames=[name]) or {}).get(
        "ConfigRulesEvaluationStatus"
    ) or [{}]
    tab = p.query("tab", "noncompliant")
    tab = tab if tab in TABS else "noncompliant"
    token = p.query("token")
    params: dict[str, Any] = {"ConfigRuleName": name, "Limit": RESULTS_PAGE}
    if TABS[tab]:
        params["ComplianceTypes"] = [TABS[tab]]
    if token:
        params["NextToken"] = token
    answer = p.attempt("GetComplianceDetailsByConfigRule", **params) or {}
    results = [result_row(r) for r in answer.get("EvaluationResults") or []]
    add_names(p, results)
    response = p.render(
        "rules_rule.html",
        active="Rules",
        rule=rule,
        url=rule_url(name),
        compliance=compliance[0]["Compliance"],
        status=status[0],
        source=source_text(rule),
        trigger=trigger_text(rule),
        parameters=json.loads(rule["InputParameters"]) if rule.get("InputParameters") else {},
        tab=tab,
        tabs=[("noncompliant", "Noncompliant"), ("compliant", "Compliant"), ("all", "All")],
        results=results,
        token=token,
        next_token=answer.get("NextToken"),
        remediation=rules_remediation.remediation_context(p, rule),
    )
    response.status_code = status_code
    return response


def result_row(result: dict[str, Any]) -> dict[str, Any]:
    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    return {
        "type": qualifier["ResourceType"],
        "id": qualifier["ResourceId"],
        "name": "",
        "compliance": result["ComplianceType"],
        "annotation": result.get("Annotation") or "",
        "recorded": result.get("ResultRecordedTime"),
    }


def add_names(p: Page, rows: list[dict[str, Any]]) -> None:
    """Resource names for a page of results: one BatchGetResourceConfig for the whole page."""
    keys = [{"resourceType": r["type"], "resourceId": r["id"]} for r in rows if r["type"] != "AWS::::Account"]
    if not keys:
        return
    try:
        items = p.call("BatchGetResourceConfig", resourceKeys=keys[:100])["baseConfigurationItems"]
    except ApiError:
        return  # names are a nicety: without a recorder the ids stand alone
    names = {(i["resourceType"], i["resourceId"]): i.get("resourceName") or "" for i in items}
    for row in rows:
        row["name"] = names.get((row["type"], row["id"]), "")


@page("/rules/{name}/evaluate", methods=("POST",), nav="Rules")
def evaluate_rule(p: Page) -> Response:
    name = p.request.path_params["name"]
    if p.attempt("StartConfigRulesEvaluation", ConfigRuleNames=[name]) is None:
        return show_rule(p, name, status_code=400)
    return p.redirect(rule_url(name), note=f"Evaluating {name}: reload to see the new results.")


@page("/rules/{name}/delete", methods=("POST",), nav="Rules")
def delete_rule(p: Page) -> Response:
    name = p.request.path_params["name"]
    if p.attempt("DeleteConfigRule", ConfigRuleName=name) is None:
        return p.redirect(rule_url(name) + "?error=" + quote(p.messages[-1][1], safe=""))
    return p.redirect("/rules", note=f"Rule {name} deleted.")
