"""AWS::EC2::SecurityGroup.

AWS Config records each permission's IPv4 ranges twice: `ipv4Ranges` as objects
(`[{"cidrIp": ...}]`) and `ipRanges` as plain CIDR strings. Real rules read both, so both are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.recorder.collector import COLLECTORS, CollectContext, ListCollector, Related
from roost.recorder.shape import camelize, tag_dict, tag_list


def permission(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One ingress/egress permission in AWS Config's shape."""
    ranges = raw.get("IpRanges") or []
    result: dict[str, Any] = {
        "ipProtocol": raw.get("IpProtocol"),
        "ipv6Ranges": camelize(raw.get("Ipv6Ranges") or []),
        "prefixListIds": camelize(raw.get("PrefixListIds") or []),
        "userIdGroupPairs": camelize(raw.get("UserIdGroupPairs") or []),
        "ipv4Ranges": camelize(ranges),
        "ipRanges": [r["CidrIp"] for r in ranges if "CidrIp" in r],
    }
    if "FromPort" in raw:
        result["fromPort"] = raw["FromPort"]
    if "ToPort" in raw:
        result["toPort"] = raw["ToPort"]
    return result


@COLLECTORS.register("AWS::EC2::SecurityGroup")
class SecurityGroupCollector(ListCollector):
    resource_type = "AWS::EC2::SecurityGroup"
    service = "ec2"
    list_call = "describe_security_groups"
    list_key = "SecurityGroups"
    id_field = "GroupId"
    name_field = "GroupName"
    one_param = "GroupIds"
    relationships = (Related("AWS::EC2::VPC", "Is contained in Vpc", "VpcId"),)

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str:
        return f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:security-group/{raw['GroupId']}"

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {
            "description": raw.get("Description"),
            "groupName": raw.get("GroupName"),
            "ipPermissions": [permission(p) for p in raw.get("IpPermissions") or []],
            "ownerId": raw.get("OwnerId"),
            "groupId": raw["GroupId"],
            "ipPermissionsEgress": [permission(p) for p in raw.get("IpPermissionsEgress") or []],
            "tags": tag_list(tag_dict(raw.get("Tags"))),
            "vpcId": raw.get("VpcId"),
        }
