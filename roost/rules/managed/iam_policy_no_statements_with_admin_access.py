"""iam-policy-no-statements-with-admin-access (IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS).

Customer managed policies (the only ones AWS Config records) whose default version has a statement
with "Effect": "Allow", "Action": "*" and "Resource": "*" are NON_COMPLIANT; "service:*" actions are
not admin access. With excludePermissionBoundaryPolicy "true", a policy used as a permissions
boundary (permissionsBoundaryUsageCount > 0) is NOT_APPLICABLE.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def decode_document(document: Any) -> dict[str, Any]:
    """A recorded policy document (URL-encoded JSON text, as AWS Config records it) as an object."""
    if isinstance(document, dict):
        return document
    if not document:
        return {}
    decoded = json.loads(urllib.parse.unquote(str(document)))
    return decoded if isinstance(decoded, dict) else {}


def grants_admin(document: dict[str, Any]) -> bool:
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "*" in as_list(statement.get("Action")) and "*" in as_list(statement.get("Resource")):
            return True
    return False


@MANAGED_RULES.register("IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS")
class IamPolicyNoStatementsWithAdminAccess(ManagedRule):
    identifier = "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS"
    name = "iam-policy-no-statements-with-admin-access"
    resource_types = ("AWS::IAM::Policy",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
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
            if grants_admin(decode_document(version.get("document"))):
                return Verdict.non_compliant('The policy allows all actions ("*") on all resources ("*").')
        return Verdict.compliant()
