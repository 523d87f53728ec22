from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

SUBNET = "AWS::EC2::Subnet"


def test_subnet_records_its_zone_vpc_and_tags(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.0.2.0/24",
        AvailabilityZone="us-east-1d",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "tier", "Value": "private"}]}],
    )["Subnet"]["SubnetId"]

    recorder.record_pass(SOURCE, resource_types=[SUBNET])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(SUBNET, subnet_id))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.arn == f"arn:aws:ec2:us-east-1:123456789012:subnet/{subnet_id}"
    assert item.availability_zone == "us-east-1d"
    assert item.tags == {"tier": "private"}
    config = item.configuration
    assert config is not None
    assert config["subnetId"] == subnet_id and config["vpcId"] == vpc_id
    assert config["cidrBlock"] == "10.0.2.0/24" and config["availabilityZone"] == "us-east-1d"
    assert config["mapPublicIpOnLaunch"] is False
    assert config["tags"] == [{"key": "tier", "value": "private"}]
    assert [(r.resource_type, r.resource_id, r.name) for r in item.relationships] == [
        ("AWS::EC2::VPC", vpc_id, "Is contained in Vpc")
    ]


def test_changing_a_subnet_attribute_writes_an_update(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.3.0/24")["Subnet"]["SubnetId"]
    recorder.record_pass(SOURCE, resource_types=[SUBNET])
    unchanged = recorder.record_pass(SOURCE, resource_types=[SUBNET])
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})

    recorder.record_pass(SOURCE, resource_types=[SUBNET])

    assert unchanged.items_written == 0
    history = recorder.store.items.history(SOURCE, ResourceKey(SUBNET, subnet_id))
    assert [i.status for i in history] == [ItemStatus.OK, ItemStatus.RESOURCE_DISCOVERED]
    assert history[0].diff is not None
    change = history[0].diff.changed_properties["Configuration.MapPublicIpOnLaunch"]
    assert (change.previous_value, change.updated_value) == (False, True)


def test_deleting_a_subnet_records_its_deletion(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.4.0/24")["Subnet"]["SubnetId"]
    recorder.record_pass(SOURCE, resource_types=[SUBNET])
    ec2.delete_subnet(SubnetId=subnet_id)

    recorder.record_pass(SOURCE, resource_types=[SUBNET])

    history = recorder.store.items.history(SOURCE, ResourceKey(SUBNET, subnet_id))
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]


def test_targeted_collection_of_a_subnet(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.5.0/24")["Subnet"]["SubnetId"]
    key = ResourceKey(SUBNET, subnet_id)

    created = recorder.record_resource(SOURCE, key)
    ec2.delete_subnet(SubnetId=subnet_id)
    deleted = recorder.record_resource(SOURCE, key)

    assert created is not None and created.status is ItemStatus.RESOURCE_DISCOVERED
    assert deleted is not None and deleted.status is ItemStatus.RESOURCE_DELETED
    # InvalidSubnetID.NotFound for an id never seen: nothing to record.
    assert recorder.record_resource(SOURCE, ResourceKey(SUBNET, "subnet-0123456789abcdef0")) is None
