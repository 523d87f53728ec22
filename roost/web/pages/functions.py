"""Functions: the account's hosted functions (custom rules' Lambda functions), each with its
configuration, the rules that run it and its invocation logs."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from roost.errors import ApiError
from roost.model import AccountRegion
from roost.web.app import Page, page

LOG_PAGE = 20
MAX_LOGS = 1000


def _rules_by_function(p: Page) -> dict[str, list[str]]:
    """Rule names by the function ARN they run (custom Lambda rules' SourceIdentifier)."""
    found: dict[str, list[str]] = {}
    token: str | None = None
    for _ in range(50):
        answer = p.call("DescribeConfigRules", **({"NextToken": token} if token else {}))
        for rule in answer.get("ConfigRules", []):
            source = rule.get("Source") or {}
            if source.get("Owner") == "CUSTOM_LAMBDA":
                found.setdefault(str(source.get("SourceIdentifier")), []).append(rule["ConfigRuleName"])
        token = answer.get("NextToken")
        if not token:
            break
    return found


@page("/functions", nav="Functions")
def functions(p: Page) -> Response:
    host = p.services.functions
    source = AccountRegion(p.caller.account_id, p.caller.region)
    hosted: list[Any] = sorted(host.list(source), key=lambda f: f.name) if host is not None else []
    if host is None:
        p.note("This roost hosts no functions.")
    rules = _rules_by_function(p) if hosted else {}
    return p.render(
        "functions.html",
        active="Functions",
        functions=[{"config": f, "rules": rules.get(f.arn, [])} for f in hosted],
    )


@page("/functions/{name}")
def function_detail(p: Page) -> Response:
    host = p.services.functions
    name = p.request.path_params["name"]
    source = AccountRegion(p.caller.account_id, p.caller.region)
    if host is None:
        p.error("This roost hosts no functions.")
        return p.render("functions.html", active="Functions", functions=[])
    try:
        config = host.get(source, name)
    except ApiError as error:
        p.error(f"{error.code}: {error.message}")
        return functions(p)
    raw = p.query("limit", str(LOG_PAGE))
    limit = min(max(int(raw), 1), MAX_LOGS) if raw.isdigit() else LOG_PAGE
    logs = host.logs(source, name, limit=limit + 1)
    return p.render(
        "functions_detail.html",
        active="Functions",
        function=config,
        variables=sorted(config.environment),
        rules=_rules_by_function(p).get(config.arn, []),
        logs=logs[:limit],
        more=len(logs) > limit and limit < MAX_LOGS,
        next_limit=min(limit * 2, MAX_LOGS),
        limit=limit,
    )
