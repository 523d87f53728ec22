"""iam-user-group-membership-check (IAM_USER_GROUP_MEMBERSHIP_CHECK): users belong to a group.

NON_COMPLIANT when the user's recorded `groupList` is empty or, with `groupNames`, holds none of
the listed groups.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("IAM_USER_GROUP_MEMBERSHIP_CHECK")
class IamUserGroupMembershipCheck(ManagedRule):
    identifier = "IAM_USER_GROUP_MEMBERSHIP_CHECK"
    name = "iam-user-group-membership-check"
    resource_types = ("AWS::IAM::User",)
    parameters = (Parameter("groupNames", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        groups = [str(g) for g in (item.configuration or {}).get("groupList") or []]
        wanted = ctx.params.get("groupNames") or []
        user = item.resource_name or item.resource_id
        if not groups:
            return Verdict.non_compliant(f"The IAM user {user} is in no group.")
        if wanted and not set(groups) & set(wanted):
            return Verdict.non_compliant(f"The IAM user {user} is in none of {', '.join(wanted)}.")
        return Verdict.compliant()
