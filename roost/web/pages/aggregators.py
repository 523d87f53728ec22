"""Aggregators: create and delete them, and their aggregated view (source status, rules by account
and region with compliance, resources by account, region and type). Also the source side:
pending aggregation requests to authorize or dismiss, and authorizations to revoke."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from roost.web.app import Page, page

GROUPS = {"RESOURCE_TYPE": "Type", "ACCOUNT_ID": "Account", "AWS_REGION": "Region"}
ACCOUNT_ID = re.compile(r"\d{12}")
DETAIL_COMPLIANCE = ("NON_COMPLIANT", "COMPLIANT")


def _all(p: Page, operation: str, member: str, *, pages: int = 20, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(pages):
        answer = p.call(operation, **params, **({"NextToken": token} if token else {}))
        found += answer.get(member, [])
        token = answer.get("NextToken")
        if not token:
            break
    return found


def _sources_text(aggregator: dict[str, Any]) -> list[str]:
    lines = []
    for source in aggregator.get("AccountAggregationSources") or []:
        regions = "all regions" if source.get("AllAwsRegions") else ", ".join(source.get("AwsRegions") or [])
        lines.append(f"{', '.join(source.get('AccountIds') or [])} · {regions}")
    organization = aggregator.get("OrganizationAggregationSource")
    if organization:
        regions = (
            "all regions"
            if organization.get("AllAwsRegions")
            else ", ".join(organization.get("AwsRegions") or [])
        )
        lines.append(f"organization · {regions}")
    return lines


def _list(p: Page, form: dict[str, str] | None = None) -> Response:
    aggregators = _all(p, "DescribeConfigurationAggregators", "ConfigurationAggregators", pages=10)
    pending = _all(p, "DescribePendingAggregationRequests", "PendingAggregationRequests", pages=10)
    authorizations = _all(p, "DescribeAggregationAuthorizations", "AggregationAuthorizations", pages=10)
    return p.render(
        "aggregators.html",
        active="Aggregators",
        aggregators=[{**a, "sources": _sources_text(a)} for a in aggregators],
        pending=pending,
        authorizations=authorizations,
        regions_known=p.dashboard.regions(),
        form=form or {"name": "", "accounts": p.caller.account_id, "scope": "all", "regions": ""},
    )


@page("/aggregators", nav="Aggregators")
def aggregators(p: Page) -> Response:
    return _list(p)


@page("/aggregators", methods=("POST",))
def create_aggregator(p: Page) -> Response:
    form = {
        "name": p.field("name").strip(),
        "accounts": p.field("accounts").strip(),
        "scope": "listed" if p.field("scope") == "listed" else "all",
        "regions": ", ".join(
            [r for r in p.fields("regions") if r]
            + [r for r in re.split(r"[\s,]+", p.field("more_regions")) if r]
        ),
    }
    accounts = [a for a in re.split(r"[\s,]+", form["accounts"]) if a]
    regions = [r for r in re.split(r"[\s,]+", form["regions"]) if r]
    bad = [a for a in accounts if not ACCOUNT_ID.fullmatch(a)]
    if not form["name"]:
        p.error("An aggregator needs a name.")
    elif not accounts:
        p.error("List at least one account id.")
    elif bad:
        p.error(f"Not a 12-digit account id: {', '.join(bad)}.")
    elif form["scope"] == "listed" and not regions:
        p.error("Choose at least one region, or all regions.")
    if p.messages and any(kind == "error" for kind, _ in p.messages):
        return _list(p, form)
    source: dict[str, Any] = {"AccountIds": accounts}
    if form["scope"] == "all":
        source["AllAwsRegions"] = True
    else:
        source["AwsRegions"] = regions
    created = p.attempt(
        "PutConfigurationAggregator",
        ConfigurationAggregatorName=form["name"],
        AccountAggregationSources=[source],
    )
    if created is None:
        return _list(p, form)
    return p.redirect(
        f"/aggregators/{quote(form['name'], safe='')}", note=f"Saved aggregator {form['name']}."
    )


@page("/aggregators/authorizations", methods=("POST",))
def change_authorization(p: Page) -> Response:
    """Authorize a requester (or a typed account and region), dismiss a request, revoke one."""
    action, account, region = p.field("action"), p.field("account").strip(), p.field("region").strip()
    if not ACCOUNT_ID.fullmatch(account) or not region:
        p.error("An authorization needs a 12-digit account id and a region.")
        return _list(p)
    if action == "authorize":
        done = p.attempt(
            "PutAggregationAuthorization", AuthorizedAccountId=account, AuthorizedAwsRegion=region
        )
        note = f"Authorized aggregators of {account} in {region}."
    elif action == "dismiss":
        done = p.attempt(
            "DeletePendingAggregationRequest", RequesterAccountId=account, RequesterAwsRegion=region
        )
        note = f"Dismissed the request of {account} in {region}."
    elif action == "revoke":
        done = p.attempt(
            "DeleteAggregationAuthorization", AuthorizedAccountId=account, AuthorizedAwsRegion=region
        )
        note = f"Revoked the authorization of {account} in {region}."
    else:
        p.error(f"Unknown action {action!r}.")
        return _list(p)
    if done is None:
        return _list(p)
    return p.redirect("/aggregators", note=note)


@page("/aggregators/{name}")
def aggregator_detail(p: Page) -> Response:
    name = p.request.path_params["name"]
    found = p.attempt("DescribeConfigurationAggregators", ConfigurationAggregatorNames=[name])
    if not found or not found.get("ConfigurationAggregators"):
        return _list(p)
    aggregator = found["ConfigurationAggregators"][0]
    statuses = _all(
        p,
        "DescribeConfigurationAggregatorSourcesStatus",
        "AggregatedSourceStatusList",
        ConfigurationAggregatorName=name,
    )
    rules = _all(
        p,
        "DescribeAggregateComplianceByConfigRules",
        "AggregateComplianceByConfigRules",
        pages=5,
        ConfigurationAggregatorName=name,
    )
    rules.sort(key=lambda r: (r.get("AccountId", ""), r.get("AwsRegion", ""), r.get("ConfigRuleName", "")))
    group = p.query("group", "RESOURCE_TYPE")
    group = group if group in GROUPS else "RESOURCE_TYPE"
    counts = p.call(
        "GetAggregateDiscoveredResourceCounts", ConfigurationAggregatorName=name, GroupByKey=group
    )
    types = p.call(
        "GetAggregateDiscoveredResourceCounts", ConfigurationAggregatorName=name, GroupByKey="RESOURCE_TYPE"
    ).get("GroupedResourceCounts", [])
    chosen = p.query("type")
    resources: list[dict[str, Any]] = []
    next_token: str | None = None
    if chosen:
        listed = p.attempt(
            "ListAggregateDiscoveredResources",
            ConfigurationAggregatorName=name,
            ResourceType=chosen,
            Limit=100,
            **({"NextToken": p.query("token")} if p.query("token") else {}),
        )
        if listed is not None:
            resources = listed.get("ResourceIdentifiers", [])
            next_token = listed.get("NextToken")
    return p.render(
        "aggregators_detail.html",
        active="Aggregators",
        aggregator={**aggregator, "sources": _sources_text(aggregator)},
        statuses=sorted(statuses, key=lambda s: (s.get("SourceId", ""), s.get("AwsRegion", ""))),
        rules=rules,
        rule_counts={
            c: sum(1 for r in rules if r["Compliance"]["ComplianceType"] == c) for c in DETAIL_COMPLIANCE
        },
        group=group,
        groups=GROUPS,
        counts=counts.get("GroupedResourceCounts", []),
        total=counts.get("TotalDiscoveredResources", 0),
        types=sorted(t["GroupName"] for t in types),
        chosen=chosen,
        resources=resources,
        next_token=next_token,
    )


@page("/aggregators/{name}/delete", methods=("POST",))
def delete_aggregator(p: Page) -> Response:
    name = p.request.path_params["name"]
    if p.attempt("DeleteConfigurationAggregator", ConfigurationAggregatorName=name) is None:
        return _list(p)
    return p.redirect("/aggregators", note=f"Deleted aggregator {name}.")


@page("/aggregators/{name}/rules/{account}/{region}/{rule}")
def aggregate_rule(p: Page) -> Response:
    """One rule in one account and region, as the aggregator sees it: its resources' results."""
    params = p.request.path_params
    name, account, region, rule = params["name"], params["account"], params["region"], params["rule"]
    compliance = p.query("compliance", "NON_COMPLIANT")
    compliance = compliance if compliance in (*DETAIL_COMPLIANCE, "ALL") else "NON_COMPLIANT"
    token = p.query("token")
    answer = p.attempt(
        "GetAggregateComplianceDetailsByConfigRule",
        ConfigurationAggregatorName=name,
        ConfigRuleName=rule,
        AccountId=account,
        AwsRegion=region,
        Limit=100,
        **({"ComplianceType": compliance} if compliance != "ALL" else {}),
        **({"NextToken": token} if token else {}),
    )
    results = (answer or {}).get("AggregateEvaluationResults", [])
    rows = []
    for result in results:
        qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        rows.append(
            {
                **result,
                "ResourceType": qualifier.get("ResourceType"),
                "ResourceId": qualifier.get("ResourceId"),
            }
        )
    return p.render(
        "aggregators_rule.html",
        active="Aggregators",
        name=name,
        rule_account=account,
        rule_region=region,
        rule=rule,
        compliance=compliance,
        rows=rows,
        next_token=(answer or {}).get("NextToken"),
    )
