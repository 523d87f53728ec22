"""What `roost packs` shows of a deployed pack: its summary in AWS's shapes, its rules' rows, and
`roost packs show` itself (the pack, its rules, and with --resources each resource's result)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from roost.api.operations import Handler
from roost.api.operations.packs import (
    describe_conformance_pack_compliance,
    describe_conformance_pack_status,
    describe_conformance_packs,
    get_conformance_pack_compliance_details,
)
from roost.cli.context import CliContext
from roost.cli.output import emit
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.packs import compliance as pack_compliance
from roost.packs.check import RuleSupport, check_template
from roost.packs.compliance import RuleCompliance
from roost.packs.deploy import render
from roost.packs.model import ConformancePack
from roost.packs.template import TemplateError
from roost.store import Store

#: The columns of a pack's rules in a table (JSON has every key of `rule_rows`).
RULE_COLUMNS = ("rule", "identifier", "compliance", "compliant", "non-compliant", "controls", "evaluated")

#: Runs a read operation as the CLI's caller: (operation name, handler, request) → its answer.
Operate = Callable[[str, Handler, dict[str, Any]], Any]


def support_by_name(pack: ConformancePack) -> dict[str, RuleSupport]:
    """Why roost evaluates (or not) each rule of the pack, by template name."""
    try:
        _, support = check_template(
            pack.template_body, pack.input_parameters, account_id=pack.account_id, region=pack.region
        )
    except TemplateError:  # it rendered when deployed; a later roost may read it otherwise
        return {}
    return {s.name: s for s in support}


def rule_rows(rules: Sequence[RuleCompliance], support: dict[str, RuleSupport]) -> list[dict[str, Any]]:
    """One row per rule of a pack: deployed name, template name, source, compliance, evaluation."""
    rows = []
    for found in rules:
        known = support.get(found.binding.template_name)
        source = found.rule.source if found.rule is not None else None
        rows.append(
            {
                "rule": found.rule_name,
                "template name": found.binding.template_name,
                "identifier": (source.source_identifier if source else None)
                or (known.identifier if known else None),
                "compliance": found.compliance_type.value,
                "compliant": found.compliant,
                "non-compliant": found.non_compliant,
                "controls": ", ".join(found.binding.controls),
                "evaluated": "yes" if found.evaluated else "not yet",
                "why": known.why if known else ("the rule is missing" if found.rule is None else None),
            }
        )
    return rows


def _effective(pack: ConformancePack) -> dict[str, str]:
    """Every declared parameter's value as deployed (given, else its default)."""
    try:
        return render(pack).parameters
    except ApiError:
        return dict(pack.input_parameters)


def echo_not_evaluated(rows: Sequence[dict[str, Any]]) -> None:
    """Below a table of rules: why roost does not evaluate some of them."""
    for row in rows:
        if row["evaluated"] != "yes":
            click.echo(f"not evaluated by roost: {row['rule']} ({row['identifier']}): {row['why']}")


def _wire_detail(pack: ConformancePack) -> dict[str, Any]:
    return {
        "ConformancePackName": pack.name,
        "ConformancePackArn": pack.arn,
        "ConformancePackId": pack.pack_id,
        "ConformancePackState": pack.state.value,
        "ConformancePackStatusReason": pack.status_reason,
        "ConformancePackInputParameters": [
            {"ParameterName": k, "ParameterValue": v} for k, v in sorted(pack.input_parameters.items())
        ],
        "LastUpdateRequestedTime": pack.last_update_requested,
        "LastUpdateCompletedTime": pack.last_update_completed,
    }


def pack_summary(store: Store, pack: ConformancePack, rules: list[RuleCompliance]) -> dict[str, Any]:
    """The pack as DescribeConformancePacks and DescribeConformancePackStatus give it, with its
    compliance (GetConformancePackComplianceSummary) and score (ListConformancePackComplianceScores)."""
    return {
        **_wire_detail(pack),
        "ConformancePackComplianceStatus": pack_compliance.pack_compliance(rules).value,
        "Score": pack_compliance.score(store, pack, rules),
        "ConfigRuleNames": [b.rule_name for b in pack.rules],
    }


