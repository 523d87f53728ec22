"""AWS::EC2::VPC.

The configuration is DescribeVpcs' Vpc in lowerCamelCase, with `tags` always a list.

Relationships: AWS Config draws the VPC's edges ("Contains Subnet", "Contains Instance", "Is attached
to InternetGateway", ...) from the contained resources, whose own items carry "Is contained in Vpc" /
"Is attached to Vpc". Recording them here too would need a listing of every contained type per VPC
and would rewrite the VPC's item whenever anything in it comes or goes, so the VPC records none and
the edges are found from the other side (relationships are queryable by resource id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.recorder.collector import COLLECTORS, CollectContext, ListCollector
from roost.recorder.shape import camelize, tag_dict, tag_list


@COLLECTORS.register("AWS::EC2::VPC")
class VpcCollector(ListCollector):
    resource_type = "AWS::EC2::VPC"
    default_zone = "Multiple Availability Zones"
    service = "ec2"
    list_call = "describe_vpcs"
    list_key = "Vpcs"
    id_field = "VpcId"
    one_param = "VpcIds"

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str:
        return f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:vpc/{raw['VpcId']}"

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        config: dict[str, Any] = camelize(raw)
        config.setdefault("cidrBlockAssociationSet", [])
        config.setdefault("ipv6CidrBlockAssociationSet", [])
        config["tags"] = tag_list(tag_dict(raw.get("Tags")))
        return config
