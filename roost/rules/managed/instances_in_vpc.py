"""ec2-instances-in-vpc (INSTANCES_IN_VPC): instances run in a VPC (not EC2-Classic).

NON_COMPLIANT when the recorded instance has no vpcId, or, with `vpcId`, is in another VPC.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("INSTANCES_IN_VPC")
class InstancesInVpc(ManagedRule):
    identifier = "INSTANCES_IN_VPC"
    name = "ec2-instances-in-vpc"
    resource_types = ("AWS::EC2::Instance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters = (Parameter("vpcId"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        vpc = (item.configuration or {}).get("vpcId")
        wanted = ctx.params.get("vpcId")
        if not vpc:
            return Verdict.non_compliant("The instance is not in a VPC.")
        if wanted and vpc != wanted:
            return Verdict.non_compliant(f"The instance is in {vpc}, not in {wanted}.")
        return Verdict.compliant()