def _all_pages(
    operate: Operate, operation: str, handler: Handler, params: dict[str, Any], key: str
) -> list[Any]:
    found: list[Any] = []
    token = None
    while True:
        answer = operate(operation, handler, {**params, **({"NextToken": token} if token else {})})
        found.extend(answer.get(key) or [])
        token = answer.get("NextToken")
        if not token:
            return found


def show_pack(
    obj: CliContext,
    source: AccountRegion,
    name: str,
    operate: Operate,
    *,
    per_resource: bool,
    rule_names: Sequence[str],
    compliance: str | None,
) -> None:
    """`roost packs show`: an unknown pack or rule is the API's error (NoSuchConformancePack...)."""
    names = {"ConformancePackNames": [name]}
    (detail,) = operate("DescribeConformancePacks", describe_conformance_packs, names)[
        "ConformancePackDetails"
    ]
    (status,) = operate("DescribeConformancePackStatus", describe_conformance_pack_status, names)[
        "ConformancePackStatusDetails"
    ]
    filters: dict[str, Any] = {}
    if rule_names:
        filters["ConfigRuleNames"] = list(rule_names)
    if compliance:
        filters["ComplianceType"] = compliance
    request = {"ConformancePackName": name, "Filters": filters}
    wire_rules = _all_pages(
        operate,
        "DescribeConformancePackCompliance",
        describe_conformance_pack_compliance,
        request,
        "ConformancePackRuleComplianceList",
    )
    results: list[dict[str, Any]] = []
    if per_resource:
        results = _all_pages(
            operate,
            "GetConformancePackComplianceDetails",
            get_conformance_pack_compliance_details,
            request,
            "ConformancePackRuleEvaluationResults",
        )
    pack = obj.store.packs.get(source, name)
    if pack is None:
        raise AssertionError  # the operations above found it
    rules = pack_compliance.rules_compliance(obj.store, pack)
    shown = {r["ConfigRuleName"] for r in wire_rules}
    rows = [row for row in rule_rows(rules, support_by_name(pack)) if row["rule"] in shown]
    verdict = pack_compliance.pack_compliance(rules).value
    score = pack_compliance.score(obj.store, pack, rules)
    if obj.output == "json":
        answer: dict[str, Any] = {
            "ConformancePackDetail": detail,
            "ConformancePackStatusDetail": status,
            "ConformancePackComplianceStatus": verdict,
            "Score": score,
            "ConformancePackRuleComplianceList": wire_rules,
            "NotEvaluatedByRoost": [r.rule_name for r in rules if not r.evaluated],
        }
        if per_resource:
            answer["ConformancePackRuleEvaluationResults"] = results
        emit(answer, output="json")
        return
    summary = {
        "name": pack.name,
        "id": pack.pack_id,
        "arn": pack.arn,
        "state": pack.state.value,
        "reason": pack.status_reason,
        "parameters": ", ".join(f"{k}={v}" for k, v in sorted(pack.input_parameters.items())),
        "defaults used": ", ".join(
            f"{k}={v}" for k, v in sorted(_effective(pack).items()) if k not in pack.input_parameters
        ),
        "compliance": verdict,
        "score": score,
        "update requested": pack.last_update_requested,
        "update completed": pack.last_update_completed,
    }
    emit(summary, output="table", title=f"conformance pack {name} in {source}")
    emit(rows, output="table", title="rules", columns=RULE_COLUMNS)
    echo_not_evaluated(rows)
    if per_resource:
        emit(
            [
                {
                    "rule": r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"],
                    "resource type": r["EvaluationResultIdentifier"]["EvaluationResultQualifier"][
                        "ResourceType"
                    ],
                    "resource id": r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"],
                    "compliance": r["ComplianceType"],
                    "annotation": r.get("Annotation"),
                    "recorded": r.get("ResultRecordedTime"),
                }
                for r in results
            ],
            output="table",
            title="results per resource",
        )
