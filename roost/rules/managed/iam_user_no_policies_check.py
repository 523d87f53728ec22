"""iam-user-no-policies-check (IAM_USER_NO_POLICIES_CHECK): users get permissions from groups or roles.

NON_COMPLIANT when the user has an inline policy (userPolicyList) or an attached managed policy
(attachedManagedPolicies, AWS managed ones included); COMPLIANT otherwise.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("IAM_USER_NO_POLICIES_CHECK")
class IamUserNoPoliciesCheck(ManagedRule):
    identifier = "IAM_USER_NO_POLICIES_CHECK"
    name = "iam-user-no-policies-check"
    resource_types = ("AWS::IAM::User",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        inline = [str(p.get("policyName")) for p in config.get("userPolicyList") or []]
        attached = [str(p.get("policyName")) for p in config.get("attachedManagedPolicies") or []]
        if inline or attached:
            return Verdict.non_compliant(
                "The IAM user has policies of its own: " + ", ".join(sorted(inline + attached)) + "."
            )
        return Verdict.compliant()
