from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

VOLUME = "AWS::EC2::Volume"
# One of the images moto bundles in every region (an Ubuntu AMI).
AMI = "ami-1e749f67"


def launch(ec2: Any, zone: str) -> str:
    placement = {"AvailabilityZone": zone}
    reservation = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, Placement=placement)
    instance_id: str = reservation["Instances"][0]["InstanceId"]
    return instance_id


def test_encrypted_tagged_volume_attached_to_an_instance(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    volume = ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=10,
        Encrypted=True,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "daily"}]}],
    )
    volume_id = volume["VolumeId"]
    instance_id = launch(ec2, "us-east-1a")
    ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")

    recorder.record_pass(SOURCE, resource_types=[VOLUME])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(VOLUME, volume_id))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.resource_name is None
    assert item.arn == f"arn:aws:ec2:us-east-1:123456789012:volume/{volume_id}"
    assert item.availability_zone == "us-east-1a"
    assert item.resource_creation_time == volume["CreateTime"]
    assert item.tags == {"backup": "daily"}
    config = item.configuration
    assert config is not None
    assert config["volumeId"] == volume_id and config["size"] == 10 and config["state"] == "in-use"
    assert config["encrypted"] is True
    assert config["kmsKeyId"] == volume["KmsKeyId"]
    assert [a["instanceId"] for a in config["attachments"]] == [instance_id]
    assert config["tags"] == [{"key": "backup", "value": "daily"}]
    assert [(r.resource_type, r.resource_id, r.name) for r in item.relationships] == [
        ("AWS::EC2::Instance", instance_id, "Is attached to Instance")
    ]


def test_plain_volume_has_null_key_and_empty_lists(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    volume_id = ec2.create_volume(AvailabilityZone="us-east-1c", Size=1)["VolumeId"]

    first = recorder.record_pass(SOURCE, resource_types=[VOLUME])
    second = recorder.record_pass(SOURCE, resource_types=[VOLUME])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(VOLUME, volume_id))
    assert item is not None and item.configuration is not None
    assert item.configuration["encrypted"] is False
    # EC2 omits KmsKeyId on an unencrypted volume; AWS Config records it as null.
    assert "kmsKeyId" in item.configuration and item.configuration["kmsKeyId"] is None
    assert item.configuration["attachments"] == [] and item.configuration["tags"] == []
    assert item.relationships == ()
    assert first.items_written == 1 and second.items_written == 0


def test_detaching_then_deleting_a_volume(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    volume_id = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    instance_id = launch(ec2, "us-east-1a")
    ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")
    recorder.record_pass(SOURCE, resource_types=[VOLUME])

    # moto 5.2.5 fails (HTTP 500) on DetachVolume without InstanceId; AWS accepts VolumeId alone.
    ec2.detach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")
    recorder.record_pass(SOURCE, resource_types=[VOLUME])
    ec2.delete_volume(VolumeId=volume_id)
    recorder.record_pass(SOURCE, resource_types=[VOLUME])

    history = recorder.store.items.history(SOURCE, ResourceKey(VOLUME, volume_id))
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]
    detached = history[1]
    assert detached.relationships == () and detached.configuration is not None
    assert detached.configuration["attachments"] == [] and detached.configuration["state"] == "available"


def test_targeted_collection_of_a_volume(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    volume_id = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    key = ResourceKey(VOLUME, volume_id)

    created = recorder.record_resource(SOURCE, key)
    ec2.delete_volume(VolumeId=volume_id)
    deleted = recorder.record_resource(SOURCE, key)

    assert created is not None and created.status is ItemStatus.RESOURCE_DISCOVERED
    assert created.configuration is not None and created.configuration["volumeId"] == volume_id
    assert deleted is not None and deleted.status is ItemStatus.RESOURCE_DELETED
    # InvalidVolume.NotFound for an id never seen: nothing to record.
    assert recorder.record_resource(SOURCE, ResourceKey(VOLUME, "vol-0123456789abcdef0")) is None
