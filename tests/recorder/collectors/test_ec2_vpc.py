from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

VPC = "AWS::EC2::VPC"


def test_vpc_records_its_cidr_and_tags(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    tags = [{"Key": "Name", "Value": "lab"}]
    vpc_id = ec2.create_vpc(
        CidrBlock="10.8.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}]
    )["Vpc"]["VpcId"]

    recorder.record_pass(SOURCE, resource_types=[VPC])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(VPC, vpc_id))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.arn == f"arn:aws:ec2:us-east-1:123456789012:vpc/{vpc_id}"
    assert item.availability_zone == "Multiple Availability Zones"  # as AWS writes it for a VPC
    assert item.tags == {"Name": "lab"}
    config = item.configuration
    assert config is not None
    assert config["vpcId"] == vpc_id and config["cidrBlock"] == "10.8.0.0/16"
    assert config["isDefault"] is False and config["state"] == "available"
    assert [a["cidrBlock"] for a in config["cidrBlockAssociationSet"]] == ["10.8.0.0/16"]
    assert config["tags"] == [{"key": "Name", "value": "lab"}]
    assert item.relationships == ()


def test_default_vpc_is_recorded_and_an_unchanged_pass_writes_nothing(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    (default,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]

    first = recorder.record_pass(SOURCE, resource_types=[VPC])
    second = recorder.record_pass(SOURCE, resource_types=[VPC])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(VPC, default["VpcId"]))
    assert item is not None and item.configuration is not None
    assert item.configuration["isDefault"] is True and item.configuration["tags"] == []
    assert first.items_written >= 1 and second.items_written == 0


def test_deleting_a_vpc_records_its_deletion(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    recorder.record_pass(SOURCE, resource_types=[VPC])
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "env", "Value": "dev"}])
    recorder.record_pass(SOURCE, resource_types=[VPC])
    ec2.delete_vpc(VpcId=vpc_id)

    recorder.record_pass(SOURCE, resource_types=[VPC])

    history = recorder.store.items.history(SOURCE, ResourceKey(VPC, vpc_id))
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]
    assert history[1].tags == {"env": "dev"}


def test_targeted_collection_of_a_vpc(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    key = ResourceKey(VPC, vpc_id)

    created = recorder.record_resource(SOURCE, key)
    ec2.delete_vpc(VpcId=vpc_id)
    deleted = recorder.record_resource(SOURCE, key)

    assert created is not None and created.status is ItemStatus.RESOURCE_DISCOVERED
    assert deleted is not None and deleted.status is ItemStatus.RESOURCE_DELETED
    # InvalidVpcID.NotFound for an id never seen: nothing to record.
    assert recorder.record_resource(SOURCE, ResourceKey(VPC, "vpc-0123456789abcdef0")) is None
