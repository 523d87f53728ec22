"""iam-inline-policy-blocked-kms-actions (IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS).

A user, group or role with an inline policy that allows one of `blockedActionsPatterns` (required)
on KMS keys is NON_COMPLIANT (see _iam_kms). With excludeRoleByManagementAccount "true", a role
whose trust policy lets the organization's management account assume it is NOT_APPLICABLE; the
management account comes from Organizations' DescribeOrganization (no organization: none excluded).
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed._cloud_read import read_optional
from roost.rules.managed._iam_kms import allowed_blocked_actions
from roost.rules.managed._s3 import as_list
from roost.rules.managed.iam_policy_no_statements_with_admin_access import decode_document
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict

POLICY_LISTS = {
    "AWS::IAM::User": "userPolicyList",
    "AWS::IAM::Group": "groupPolicyList",
    "AWS::IAM::Role": "rolePolicyList",
}


def trusted_accounts(config: dict[str, Any]) -> set[str]:
    document = decode_document(config.get("assumeRolePolicyDocument"))
    found: set[str] = set()
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        values = as_list(principal.get("AWS")) if isinstance(principal, dict) else as_list(principal)
        for value in values:
            text = str(value)
            found.add(text.split(":")[4] if text.startswith("arn:") and text.count(":") >= 5 else text)
    return found


@MANAGED_RULES.register("IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS")
class IamInlinePolicyBlockedKmsActions(ManagedRule):
    identifier = "IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS"
    name = "iam-inline-policy-blocked-kms-actions"
    resource_types = ("AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::User")
    parameters = (
        Parameter("blockedActionsPatterns", "CSV", optional=False),
        Parameter("excludeRoleByManagementAccount", "boolean"),
    )

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if item.resource_type == "AWS::IAM::Role" and ctx.params.get("excludeRoleByManagementAccount"):
            organization = read_optional(
                ctx.client("organizations").describe_organization,
                ("AWSOrganizationsNotInUseException",),
            )
            management = ((organization or {}).get("Organization") or {}).get("MasterAccountId")
            if management and str(management) in trusted_accounts(config):
                return Verdict.not_applicable("The management account may assume this role.")
        patterns = [str(p) for p in ctx.params.get("blockedActionsPatterns") or []]
        for policy in config.get(POLICY_LISTS[item.resource_type]) or []:
            found = allowed_blocked_actions(decode_document(policy.get("policyDocument")), patterns)
            if found:
                return Verdict.non_compliant(
                    f"The inline policy {policy.get('policyName')} allows blocked KMS actions: "
                    + ", ".join(found)
                    + "."
                )
        return Verdict.compliant()
