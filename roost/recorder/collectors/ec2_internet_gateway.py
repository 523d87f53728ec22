"""AWS::EC2::InternetGateway.

The configuration is DescribeInternetGateways' InternetGateway in lowerCamelCase, with
`attachments` and `tags` always lists. A gateway is attached to at most one VPC; detaching it empties
`attachments` and drops the "Is attached to Vpc" relationship, which is recorded as a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.recorder.collector import COLLECTORS, CollectContext, ListCollector, Related
from roost.recorder.shape import camelize, tag_dict, tag_list


@COLLECTORS.register("AWS::EC2::InternetGateway")
class InternetGatewayCollector(ListCollector):
    resource_type = "AWS::EC2::InternetGateway"
    service = "ec2"
    list_call = "describe_internet_gateways"
    list_key = "InternetGateways"
    id_field = "InternetGatewayId"
    one_param = "InternetGatewayIds"
    relationships = (Related("AWS::EC2::VPC", "Is attached to Vpc", "Attachments[].VpcId"),)

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str:
        gateway_id = raw["InternetGatewayId"]
        return f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:internet-gateway/{gateway_id}"

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        config: dict[str, Any] = camelize(raw)
        config.setdefault("attachments", [])
        config["tags"] = tag_list(tag_dict(raw.get("Tags")))
        return config
