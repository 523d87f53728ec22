"""iam-no-inline-policy-check (IAM_NO_INLINE_POLICY_CHECK): no user, group or role has an inline
policy.

NON_COMPLIANT when the recorded `userPolicyList`, `groupPolicyList` or `rolePolicyList` is not
empty; the annotation names the inline policies.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Verdict

POLICY_LISTS = {
    "AWS::IAM::User": "userPolicyList",
    "AWS::IAM::Group": "groupPolicyList",
    "AWS::IAM::Role": "rolePolicyList",
}


@MANAGED_RULES.register("IAM_NO_INLINE_POLICY_CHECK")
class IamNoInlinePolicyCheck(ManagedRule):
    identifier = "IAM_NO_INLINE_POLICY_CHECK"
    name = "iam-no-inline-policy-check"
    resource_types = ("AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::User")

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        inline = (item.configuration or {}).get(POLICY_LISTS[item.resource_type]) or []
        if inline:
            names = ", ".join(str(p.get("policyName")) for p in inline)
            return Verdict.non_compliant(
                f"{item.resource_name or item.resource_id} has inline policies: {names}."
            )
        return Verdict.compliant()
