"""Configuration snapshots and the writability check, read back from the sandbox's S3."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from roost.delivery import Deliverer
from roost.errors import CloudError
from roost.model import DeliveryLastStatus
from roost.recorder.recorder import Recorder
from roost.store import Store
from tests.conftest import SOURCE
from tests.delivery.conftest import (
    BUCKET,
    SG,
    START,
    Topic,
    assert_record_format,
    channel,
    keys_under,
    read_json_gz,
)


def test_the_writability_check_writes_an_empty_file(deliverer: Deliverer, s3: Any) -> None:
    deliverer.check_writable(channel(prefix="audit"))

    (key,) = keys_under(s3, BUCKET)
    assert key == "audit/AWSLogs/123456789012/Config/ConfigWritabilityCheckFile"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b""


def test_the_writability_check_reports_a_missing_bucket(deliverer: Deliverer, s3: Any) -> None:
    with pytest.raises(CloudError) as raised:
        deliverer.check_writable(channel(bucket="no-such-bucket"))
    assert raised.value.code == "NoSuchBucket"


def test_the_topic_check_reports_a_missing_topic(deliverer: Deliverer, topic: Topic) -> None:
    deliverer.check_topic(channel(topic=topic))
    topic.delete()
    with pytest.raises(CloudError) as raised:
        deliverer.check_topic(channel(topic=topic))
    assert raised.value.code == "NotFound"


def test_a_snapshot_holds_the_current_item_of_every_resource_not_deleted(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, s3: Any, topic: Topic
) -> None:
    store.channels.put(channel(topic=topic), start_cursor=0)
    ec2 = aws("ec2")
    kept = ec2.create_security_group(GroupName="kept", Description="before")["GroupId"]
    gone = ec2.create_security_group(GroupName="gone", Description="gone")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])
    ec2.create_tags(Resources=[kept], Tags=[{"Key": "team", "Value": "blue"}])
    ec2.delete_security_group(GroupId=gone)
    recorder.record_pass(SOURCE, resource_types=[SG])

    snapshot_id = deliverer.deliver_snapshot(channel(topic=topic))

    assert str(uuid.UUID(snapshot_id)) == snapshot_id
    (key,) = keys_under(s3, BUCKET)
    assert key == (
        "AWSLogs/123456789012/Config/us-east-1/2026/3/7/ConfigSnapshot/"
        f"123456789012_Config_us-east-1_ConfigSnapshot_20260307T090500Z_{snapshot_id}.json.gz"
    )
    body = read_json_gz(s3, BUCKET, key)
    assert list(body) == ["fileVersion", "configSnapshotId", "configurationItems"]
    assert body["fileVersion"] == "1.0" and body["configSnapshotId"] == snapshot_id
    items = {i["resourceId"]: i for i in body["configurationItems"]}
    assert gone not in items
    assert set(items) == {r.resource_id for r in store.items.discovered(SOURCE, SG)}
    for record in items.values():
        assert_record_format(record)
    assert items[kept]["tags"] == {"team": "blue"}  # the newest item, not the first
    assert items[kept]["configurationItemStatus"] == "OK"

    started, completed = topic.received()[-2:]
    assert (
        started.subject
        == "[AWS Config:us-east-1] Configuration Snapshot Delivery Started for Account 123456789012"
    )
    assert started.message == {
        "configSnapshotId": snapshot_id,
        "notificationCreationTime": "2026-03-07T09:05:00.000Z",
        "messageType": "ConfigurationSnapshotDeliveryStarted",
        "recordVersion": "1.1",
    }
    assert completed.subject.endswith("Configuration Snapshot Delivery Completed for Account 123456789012")
    assert completed.message["messageType"] == "ConfigurationSnapshotDeliveryCompleted"
    assert completed.message["configSnapshotId"] == snapshot_id
    assert completed.message["s3ObjectKey"] == key and completed.message["s3Bucket"] == BUCKET

    status = store.channels.status(SOURCE, "default")
    assert status is not None
    snapshot = status.config_snapshot
    assert snapshot.last_status is DeliveryLastStatus.SUCCESS
    assert snapshot.last_successful_time == START
    assert snapshot.next_delivery_time is not None
    assert (snapshot.next_delivery_time - START).total_seconds() == 24 * 3600


def test_a_snapshot_to_a_missing_bucket_fails_in_the_status(
    deliverer: Deliverer, store: Store, s3: Any
) -> None:
    store.channels.put(channel(bucket="no-such-bucket"), start_cursor=0)

    with pytest.raises(CloudError) as raised:
        deliverer.deliver_snapshot(channel(bucket="no-such-bucket"))

    assert raised.value.code == "NoSuchBucket"
    status = store.channels.status(SOURCE, "default")
    assert status is not None
    assert status.config_snapshot.last_status is DeliveryLastStatus.FAILURE
    assert status.config_snapshot.last_error_code == "NoSuchBucket"
    assert status.config_snapshot.last_error_message
