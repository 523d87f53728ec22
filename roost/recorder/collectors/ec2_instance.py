"""AWS::EC2::Instance.

DescribeInstances answers in reservations, each holding instances, so this collector flattens them
instead of using ListCollector's one-level listing. The configuration is the Instance object in
lowerCamelCase, as AWS Config records it, with `tags` always present as `[{key, value}]` (EC2 omits
the field when an instance has no tags; rules index it without checking).

A terminated instance stays visible in DescribeInstances for about an hour. AWS Config records the
termination as ResourceDeleted, so terminated instances are left out: the recorder then sees the
instance gone and writes the deletion item.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from roost.errors import CloudError
from roost.model import NOT_APPLICABLE_ZONE
from roost.recorder.collector import (
    COLLECTORS,
    CollectContext,
    CollectedResource,
    ListCollector,
    Related,
    is_not_found,
    paginate,
)
from roost.recorder.shape import camelize, tag_dict, tag_list

#: Instance states in which AWS Config no longer records the instance as existing.
GONE_STATES = frozenset({"terminated"})


@COLLECTORS.register("AWS::EC2::Instance")
class InstanceCollector(ListCollector):
    resource_type = "AWS::EC2::Instance"
    service = "ec2"
    list_call = "describe_instances"
    list_key = "Reservations"
    id_field = "InstanceId"
    one_param = "InstanceIds"
    # AWS Config's resourceCreationTime for an instance is its (latest) launch time.
    creation_time_field = "LaunchTime"
    relationships = (
        Related("AWS::EC2::VPC", "Is contained in Vpc", "VpcId"),
        Related("AWS::EC2::Subnet", "Is contained in Subnet", "SubnetId"),
        Related("AWS::EC2::SecurityGroup", "Is associated with SecurityGroup", "SecurityGroups[].GroupId"),
        # An instance launched with an interface specification may list its groups only on the
        # interfaces (moto leaves SecurityGroups empty then); both places name the same edge.
        Related(
            "AWS::EC2::SecurityGroup",
            "Is associated with SecurityGroup",
            "NetworkInterfaces[].Groups[].GroupId",
        ),
        Related("AWS::EC2::Volume", "Is attached to Volume", "BlockDeviceMappings[].Ebs.VolumeId"),
        Related(
            "AWS::EC2::NetworkInterface",
            "Contains NetworkInterface",
            "NetworkInterfaces[].NetworkInterfaceId",
        ),
    )

    def instances(self, ctx: CollectContext, **params: Any) -> Iterator[Mapping[str, Any]]:
        """Every instance of every reservation, terminated ones left out."""
        client = ctx.client(self.service)
        for reservation in paginate(client, self.list_call, self.list_key, **params):
            for instance in reservation.get("Instances") or []:
                if (instance.get("State") or {}).get("Name") not in GONE_STATES:
                    yield instance

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        for raw in self.instances(ctx):
            yield self.build_safely(ctx, raw)

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        try:
            found = list(self.instances(ctx, InstanceIds=[resource_id]))
        except CloudError as error:
            # InvalidInstanceID.NotFound: the instance is gone (or was never there).
            if is_not_found(error):
                return None
            raise
        return self.build_safely(ctx, found[0]) if found else None

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str:
        return f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:instance/{raw['InstanceId']}"

    def availability_zone(self, raw: Mapping[str, Any]) -> str:
        zone = (raw.get("Placement") or {}).get("AvailabilityZone")
        return str(zone) if zone else NOT_APPLICABLE_ZONE

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        config: dict[str, Any] = camelize(raw)
        config["tags"] = tag_list(tag_dict(raw.get("Tags")))
        for key in ("blockDeviceMappings", "networkInterfaces", "securityGroups", "productCodes"):
            config.setdefault(key, [])
        for interface in config["networkInterfaces"]:
            # EC2 omits `association` when an interface has no public IP (moto sends `{}`); keep
            # it absent either way, so `ni.get("association")` means "has a public address".
            if not interface.get("association"):
                interface.pop("association", None)
        return config
