"""restricted-ssh (INCOMING_SSH_DISABLED): no security group lets 0.0.0.0/0 or ::/0 reach TCP 22.

NON_COMPLIANT when an ingress permission open to the whole IPv4 or IPv6 internet covers port 22
(a port range including 22, or all traffic); COMPLIANT otherwise.
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict

OPEN = {"0.0.0.0/0", "::/0"}


def open_to_world(permission: dict[str, Any]) -> bool:
    ipv4 = {r.get("cidrIp") for r in permission.get("ipv4Ranges") or []} | set(
        permission.get("ipRanges") or []
    )
    ipv6 = {r.get("cidrIpv6") for r in permission.get("ipv6Ranges") or []}
    return bool((ipv4 | ipv6) & OPEN)


def covers_port(permission: dict[str, Any], port: int, protocol: str = "tcp") -> bool:
    if str(permission.get("ipProtocol")) == "-1":
        return True
    if permission.get("ipProtocol") != protocol:
        return False
    low, high = permission.get("fromPort"), permission.get("toPort")
    if low is None or high is None:
        return True
    return int(low) <= port <= int(high) or (int(low) == -1 and int(high) == -1)


@MANAGED_RULES.register("INCOMING_SSH_DISABLED")
class IncomingSshDisabled(ManagedRule):
    identifier = "INCOMING_SSH_DISABLED"
    name = "restricted-ssh"
    resource_types = ("AWS::EC2::SecurityGroup",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE, Trigger.PERIODIC})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        for permission in (item.configuration or {}).get("ipPermissions") or []:
            if open_to_world(permission) and covers_port(permission, 22):
                return Verdict.non_compliant(
                    "The security group allows SSH (TCP 22) from the whole internet."
                )
        return Verdict.compliant()
