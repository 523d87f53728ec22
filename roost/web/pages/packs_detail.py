"""One conformance pack's page: its details and score, each rule with its compliance and Controls (and
whether roost evaluates it), the resources behind the rules by compliance, and the forms to update
(redeploy) or delete it. The list and the forms' handlers are in packs.py."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from roost.compliance import Owner
from roost.errors import ApiError
from roost.packs.compliance import RuleCompliance, rules_compliance
from roost.packs.model import ConformancePack
from roost.web.app import Page, page
from roost.web.pages.packs import (
    INSUFFICIENT,
    pack_url,
    parameters_text,
    score_view,
    show_list,
    source,
    state_class,
)
from roost.web.pages.rules import add_names, all_pages, result_row, rule_url

RESULTS_PAGE = 100
"""GetConformancePackComplianceDetails returns at most 100 results a call."""
TABS = {"noncompliant": "NON_COMPLIANT", "compliant": "COMPLIANT", "all": ""}


def not_evaluated_why(found: RuleCompliance) -> str:
    """Why roost has no results for a rule it cannot evaluate, in words."""
    rule = found.rule
    if rule is None:
        return "the rule is missing (the pack's last deployment did not finish)"
    if rule.source.owner is Owner.CUSTOM_POLICY:
        return "a Guard policy rule: roost does not run Guard policies yet"
    identifier = rule.source.source_identifier or ""
    return f"roost does not implement the managed rule {identifier} yet: it stays without data"


def rule_rows(p: Page, name: str, stored: ConformancePack | None) -> list[dict[str, Any]]:
    """The pack's rules with their compliance (DescribeConformancePackCompliance) and, from the
    store, their template name, source, result counts and whether roost evaluates them."""
    listed = all_pages(
        p, "DescribeConformancePackCompliance", "ConformancePackRuleComplianceList", ConformancePackName=name
    )
    known = {r.rule_name: r for r in rules_compliance(p.store, stored)} if stored is not None else {}
    rows = []
    for entry in listed:
        rule_name = entry["ConfigRuleName"]
        found = known.get(rule_name)
        rule = found.rule if found is not None else None
        evaluated = found is None or found.evaluated
        rows.append(
            {
                "name": rule_name,
                "url": rule_url(rule_name),
                "template_name": found.binding.template_name if found is not None else rule_name,
                "compliance": entry.get("ComplianceType") or INSUFFICIENT,
                "controls": entry.get("Controls") or [],
                "owner": rule.source.owner.value if rule is not None else "",
                "identifier": (rule.source.source_identifier or "") if rule is not None else "",
                "compliant": found.compliant if found is not None else 0,
                "non_compliant": found.non_compliant if found is not None else 0,
                "evaluated": evaluated,
                "why": "" if evaluated or found is None else not_evaluated_why(found),
            }
        )
    return rows


def resource_rows(
    p: Page, name: str, *, rule: str, tab: str, token: str
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the pack's per-resource results (GetConformancePackComplianceDetails), filtered by
    rule and compliance, with the resources' names."""
    filters: dict[str, Any] = {}
    if rule:
        filters["ConfigRuleNames"] = [rule]
    if TABS[tab]:
        filters["ComplianceType"] = TABS[tab]
    answer = p.attempt(
        "GetConformancePackComplianceDetails",
        ConformancePackName=name,
        Limit=RESULTS_PAGE,
        **({"Filters": filters} if filters else {}),
        **({"NextToken": token} if token else {}),
    )
    results = (answer or {}).get("ConformancePackRuleEvaluationResults") or []
    rows = []
    for result in results:
        row = result_row(result)
        row["rule"] = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"]
        rows.append(row)
    add_names(p, rows)
    return rows, (answer or {}).get("NextToken")


@page("/packs/{name}", nav="Conformance packs")
def pack_page(p: Page) -> Response:
    return show_pack(p, p.request.path_params["name"])


def show_pack(
    p: Page,
    name: str,
    *,
    form: dict[str, str] | None = None,
    checked: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """A pack's page (also rendered by a failed update, with its messages and what was posted)."""
    try:
        (pack,) = p.call("DescribeConformancePacks", ConformancePackNames=[name])["ConformancePackDetails"]
    except ApiError as error:
        p.error(f"{error.code}: {error.message}")
        return show_list(p, status_code=404)
    status = (
        p.call("DescribeConformancePackStatus", ConformancePackNames=[name]).get(
            "ConformancePackStatusDetails"
        )
        or [{}]
    )[0]
    summary = (p.attempt("GetConformancePackComplianceSummary", ConformancePackNames=[name]) or {}).get(
        "ConformancePackComplianceSummaryList"
    ) or [{}]
    scores = p.call("ListConformancePackComplianceScores", Filters={"ConformancePackNames": [name]})
    score = (scores.get("ConformancePackComplianceScores") or [{}])[0]
    stored = p.store.packs.get(source(p), name)
    rules = rule_rows(p, name, stored)
    chosen = p.query("rule")
    chosen = chosen if chosen in {r["name"] for r in rules} else ""
    tab = p.query("tab", "noncompliant")
    tab = tab if tab in TABS else "noncompliant"
    token = p.query("token")
    results, next_token = resource_rows(p, name, rule=chosen, tab=tab, token=token)
    state = str(status.get("ConformancePackState") or "")
    parameters = pack.get("ConformancePackInputParameters") or []
    response = p.render(
        "packs_detail.html",
        active="Conformance packs",
        pack=pack,
        url=pack_url(name),
        status=status,
        state=state,
        state_class=state_class(state),
        compliance=summary[0].get("ConformancePackComplianceStatus") or INSUFFICIENT,
        score=score_view(score.get("Score")),
        rules=rules,
        templates={r["name"]: r["template_name"] for r in rules},
        not_evaluated=sum(1 for r in rules if not r["evaluated"]),
        chosen=chosen,
        tab=tab,
        tabs=[("noncompliant", "Noncompliant"), ("compliant", "Compliant"), ("all", "All")],
        results=results,
        token=token,
        next_token=next_token,
        form=form or {"template_text": "", "filename": "", "parameters": parameters_text(parameters)},
        checked=checked,
        template_body=stored.template_body if stored is not None else "",
    )
    response.status_code = status_code
    return response
