"""lambda-function-public-access-prohibited (LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED).

NON_COMPLIANT when the function's resource policy (supplementaryConfiguration.Policy, the JSON text
GetPolicy returns) has an Allow statement for everyone: Principal "*" or {"AWS": "*"} with no
Condition narrowing it (aws:SourceAccount, aws:SourceArn, aws:PrincipalOrgID and the like). A
function without a resource policy is COMPLIANT; a service principal is not public.
"""

from __future__ import annotations

import json
from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in as_list(principal.get("AWS"))
    return False


def public_statements(policy: dict[str, Any]) -> list[str]:
    found = []
    for index, statement in enumerate(as_list(policy.get("Statement"))):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if everyone(statement.get("Principal")) and not statement.get("Condition"):
            found.append(str(statement.get("Sid") or index))
    return found


@MANAGED_RULES.register("LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED")
class LambdaFunctionPublicAccessProhibited(ManagedRule):
    identifier = "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED"
    name = "lambda-function-public-access-prohibited"
    resource_types = ("AWS::Lambda::Function",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        text = item.supplementary_configuration.get("Policy")
        if not text:
            return Verdict.compliant()
        policy = json.loads(text) if isinstance(text, str) else text
        public = public_statements(policy if isinstance(policy, dict) else {})
        if public:
            return Verdict.non_compliant(
                "The function's resource policy allows public access (statements: " + ", ".join(public) + ")."
            )
        return Verdict.compliant()
