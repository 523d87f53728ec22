"""vpc-default-security-group-closed (VPC_DEFAULT_SECURITY_GROUP_CLOSED).

A VPC's default security group (the group named `default` of a VPC) is COMPLIANT when it has no
inbound and no outbound rule, NON_COMPLIANT when it has any. Other groups are NOT_APPLICABLE.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Verdict


@MANAGED_RULES.register("VPC_DEFAULT_SECURITY_GROUP_CLOSED")
class VpcDefaultSecurityGroupClosed(ManagedRule):
    identifier = "VPC_DEFAULT_SECURITY_GROUP_CLOSED"
    name = "vpc-default-security-group-closed"
    resource_types = ("AWS::EC2::SecurityGroup",)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if config.get("groupName") != "default" or not config.get("vpcId"):
            return Verdict.not_applicable("Not the default security group of a VPC.")
        inbound = len(config.get("ipPermissions") or [])
        outbound = len(config.get("ipPermissionsEgress") or [])
        if inbound or outbound:
            return Verdict.non_compliant(
                f"The default security group of {config['vpcId']} has {inbound} inbound and "
                f"{outbound} outbound rules."
            )
        return Verdict.compliant()
