from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

KEY = "AWS::KMS::Key"


def test_customer_key_records_metadata_rotation_and_tags(recorder: Recorder, aws: Callable[..., Any]) -> None:
    kms = aws("kms")
    key = kms.create_key(Description="orders data", Tags=[{"TagKey": "app", "TagValue": "orders"}])[
        "KeyMetadata"
    ]
    kms.enable_key_rotation(KeyId=key["KeyId"])

    recorder.record_pass(SOURCE, resource_types=[KEY])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(KEY, key["KeyId"]))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.arn == key["Arn"] == f"arn:aws:kms:us-east-1:123456789012:key/{key['KeyId']}"
    assert item.aws_region == "us-east-1"
    assert item.resource_creation_time is not None
    assert item.tags == {"app": "orders"}
    config = item.configuration
    assert config is not None
    assert config["keyId"] == key["KeyId"] and config["arn"] == key["Arn"]
    assert config["keyState"] == "Enabled" and config["enabled"] is True
    assert config["keyManager"] == "CUSTOMER" and config["keyUsage"] == "ENCRYPT_DECRYPT"
    assert config["description"] == "orders data" and config["origin"] == "AWS_KMS"
    assert config["awsaccountId"] == "123456789012" and "aWSAccountId" not in config
    assert config["deletionDate"] is None
    assert item.supplementary_configuration == {"KeyRotationStatus": True}


def test_aws_managed_keys_are_not_recorded(recorder: Recorder, aws: Callable[..., Any]) -> None:
    kms = aws("kms")
    managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]  # moto creates it on first use
    own = kms.create_key()["KeyMetadata"]["KeyId"]

    recorder.record_pass(SOURCE, resource_types=[KEY])

    assert recorder.store.items.latest_item(SOURCE, ResourceKey(KEY, own)) is not None
    assert recorder.store.items.latest_item(SOURCE, ResourceKey(KEY, managed)) is None
    assert recorder.record_resource(SOURCE, ResourceKey(KEY, managed)) is None


def test_scheduling_deletion_is_a_change_and_a_second_pass_writes_nothing(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    kms = aws("kms")
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    recorder.record_pass(SOURCE, resource_types=[KEY])
    assert recorder.record_pass(SOURCE, resource_types=[KEY]).items_written == 0
    assert recorder.record_resource(SOURCE, ResourceKey(KEY, key_id)) is None

    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    item = recorder.record_resource(SOURCE, ResourceKey(KEY, key_id))

    assert item is not None and item.status is ItemStatus.OK and item.configuration is not None
    assert item.configuration["keyState"] == "PendingDeletion"
    assert item.configuration["deletionDate"] is not None
    assert item.supplementary_configuration == {"KeyRotationStatus": False}
    assert recorder.record_pass(SOURCE, resource_types=[KEY]).items_written == 0


def forget_key(key_id: str) -> None:
    """Let a key's deletion waiting period end: KMS then forgets the key.

    moto never ends it (a key pending deletion stays listed forever), so the sandbox's in-process
    KMS backend drops the key, as AWS does once the period is over.
    """
    from moto.kms.models import kms_backends

    del kms_backends[SOURCE.account_id][SOURCE.region].keys[key_id]


def test_a_key_kms_no_longer_knows_is_recorded_as_deleted(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    kms = aws("kms")
    gone = kms.create_key()["KeyMetadata"]["KeyId"]
    targeted = kms.create_key()["KeyMetadata"]["KeyId"]
    recorder.record_pass(SOURCE, resource_types=[KEY])
    for key_id in (gone, targeted):
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        forget_key(key_id)

    recorder.record_resource(SOURCE, ResourceKey(KEY, targeted))
    recorder.record_pass(SOURCE, resource_types=[KEY])

    for key_id in (gone, targeted):
        history = recorder.store.items.history(SOURCE, ResourceKey(KEY, key_id))
        assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]
    assert recorder.record_resource(SOURCE, ResourceKey(KEY, "00000000-0000-0000-0000-000000000000")) is None
