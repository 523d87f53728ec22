from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

IGW = "AWS::EC2::InternetGateway"


def test_attached_gateway_records_its_vpc(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    tags = [{"Key": "Name", "Value": "edge"}]
    gateway_id = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": tags}]
    )["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)

    recorder.record_pass(SOURCE, resource_types=[IGW])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(IGW, gateway_id))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.arn == f"arn:aws:ec2:us-east-1:123456789012:internet-gateway/{gateway_id}"
    assert item.availability_zone == "Not Applicable"
    assert item.tags == {"Name": "edge"}
    config = item.configuration
    assert config is not None
    assert config["internetGatewayId"] == gateway_id
    assert [a["vpcId"] for a in config["attachments"]] == [vpc_id]
    assert config["tags"] == [{"key": "Name", "value": "edge"}]
    assert [(r.resource_type, r.resource_id, r.name) for r in item.relationships] == [
        ("AWS::EC2::VPC", vpc_id, "Is attached to Vpc")
    ]


def test_detaching_then_deleting_a_gateway(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    recorder.record_pass(SOURCE, resource_types=[IGW])
    unchanged = recorder.record_pass(SOURCE, resource_types=[IGW])

    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    recorder.record_pass(SOURCE, resource_types=[IGW])
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    recorder.record_pass(SOURCE, resource_types=[IGW])

    assert unchanged.items_written == 0
    history = recorder.store.items.history(SOURCE, ResourceKey(IGW, gateway_id))
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]
    detached = history[1]
    assert detached.relationships == ()
    assert detached.configuration is not None and detached.configuration["attachments"] == []
    assert detached.configuration["tags"] == []


def test_targeted_collection_of_a_gateway(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    key = ResourceKey(IGW, gateway_id)

    created = recorder.record_resource(SOURCE, key)
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    deleted = recorder.record_resource(SOURCE, key)

    assert created is not None and created.status is ItemStatus.RESOURCE_DISCOVERED
    assert deleted is not None and deleted.status is ItemStatus.RESOURCE_DELETED
    # InvalidInternetGatewayID.NotFound for an id never seen: nothing to record.
    assert recorder.record_resource(SOURCE, ResourceKey(IGW, "igw-0123456789abcdef0")) is None
