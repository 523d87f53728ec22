"""Change notifications, read back through an SQS queue subscribed to the channel's topic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.delivery import Deliverer
from roost.delivery.messages import SNS_MAX_MESSAGE_BYTES
from roost.model import DeliveryLastStatus
from roost.recorder.recorder import Recorder
from roost.store import Store
from tests.conftest import SOURCE
from tests.delivery.conftest import BUCKET, SG, Topic, assert_record_format, channel, keys_under, read_json_gz

RULE = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def _for(notifications: list[Any], group: str) -> list[Any]:
    return [
        n
        for n in notifications
        if n.message["messageType"].endswith("ChangeNotification")
        and (n.message.get("configurationItem") or n.message.get("configurationItemSummary"))["resourceId"]
        == group
    ]


def test_created_updated_and_deleted_group_are_notified_with_their_diffs(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, s3: Any, topic: Topic
) -> None:
    store.channels.put(channel(topic=topic), start_cursor=0)
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="web", Description="web tier")["GroupId"]

    recorder.record_pass(SOURCE, resource_types=[SG])
    result = deliverer.deliver_notifications(channel(topic=topic))
    assert result.published >= 1  # moto's default group(s) are discovered too

    (created,) = _for(topic.received(), group)
    assert created.subject == f"[AWS Config:us-east-1] {SG} {group} Created in Account 123456789012"
    message = created.message
    assert message["messageType"] == "ConfigurationItemChangeNotification"
    assert message["recordVersion"] == "1.3"
    assert message["notificationCreationTime"] == "2026-03-07T09:05:00.000Z"
    assert message["configurationItemDiff"] == {"changedProperties": {}, "changeType": "CREATE"}
    item = message["configurationItem"]
    assert_record_format(item)
    assert item["configurationItemStatus"] == "ResourceDiscovered"
    assert item["resourceType"] == SG and item["resourceName"] == "web"
    assert item["configuration"]["description"] == "web tier"

    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[RULE])
    recorder.record_pass(SOURCE, resource_types=[SG])
    assert deliverer.deliver_notifications(channel(topic=topic)).published == 1
    (updated,) = _for(topic.received(), group)
    assert updated.subject == f"[AWS Config:us-east-1] {SG} {group} Updated in Account 123456789012"
    diff = updated.message["configurationItemDiff"]
    assert diff["changeType"] == "UPDATE"
    change = diff["changedProperties"]["Configuration.IpPermissions.0"]
    assert change["changeType"] == "CREATE" and change["previousValue"] is None
    assert change["updatedValue"]["fromPort"] == 443
    assert updated.message["configurationItem"]["configurationItemStatus"] == "OK"

    ec2.delete_security_group(GroupId=group)
    recorder.record_pass(SOURCE, resource_types=[SG])
    assert deliverer.deliver_notifications(channel(topic=topic)).published == 1
    (deleted,) = _for(topic.received(), group)
    assert deleted.subject == f"[AWS Config:us-east-1] {SG} {group} Deleted in Account 123456789012"
    assert deleted.message["configurationItemDiff"]["changeType"] == "DELETE"
    assert deleted.message["configurationItem"]["configurationItemStatus"] == "ResourceDeleted"

    status = store.channels.status(SOURCE, "default")
    assert status is not None and status.config_stream.last_status is DeliveryLastStatus.SUCCESS
    # Nothing new recorded: nothing is sent again.
    assert deliverer.deliver_notifications(channel(topic=topic)).published == 0
    assert topic.received() == []


def test_an_item_too_large_for_sns_goes_through_s3(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, s3: Any, topic: Topic
) -> None:
    store.channels.put(channel(topic=topic, prefix="config"), start_cursor=store.items.last_item_row_id())
    huge = "x" * (SNS_MAX_MESSAGE_BYTES + 1000)  # moto does not cap descriptions at 255 characters
    group = aws("ec2").create_security_group(GroupName="huge", Description=huge)["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])

    result = deliverer.deliver_notifications(channel(topic=topic, prefix="config"))

    assert result.oversized == 1
    (notification,) = _for(topic.received(), group)
    message = notification.message
    assert message["messageType"] == "OversizedConfigurationItemChangeNotification"
    assert notification.subject == f"[AWS Config:us-east-1] {SG} {group} Created in Account 123456789012"
    summary = message["configurationItemSummary"]
    assert summary["changeType"] == "CREATE"
    assert summary["resourceId"] == group and summary["awsAccountId"] == "123456789012"
    assert "configuration" not in summary
    delivery = message["s3DeliverySummary"]
    assert delivery["errorCode"] is None and delivery["errorMessage"] is None
    bucket, key = delivery["s3BucketLocation"].split("/", 1)
    assert bucket == BUCKET
    assert key.startswith("config/AWSLogs/123456789012/Config/us-east-1/2")
    assert (
        f"/OversizedChangeNotification/{SG}/{group}/123456789012_Config_us-east-1_ChangeNotification_" in key
    )
    assert key.endswith(f"_{summary['configurationStateId']}.json.gz")
    assert keys_under(s3, BUCKET, "config/") == [key]
    full = read_json_gz(s3, bucket, key)
    assert full["messageType"] == "ConfigurationItemChangeNotification"
    assert full["configurationItem"]["configuration"]["description"] == huge
    assert_record_format(full["configurationItem"])


def test_without_a_topic_the_stream_is_not_applicable_and_skips_ahead(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, s3: Any, topic: Topic
) -> None:
    store.channels.put(channel(), start_cursor=0)
    ec2 = aws("ec2")
    ec2.create_security_group(GroupName="before", Description="before the topic")
    recorder.record_pass(SOURCE, resource_types=[SG])

    assert deliverer.deliver_notifications(channel()).published == 0
    status = store.channels.status(SOURCE, "default")
    assert status is not None and status.config_stream.last_status is DeliveryLastStatus.NOT_APPLICABLE

    # A topic set later is told only of what is recorded from then on.
    store.channels.put(channel(topic=topic), start_cursor=0)
    after = ec2.create_security_group(GroupName="after", Description="after the topic")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])
    assert deliverer.deliver_notifications(channel(topic=topic)).published == 1
    (only,) = topic.received()
    assert only.message["configurationItem"]["resourceId"] == after


def test_a_deleted_topic_is_a_stream_failure_and_nothing_is_lost(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, s3: Any, topic: Topic
) -> None:
    recorder.record_pass(SOURCE, resource_types=[SG])  # the default VPC's group, before the channel
    store.channels.put(channel(topic=topic), start_cursor=store.items.last_item_row_id())
    group = aws("ec2").create_security_group(GroupName="lonely", Description="d")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])
    topic.delete()

    reports = deliverer.run_once()

    (report,) = reports
    assert report.errors["config_stream"].code == "NotFound"
    status = store.channels.status(SOURCE, "default")
    assert status is not None
    assert status.config_stream.last_status is DeliveryLastStatus.FAILURE
    assert status.config_stream.last_error_code == "NotFound"
    # The S3 exports do not depend on the topic.
    assert status.config_history.last_status is DeliveryLastStatus.SUCCESS
    assert status.config_snapshot.last_status is DeliveryLastStatus.SUCCESS

    again = Topic(aws, "config-topic")  # same name, same ARN
    assert again.arn == topic.arn
    assert deliverer.deliver_notifications(channel(topic=again)).published == 1
    (notification,) = again.received()
    assert notification.message["configurationItem"]["resourceId"] == group
    status = store.channels.status(SOURCE, "default")
    assert status is not None and status.config_stream.last_status is DeliveryLastStatus.SUCCESS
    assert status.config_stream.last_error_code is None


def test_an_oversized_item_whose_s3_write_fails_is_still_notified_with_the_error(
    recorder: Recorder, aws: Callable[..., Any], store: Store, deliverer: Deliverer, topic: Topic
) -> None:
    broken = channel(bucket="missing-bucket", topic=topic)
    store.channels.put(broken, start_cursor=store.items.last_item_row_id())
    huge = "y" * (SNS_MAX_MESSAGE_BYTES + 1)
    group = aws("ec2").create_security_group(GroupName="huge", Description=huge)["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])

    assert deliverer.deliver_notifications(broken).oversized == 1

    (notification,) = _for(topic.received(), group)
    delivery = notification.message["s3DeliverySummary"]
    assert delivery["errorCode"] == "NoSuchBucket" and delivery["errorMessage"]
    assert delivery["s3BucketLocation"].startswith("missing-bucket/AWSLogs/123456789012/Config/us-east-1/")
