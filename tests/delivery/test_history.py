"""Configuration history files, read back from the sandbox's S3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.clock import iso_millis
from roost.delivery import Deliverer
from roost.delivery.keys import compact_time, date_folder
from roost.errors import CloudError
from roost.model import DeliveryLastStatus, ResourceKey
from roost.recorder.recorder import Recorder
from roost.store import Store
from tests.conftest import SOURCE
from tests.delivery.conftest import (
    BUCKET,
    HISTORY_INTERVAL,
    SG,
    START,
    Topic,
    assert_record_format,
    channel,
    keys_under,
    read_json_gz,
)

VPC = "AWS::EC2::VPC"


def _file_items(s3: Any, key: str) -> list[dict[str, Any]]:
    body = read_json_gz(s3, BUCKET, key)
    assert list(body) == ["fileVersion", "configurationItems"]
    assert body["fileVersion"] == "1.0"
    items: list[dict[str, Any]] = body["configurationItems"]
    return items


def test_one_file_per_type_with_the_items_since_the_last_delivery(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, s3: Any, topic: Topic
) -> None:
    store.channels.put(channel(topic=topic), start_cursor=0)
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG, VPC])

    keys = deliverer.deliver_history(channel(topic=topic))

    assert keys == keys_under(s3, BUCKET, "AWSLogs/123456789012/Config/us-east-1/")
    assert len(keys) == 2
    by_type = {key.split("_ConfigHistory_")[1].split("_")[0]: key for key in keys}
    assert set(by_type) == {SG, VPC}
    sg_items = _file_items(s3, by_type[SG])
    assert {i["resourceType"] for i in sg_items} == {SG}
    assert group in {i["resourceId"] for i in sg_items}
    for record in sg_items:
        assert_record_format(record)
    assert vpc in {i["resourceId"] for i in _file_items(s3, by_type[VPC])}

    # The key names the capture times of the file's first and last item, and its sequence number.
    stored = store.items.latest_item(SOURCE, ResourceKey(SG, group))
    assert stored is not None
    captured = compact_time(stored.capture_time)
    assert by_type[SG] == (
        f"AWSLogs/123456789012/Config/us-east-1/{date_folder(stored.capture_time)}/ConfigHistory/"
        f"123456789012_Config_us-east-1_ConfigHistory_{SG}_{captured}_{captured}_1.json.gz"
    )
    assert by_type[VPC].endswith("_2.json.gz")  # one sequence per channel, types in name order
    record = next(i for i in sg_items if i["resourceId"] == group)
    assert record["configurationItemCaptureTime"] == iso_millis(stored.capture_time)

    completed = topic.received()
    assert [n.message["messageType"] for n in completed].count("ConfigurationHistoryDeliveryCompleted") == 2
    history_messages = [
        n for n in completed if n.message["messageType"] == "ConfigurationHistoryDeliveryCompleted"
    ]
    assert sorted(n.message["s3ObjectKey"] for n in history_messages) == sorted(keys)
    assert {n.message["s3Bucket"] for n in history_messages} == {BUCKET}
    assert {n.subject for n in history_messages} == {
        "[AWS Config:us-east-1] Configuration History Delivery Completed for Account 123456789012"
    }

    # Nothing new: nothing delivered again.
    assert deliverer.deliver_history(channel(topic=topic)) == []

    # Only what changed since goes into the next file.
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )
    recorder.record_pass(SOURCE, resource_types=[SG, VPC])
    (next_key,) = deliverer.deliver_history(channel(topic=topic))
    assert f"_ConfigHistory_{SG}_" in next_key and next_key.endswith("_3.json.gz")
    (update,) = _file_items(s3, next_key)
    assert update["resourceId"] == group and update["configurationItemStatus"] == "OK"

    status = store.channels.status(SOURCE, "default")
    assert status is not None
    history = status.config_history
    assert history.last_status is DeliveryLastStatus.SUCCESS
    assert history.last_attempt_time == START and history.last_successful_time == START
    assert history.next_delivery_time is not None
    assert (history.next_delivery_time - START).total_seconds() == HISTORY_INTERVAL


def test_a_failed_delivery_keeps_the_cursor_and_delivers_everything_later(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, s3: Any
) -> None:
    store.channels.put(channel(bucket="not-yet-created"), start_cursor=0)
    group = aws("ec2").create_security_group(GroupName="kept", Description="kept")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])

    try:
        deliverer.deliver_history(channel(bucket="not-yet-created"))
    except CloudError as error:
        assert error.code == "NoSuchBucket"
    else:
        raise AssertionError("delivery to a missing bucket succeeded")
    status = store.channels.status(SOURCE, "default")
    assert status is not None
    assert status.config_history.last_status is DeliveryLastStatus.FAILURE
    assert status.config_history.last_error_code == "NoSuchBucket"
    assert status.config_history.last_successful_time is None
    assert store.channels.cursors(SOURCE, "default")[0] == 0

    s3.create_bucket(Bucket="not-yet-created")
    (key,) = deliverer.deliver_history(channel(bucket="not-yet-created"))
    assert group in {i["resourceId"] for i in read_json_gz(s3, "not-yet-created", key)["configurationItems"]}
    status = store.channels.status(SOURCE, "default")
    assert status is not None
    assert status.config_history.last_status is DeliveryLastStatus.SUCCESS
    assert status.config_history.last_error_code is None
    assert store.channels.cursors(SOURCE, "default")[0] == store.items.last_item_row_id()


def test_large_backlogs_are_split_into_batches_without_losing_items(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, s3: Any, settings: Any
) -> None:
    ec2 = aws("ec2")
    groups = {ec2.create_security_group(GroupName=f"g{i}", Description="d")["GroupId"] for i in range(5)}
    recorder.record_pass(SOURCE, resource_types=[SG])
    store.channels.put(channel(), start_cursor=0)
    small = Deliverer(
        store,
        deliverer.connector,
        deliverer.clock,
        history_interval_seconds=HISTORY_INTERVAL,
        history_batch_items=2,
    )

    keys = small.deliver_history(channel())

    delivered = [i["resourceId"] for key in keys for i in _file_items(s3, key)]
    assert groups <= set(delivered)
    assert len(delivered) == len(set(delivered)) == store.items.count_items(SOURCE)
    assert [int(k.rsplit("_", 1)[1].split(".")[0]) for k in keys] == list(range(1, len(keys) + 1))
