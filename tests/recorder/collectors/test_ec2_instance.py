from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

INSTANCE = "AWS::EC2::Instance"
# One of the images moto bundles in every region (an Ubuntu AMI); listing all of moto's images instead
# (describe_images(Owners=["amazon"])) takes seconds.
AMI = "ami-1e749f67"


def network(ec2: Any, *, public: bool) -> tuple[str, str, str]:
    """A VPC, a subnet in us-east-1b (public addresses on launch if `public`) and a group in it."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    created = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")
    subnet = created["Subnet"]["SubnetId"]
    if public:
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    return vpc, subnet, group


def launch(ec2: Any, subnet: str, group: str, **params: Any) -> dict[str, Any]:
    reservation = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[group], **params
    )
    instance_id = reservation["Instances"][0]["InstanceId"]
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    described: dict[str, Any] = reservation["Instances"][0]
    return described


def test_instance_records_public_ip_volumes_tags_and_relationships(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc, subnet, group = network(ec2, public=True)
    tags = [{"Key": "Name", "Value": "web-1"}, {"Key": "team", "Value": "blue"}]
    raw = launch(ec2, subnet, group, TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])
    instance_id = raw["InstanceId"]
    volume_id = raw["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    interface_id = raw["NetworkInterfaces"][0]["NetworkInterfaceId"]

    recorder.record_pass(SOURCE, resource_types=[INSTANCE])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(INSTANCE, instance_id))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    # AWS Config leaves resourceName null for instances, even with a Name tag.
    assert item.resource_name is None
    assert item.arn == f"arn:aws:ec2:us-east-1:123456789012:instance/{instance_id}"
    assert item.availability_zone == "us-east-1b"
    assert item.resource_creation_time == raw["LaunchTime"]
    assert item.tags == {"Name": "web-1", "team": "blue"}
    config = item.configuration
    assert config is not None
    assert config["instanceId"] == instance_id and config["state"]["name"] == "running"
    assert config["networkInterfaces"][0]["association"]["publicIp"] == raw["PublicIpAddress"]
    assert [m["ebs"]["volumeId"] for m in config["blockDeviceMappings"]] == [volume_id]
    assert config["securityGroups"] == [{"groupId": group, "groupName": "web"}]
    assert config["tags"] == [{"key": "Name", "value": "web-1"}, {"key": "team", "value": "blue"}]
    assert [(r.resource_type, r.resource_id, r.name) for r in item.relationships] == [
        ("AWS::EC2::NetworkInterface", interface_id, "Contains NetworkInterface"),
        ("AWS::EC2::SecurityGroup", group, "Is associated with SecurityGroup"),
        ("AWS::EC2::Subnet", subnet, "Is contained in Subnet"),
        ("AWS::EC2::VPC", vpc, "Is contained in Vpc"),
        ("AWS::EC2::Volume", volume_id, "Is attached to Volume"),
    ]


def test_untagged_private_instance_has_empty_tags_and_no_association(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    _, subnet, group = network(ec2, public=False)
    instance_id = launch(ec2, subnet, group)["InstanceId"]

    first = recorder.record_pass(SOURCE, resource_types=[INSTANCE])
    second = recorder.record_pass(SOURCE, resource_types=[INSTANCE])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(INSTANCE, instance_id))
    assert item is not None and item.configuration is not None
    assert item.configuration["tags"] == [] and item.tags == {}
    assert "association" not in item.configuration["networkInterfaces"][0]
    assert first.items_written == 1
    assert second.items_written == 0


def test_terminating_an_instance_records_its_deletion(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    _, subnet, group = network(ec2, public=False)
    instance_id = launch(ec2, subnet, group)["InstanceId"]
    recorder.record_pass(SOURCE, resource_types=[INSTANCE])
    ec2.terminate_instances(InstanceIds=[instance_id])

    recorder.record_pass(SOURCE, resource_types=[INSTANCE])

    history = recorder.store.items.history(SOURCE, ResourceKey(INSTANCE, instance_id))
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]
    assert history[0].configuration is None
    assert history[0].arn == f"arn:aws:ec2:us-east-1:123456789012:instance/{instance_id}"


def test_targeted_collection_records_one_instance_and_its_termination(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    _, subnet, group = network(ec2, public=False)
    instance_id = launch(ec2, subnet, group)["InstanceId"]
    key = ResourceKey(INSTANCE, instance_id)

    created = recorder.record_resource(SOURCE, key)
    unchanged = recorder.record_resource(SOURCE, key)
    ec2.terminate_instances(InstanceIds=[instance_id])
    terminated = recorder.record_resource(SOURCE, key)

    assert created is not None and created.status is ItemStatus.RESOURCE_DISCOVERED
    assert unchanged is None
    assert terminated is not None and terminated.status is ItemStatus.RESOURCE_DELETED
    # An id EC2 does not know (InvalidInstanceID.NotFound) is "nothing to record", not an error.
    assert recorder.record_resource(SOURCE, ResourceKey(INSTANCE, "i-0123456789abcdef0")) is None
