"""iam-policy-no-statements-with-full-access (IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS).

A customer managed policy whose default version has an Allow statement with an action of the form
`service:*` (or `*`, full access to every service) is NON_COMPLIANT, whatever its resources.
NotAction statements are not counted. With excludePermissionBoundaryPolicy "true", a policy used
as a permissions boundary is NOT_APPLICABLE.
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import as_list
from roost.rules.managed.iam_policy_no_statements_with_admin_access import decode_document
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


def full_access_actions(document: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        for action in as_list(statement.get("Action")):
            text = str(action)
            if (text == "*" or (text.endswith(":*") and text.count(":") == 1)) and text not in found:
                found.append(text)
    return found


@MANAGED_RULES.register("IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS")
class IamPolicyNoStatementsWithFullAccess(ManagedRule):
    identifier = "IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS"
    name = "iam-policy-no-statements-with-full-access"
    resource_types = ("AWS::IAM::Policy",)
    parameters = (Parameter("excludePermissionBoundaryPolicy", "boolean"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if ctx.params.get("excludePermissionBoundaryPolicy") and int(
            config.get("permissionsBoundaryUsageCount") or 0
        ):
            return Verdict.not_applicable("The policy is used as a permissions boundary.")
        versions = config.get("policyVersionList") or []
        default = [v for v in versions if v.get("isDefaultVersion")] or versions[-1:]
        for version in default:
            found = full_access_actions(decode_document(version.get("document")))
            if found:
                return Verdict.non_compliant(f"The policy allows full access: {', '.join(found)}.")
        return Verdict.compliant()
