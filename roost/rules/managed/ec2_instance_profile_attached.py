"""ec2-instance-profile-attached (EC2_INSTANCE_PROFILE_ATTACHED).

NON_COMPLIANT when the recorded instance has no IAM instance profile, or, with
`IamInstanceProfileArnList`, one whose ARN is not in the list.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("EC2_INSTANCE_PROFILE_ATTACHED")
class Ec2InstanceProfileAttached(ManagedRule):
    identifier = "EC2_INSTANCE_PROFILE_ATTACHED"
    name = "ec2-instance-profile-attached"
    resource_types = ("AWS::EC2::Instance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters = (Parameter("IamInstanceProfileArnList", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        profile = (item.configuration or {}).get("iamInstanceProfile") or {}
        arn = profile.get("arn") if isinstance(profile, dict) else None
        if not arn:
            return Verdict.non_compliant("The instance has no IAM instance profile.")
        allowed = ctx.params.get("IamInstanceProfileArnList") or []
        if allowed and arn not in allowed:
            return Verdict.non_compliant(f"The instance profile {arn} is not in IamInstanceProfileArnList.")
        return Verdict.compliant()
