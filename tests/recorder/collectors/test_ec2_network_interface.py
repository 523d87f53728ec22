from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

ENI = "AWS::EC2::NetworkInterface"
# One of the images moto bundles in every region (an Ubuntu AMI).
AMI = "ami-1e749f67"


def network(ec2: Any) -> tuple[str, str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    created = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    subnet = created["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    return vpc, subnet, group


def create_interface(ec2: Any, subnet: str, group: str, **params: Any) -> str:
    created = ec2.create_network_interface(SubnetId=subnet, Groups=[group], **params)
    interface_id: str = created["NetworkInterface"]["NetworkInterfaceId"]
    return interface_id


def launch(ec2: Any, subnet: str) -> str:
    reservation = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet)
    instance_id: str = reservation["Instances"][0]["InstanceId"]
    return instance_id


def test_attached_interface_records_its_network_group_and_instance(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc, subnet, group = network(ec2)
    tags = [{"Key": "team", "Value": "net"}]
    spec = [{"ResourceType": "network-interface", "Tags": tags}]
    interface_id = create_interface(ec2, subnet, group, TagSpecifications=spec)
    instance_id = launch(ec2, subnet)
    ec2.attach_network_interface(NetworkInterfaceId=interface_id, InstanceId=instance_id, DeviceIndex=1)

    recorder.record_pass(SOURCE, resource_types=[ENI])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(ENI, interface_id))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.arn == f"arn:aws:ec2:us-east-1:123456789012:network-interface/{interface_id}"
    assert item.availability_zone == "us-east-1a"
    assert item.tags == {"team": "net"}
    config = item.configuration
    assert config is not None
    assert config["networkInterfaceId"] == interface_id and config["status"] == "in-use"
    assert config["attachment"]["instanceId"] == instance_id
    assert config["groups"] == [{"groupId": group, "groupName": "app"}]
    # EC2 (and AWS Config after it) calls this type's tags `tagSet`.
    assert config["tagSet"] == [{"key": "team", "value": "net"}]
    assert "association" not in config
    assert [(r.resource_type, r.resource_id, r.name) for r in item.relationships] == [
        ("AWS::EC2::Instance", instance_id, "Is attached to Instance"),
        ("AWS::EC2::SecurityGroup", group, "Is associated with SecurityGroup"),
        ("AWS::EC2::Subnet", subnet, "Is contained in Subnet"),
        ("AWS::EC2::VPC", vpc, "Is contained in Vpc"),
    ]


def test_detaching_then_deleting_an_interface(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    _, subnet, group = network(ec2)
    interface_id = create_interface(ec2, subnet, group)
    instance_id = launch(ec2, subnet)
    attachment = ec2.attach_network_interface(
        NetworkInterfaceId=interface_id, InstanceId=instance_id, DeviceIndex=1
    )
    recorder.record_pass(SOURCE, resource_types=[ENI])
    unchanged = recorder.record_pass(SOURCE, resource_types=[ENI])

    ec2.detach_network_interface(AttachmentId=attachment["AttachmentId"])
    recorder.record_pass(SOURCE, resource_types=[ENI])
    ec2.delete_network_interface(NetworkInterfaceId=interface_id)
    recorder.record_pass(SOURCE, resource_types=[ENI])

    assert unchanged.items_written == 0
    history = recorder.store.items.history(SOURCE, ResourceKey(ENI, interface_id))
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]
    assert "AWS::EC2::Instance" not in {r.resource_type for r in history[1].relationships}
    assert history[1].configuration is not None and history[1].configuration["tagSet"] == []


def test_targeted_collection_of_an_interface(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    _, subnet, group = network(ec2)
    interface_id = create_interface(ec2, subnet, group)
    key = ResourceKey(ENI, interface_id)

    created = recorder.record_resource(SOURCE, key)
    ec2.delete_network_interface(NetworkInterfaceId=interface_id)
    deleted = recorder.record_resource(SOURCE, key)

    assert created is not None and created.status is ItemStatus.RESOURCE_DISCOVERED
    assert deleted is not None and deleted.status is ItemStatus.RESOURCE_DELETED
    # InvalidNetworkInterfaceID.NotFound for an id never seen: nothing to record.
    assert recorder.record_resource(SOURCE, ResourceKey(ENI, "eni-0123456789abcdef0")) is None
