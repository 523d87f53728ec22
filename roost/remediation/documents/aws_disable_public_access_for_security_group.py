"""AWS-DisablePublicAccessForSecurityGroup: close SSH (22) and RDP (3389) to the whole internet.

AWS's runbook revokes, in one RevokeSecurityGroupIngress call, the four exact rules tcp/22 and
tcp/3389 from 0.0.0.0/0 and from ::/0 (or, with IpAddressToBlock, the same ports from that address).
It is an exact match: a port range that merely contains 22, an all-traffic rule or another CIDR stays.
EC2 answers InvalidPermission.NotFound when a rule to revoke is missing, except in a default VPC,
where missing rules are passed over; so the runbook fails on a group of a non-default VPC that does
not have all four. This document does the same on any cloud: in a default VPC it revokes those of
the rules the group has, elsewhere it asks EC2 for all of them.
"""

from __future__ import annotations

from typing import Any

from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentParameter,
    assume_role_parameter,
)

PORTS = (22, 3389)
IP_PATTERN = (
    r"(^$)|^((25[0-5]|(2[0-4]\d|[0-1]?\d?\d)(\.(25[0-5]|2[0-4]\d|[0-1]?\d?\d)){3})|"
    r"(^((?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?)::((?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?))|"
    r"(^(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}))\/(25[0-5]|2[0-4]\d|[0-1]?\d?\d)$"
)


def _permission(port: int, cidr: str) -> dict[str, Any]:
    ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **ranges}


def _present(group: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for permission in group.get("IpPermissions") or []:
        if (permission.get("IpProtocol"), permission.get("FromPort"), permission.get("ToPort")) != (
            "tcp",
            wanted["FromPort"],
            wanted["ToPort"],
        ):
            continue
        if "IpRanges" in wanted:
            cidrs = {r.get("CidrIp") for r in permission.get("IpRanges") or []}
            if wanted["IpRanges"][0]["CidrIp"] in cidrs:
                return True
        else:
            cidrs = {r.get("CidrIpv6") for r in permission.get("Ipv6Ranges") or []}
            if wanted["Ipv6Ranges"][0]["CidrIpv6"] in cidrs:
                return True
    return False


@DOCUMENTS.register("AWS-DisablePublicAccessForSecurityGroup")
class DisablePublicAccessForSecurityGroup(AutomationDocument):
    name = "AWS-DisablePublicAccessForSecurityGroup"
    description = (
        "Disable SSH and RDP ports opened to IP address specified, or to all addresses if no address is "
        "specified. Similar to the RevokeSecurityGroupIngress API, the security group must have existing "
        "rules specifically on the SSH and RDP ports in order for ingress to be disabled."
    )
    resource_types = ("AWS::EC2::SecurityGroup",)
    parameters = (
        DocumentParameter(
            "GroupId", "String", "(Required) Security Group ID", allowed_pattern=r"^([s][g]\-)([0-9a-f]){1,}$"
        ),
        DocumentParameter(
            "IpAddressToBlock",
            "String",
            "(Optional) Additional Ipv4 or Ipv6 address to block access from (ex:1.2.3.4/32)",
            default="",
            allowed_pattern=IP_PATTERN,
        ),
        assume_role_parameter(),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        group_id: str = params["GroupId"]
        custom: str = params["IpAddressToBlock"]
        with automation.step("CustomIpCheck"):
            if not custom:
                step, cidrs = "DisableFromAllIp", ["0.0.0.0/0", "::/0"]
            elif ":" in custom:
                step, cidrs = "DisableFromCustomIpV6", [custom]
            else:
                step, cidrs = "DisableFromCustomIpV4", [custom]
        with automation.step(step):
            wanted = [_permission(port, cidr) for port in PORTS for cidr in cidrs]
            group = automation.read("ec2", "describe_security_groups", GroupIds=[group_id])["SecurityGroups"][
                0
            ]
            if _in_default_vpc(automation, group):
                wanted = [p for p in wanted if _present(group, p)]
                if not wanted:
                    return
            automation.write("ec2", "revoke_security_group_ingress", GroupId=group_id, IpPermissions=wanted)


def _in_default_vpc(automation: Automation, group: dict[str, Any]) -> bool:
    vpc = group.get("VpcId")
    if not vpc:
        return True  # EC2-Classic behaved as the default VPC does
    found = automation.read("ec2", "describe_vpcs", VpcIds=[vpc])["Vpcs"]
    return bool(found and found[0].get("IsDefault"))
