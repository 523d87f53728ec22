"""AWS::EC2::Subnet.

The configuration is DescribeSubnets' Subnet in lowerCamelCase, with `tags` always a list. A subnet
lives in one availability zone, which becomes the item's `availabilityZone`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.recorder.collector import COLLECTORS, CollectContext, ListCollector, Related
from roost.recorder.shape import camelize, tag_dict, tag_list


@COLLECTORS.register("AWS::EC2::Subnet")
class SubnetCollector(ListCollector):
    resource_type = "AWS::EC2::Subnet"
    service = "ec2"
    list_call = "describe_subnets"
    list_key = "Subnets"
    id_field = "SubnetId"
    one_param = "SubnetIds"
    zone_field = "AvailabilityZone"
    relationships = (Related("AWS::EC2::VPC", "Is contained in Vpc", "VpcId"),)

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str:
        # EC2 returns SubnetArn; older API versions (and some emulators) do not.
        if raw.get("SubnetArn"):
            return str(raw["SubnetArn"])
        return f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:subnet/{raw['SubnetId']}"

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        config: dict[str, Any] = camelize(raw)
        config.setdefault("ipv6CidrBlockAssociationSet", [])
        config["tags"] = tag_list(tag_dict(raw.get("Tags")))
        return config
