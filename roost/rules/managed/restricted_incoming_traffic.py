"""restricted-common-ports (RESTRICTED_INCOMING_TRAFFIC): in-use groups keep common ports closed.

For a security group in use (attached to at least one network interface, which EC2's
DescribeNetworkInterfaces of the evaluated account and region tells), NON_COMPLIANT when an
ingress permission open to 0.0.0.0/0 covers one of the blocked TCP ports (a TCP range including
it, or all traffic). The blocked ports are blockedPort1..5 (defaults 20, 21, 3389, 3306, 4333)
plus those of the `blockedPorts` CSV. As AWS documents, only IPv4 (0.0.0.0/0) counts. A group
attached to nothing is NOT_APPLICABLE.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from roost.cloud import describe_error
from roost.model import ConfigurationItem
from roost.rules.managed.incoming_ssh_disabled import covers_port
from roost.rules.managed_rule import (
    MANAGED_RULES,
    InvalidParameterError,
    ManagedRule,
    Parameter,
    RuleContext,
    Trigger,
    Verdict,
)

PORT_PARAMETERS = (
    Parameter("blockedPort1", "int", "20"),
    Parameter("blockedPort2", "int", "21"),
    Parameter("blockedPort3", "int", "3389"),
    Parameter("blockedPort4", "int", "3306"),
    Parameter("blockedPort5", "int", "4333"),
)


def blocked_ports(params: dict[str, Any]) -> list[int]:
    ports = {int(params[p.name]) for p in PORT_PARAMETERS if params.get(p.name) is not None}
    for raw in params.get("blockedPorts") or []:
        try:
            ports.add(int(raw))
        except ValueError:
            raise InvalidParameterError(f"blockedPorts must be a list of ports, got {raw!r}") from None
    return sorted(ports)


@MANAGED_RULES.register("RESTRICTED_INCOMING_TRAFFIC")
class RestrictedIncomingTraffic(ManagedRule):
    identifier = "RESTRICTED_INCOMING_TRAFFIC"
    name = "restricted-common-ports"
    resource_types = ("AWS::EC2::SecurityGroup",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE, Trigger.PERIODIC})
    parameters = (*PORT_PARAMETERS, Parameter("blockedPorts", "CSV"))

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        ports = blocked_ports(ctx.params)
        exposed = sorted(
            {
                port
                for permission in config.get("ipPermissions") or []
                if "0.0.0.0/0"
                in (
                    {r.get("cidrIp") for r in permission.get("ipv4Ranges") or []}
                    | set(permission.get("ipRanges") or [])
                )
                for port in ports
                if covers_port(permission, port)
            }
        )
        if not self.in_use(item.resource_id, ctx):
            return Verdict.not_applicable("The security group is not attached to any network interface.")
        if exposed:
            listed = ", ".join(str(p) for p in exposed)
            return Verdict.non_compliant(f"The security group allows TCP {listed} from 0.0.0.0/0.")
        return Verdict.compliant()

    @staticmethod
    def in_use(group_id: str, ctx: RuleContext) -> bool:
        try:
            found = ctx.client("ec2").describe_network_interfaces(
                Filters=[{"Name": "group-id", "Values": [group_id]}], MaxResults=5
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise describe_error(exc) from None
        return bool(found.get("NetworkInterfaces"))
