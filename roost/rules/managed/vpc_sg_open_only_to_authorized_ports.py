"""vpc-sg-open-only-to-authorized-ports (VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS).

A security group's ingress open to the whole internet (0.0.0.0/0 or ::/0) may only reach the
authorized ports: `authorizedTcpPorts` and `authorizedUdpPorts`, each a comma-separated list of
ports and ranges ("443,1020-1025"). NON_COMPLIANT when such a permission allows all traffic, or a
TCP or UDP port range not wholly inside the authorized ports of its protocol (no parameter: no port
is authorized). Other protocols (ICMP and the like) are not judged, as in AWS's rule.
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed.incoming_ssh_disabled import open_to_world
from roost.rules.managed_rule import (
    MANAGED_RULES,
    InvalidParameterError,
    ManagedRule,
    Parameter,
    RuleContext,
    Trigger,
    Verdict,
)

PROTOCOLS = {
    "tcp": "authorizedTcpPorts",
    "udp": "authorizedUdpPorts",
    "6": "authorizedTcpPorts",
    "17": "authorizedUdpPorts",
}


def port_ranges(name: str, raw: str | None) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise InvalidParameterError(f"{name} must list ports or ranges, got {part!r}") from None
        if not 0 <= first <= last <= 65535:
            raise InvalidParameterError(f"{name} has an invalid port range {part!r}")
        ranges.append((first, last))
    return ranges


def authorized(low: int, high: int, ranges: list[tuple[int, int]]) -> bool:
    """Whether every port of low..high lies inside the union of ranges."""
    port = low
    for first, last in sorted(ranges):
        if first <= port <= last:
            port = last + 1
            if port > high:
                return True
    return port > high


@MANAGED_RULES.register("VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS")
class VpcSgOpenOnlyToAuthorizedPorts(ManagedRule):
    identifier = "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS"
    name = "vpc-sg-open-only-to-authorized-ports"
    resource_types = ("AWS::EC2::SecurityGroup",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE, Trigger.PERIODIC})
    parameters = (Parameter("authorizedTcpPorts"), Parameter("authorizedUdpPorts"))

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        allowed = {name: port_ranges(name, ctx.params.get(name)) for name in set(PROTOCOLS.values())}
        for permission in (item.configuration or {}).get("ipPermissions") or []:
            if not open_to_world(permission):
                continue
            problem = self.unauthorized(permission, allowed)
            if problem:
                return Verdict.non_compliant(f"The security group allows {problem} from the whole internet.")
        return Verdict.compliant()

    @staticmethod
    def unauthorized(permission: dict[str, Any], allowed: dict[str, list[tuple[int, int]]]) -> str | None:
        protocol = str(permission.get("ipProtocol")).lower()
        if protocol == "-1":
            return "all traffic"
        if protocol not in PROTOCOLS:
            return None
        low, high = permission.get("fromPort"), permission.get("toPort")
        first = 0 if low is None or int(low) == -1 else int(low)
        last = 65535 if high is None or int(high) == -1 else int(high)
        if authorized(first, last, allowed[PROTOCOLS[protocol]]):
            return None
        label = "TCP" if PROTOCOLS[protocol] == "authorizedTcpPorts" else "UDP"
        return f"{label} {first}" if first == last else f"{label} {first}-{last}"
