"""AWS::EC2::Volume.

The configuration is DescribeVolumes' Volume in lowerCamelCase. EC2 leaves out `KmsKeyId` on an
unencrypted volume and `Tags` on an untagged one; AWS Config records `kmsKeyId: null` and
`tags: []`, and encryption rules read both, so they are always present here. `state` stays the
plain string the API returns ("in-use"), as in AWS Config's recorded items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.recorder.collector import COLLECTORS, CollectContext, ListCollector, Related
from roost.recorder.shape import camelize, tag_dict, tag_list


@COLLECTORS.register("AWS::EC2::Volume")
class VolumeCollector(ListCollector):
    resource_type = "AWS::EC2::Volume"
    service = "ec2"
    list_call = "describe_volumes"
    list_key = "Volumes"
    id_field = "VolumeId"
    one_param = "VolumeIds"
    creation_time_field = "CreateTime"
    zone_field = "AvailabilityZone"
    relationships = (Related("AWS::EC2::Instance", "Is attached to Instance", "Attachments[].InstanceId"),)

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str:
        return f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:volume/{raw['VolumeId']}"

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        config: dict[str, Any] = camelize(raw)
        config.setdefault("attachments", [])
        config.setdefault("encrypted", False)
        config.setdefault("kmsKeyId", None)
        config["tags"] = tag_list(tag_dict(raw.get("Tags")))
        return config
