"""iam-group-has-users-check (IAM_GROUP_HAS_USERS_CHECK): every IAM group has a member.

Membership is recorded as the group's "Contains User" relationships (as AWS Config does); a group
without any is NON_COMPLIANT.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Verdict


@MANAGED_RULES.register("IAM_GROUP_HAS_USERS_CHECK")
class IamGroupHasUsersCheck(ManagedRule):
    identifier = "IAM_GROUP_HAS_USERS_CHECK"
    name = "iam-group-has-users-check"
    resource_types = ("AWS::IAM::Group",)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        if any(
            r.resource_type == "AWS::IAM::User" and r.name == "Contains User"
            for r in item.relationships or ()
        ):
            return Verdict.compliant()
        return Verdict.non_compliant(f"The IAM group {item.resource_name or item.resource_id} has no users.")
