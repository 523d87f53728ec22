"""AWS::EC2::NetworkInterface.

The configuration is DescribeNetworkInterfaces' NetworkInterface in lowerCamelCase. EC2 names this
type's tags `TagSet` (not `Tags`), and AWS Config keeps that name: the configuration has `tagSet`
as `[{key, value}]`, always present; the item's own `tags` map is filled from it as for every type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.recorder.collector import COLLECTORS, CollectContext, ListCollector, Related
from roost.recorder.shape import camelize, tag_dict, tag_list


@COLLECTORS.register("AWS::EC2::NetworkInterface")
class NetworkInterfaceCollector(ListCollector):
    resource_type = "AWS::EC2::NetworkInterface"
    service = "ec2"
    list_call = "describe_network_interfaces"
    list_key = "NetworkInterfaces"
    id_field = "NetworkInterfaceId"
    one_param = "NetworkInterfaceIds"
    zone_field = "AvailabilityZone"
    tags_field = "TagSet"
    relationships = (
        Related("AWS::EC2::VPC", "Is contained in Vpc", "VpcId"),
        Related("AWS::EC2::Subnet", "Is contained in Subnet", "SubnetId"),
        Related("AWS::EC2::SecurityGroup", "Is associated with SecurityGroup", "Groups[].GroupId"),
        # Interfaces managed by other services (load balancers, NAT gateways) have no InstanceId.
        Related("AWS::EC2::Instance", "Is attached to Instance", "Attachment.InstanceId"),
    )

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str:
        interface_id = raw["NetworkInterfaceId"]
        return f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:network-interface/{interface_id}"

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        config: dict[str, Any] = camelize(raw)
        config.setdefault("groups", [])
        config.setdefault("privateIpAddresses", [])
        config["tagSet"] = tag_list(tag_dict(raw.get("TagSet")))
        # EC2 omits `association` when the interface has no public IP (moto sends `{}`).
        if not config.get("association"):
            config.pop("association", None)
        return config
