"""iam-customer-policy-blocked-kms-actions (IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS).

A customer managed policy whose default version allows one of `blockedActionsPatterns` (required)
on KMS keys is NON_COMPLIANT (see _iam_kms for what "allows on KMS keys" means). With
excludePermissionBoundaryPolicy "true", a policy used as a permissions boundary is NOT_APPLICABLE.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed._iam_kms import allowed_blocked_actions
from roost.rules.managed.iam_policy_no_statements_with_admin_access import decode_document
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS")
class IamCustomerPolicyBlockedKmsActions(ManagedRule):
    identifier = "IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS"
    name = "iam-customer-policy-blocked-kms-actions"
    resource_types = ("AWS::IAM::Policy",)
    parameters = (
        Parameter("blockedActionsPatterns", "CSV", optional=False),
        Parameter("excludePermissionBoundaryPolicy", "boolean"),
    )

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if ctx.params.get("excludePermissionBoundaryPolicy") and int(
            config.get("permissionsBoundaryUsageCount") or 0
        ):
            return Verdict.not_applicable("The policy is used as a permissions boundary.")
        patterns = [str(p) for p in ctx.params.get("blockedActionsPatterns") or []]
        versions = config.get("policyVersionList") or []
        default = [v for v in versions if v.get("isDefaultVersion")] or versions[-1:]
        for version in default:
            found = allowed_blocked_actions(decode_document(version.get("document")), patterns)
            if found:
                return Verdict.non_compliant(f"The policy allows blocked KMS actions: {', '.join(found)}.")
        return Verdict.compliant()
