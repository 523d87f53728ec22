"""ec2-instance-no-public-ip (EC2_INSTANCE_NO_PUBLIC_IP): instances have no public IPv4 address.

NON_COMPLIANT when the instance's configuration carries a public IPv4 address (`publicIpAddress`,
or an `association.publicIp` on one of its network interfaces); COMPLIANT otherwise. IPv6
addresses are not considered, as in AWS's rule.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Verdict


@MANAGED_RULES.register("EC2_INSTANCE_NO_PUBLIC_IP")
class Ec2InstanceNoPublicIp(ManagedRule):
    identifier = "EC2_INSTANCE_NO_PUBLIC_IP"
    name = "ec2-instance-no-public-ip"
    resource_types = ("AWS::EC2::Instance",)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        addresses = [config.get("publicIpAddress")] + [
            ((interface or {}).get("association") or {}).get("publicIp")
            for interface in config.get("networkInterfaces") or []
        ]
        found = sorted({a for a in addresses if a})
        if found:
            return Verdict.non_compliant(f"The instance has the public IP address {', '.join(found)}.")
        return Verdict.compliant()
