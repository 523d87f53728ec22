"""subnet-auto-assign-public-ip-disabled (SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED).

NON_COMPLIANT when the recorded subnet has mapPublicIpOnLaunch true (instances launched in it get a
public IPv4 address by default).
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED")
class SubnetAutoAssignPublicIpDisabled(ManagedRule):
    identifier = "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED"
    name = "subnet-auto-assign-public-ip-disabled"
    resource_types = ("AWS::EC2::Subnet",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        if (item.configuration or {}).get("mapPublicIpOnLaunch"):
            return Verdict.non_compliant("The subnet assigns public IPv4 addresses on launch.")
        return Verdict.compliant()
