from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import annotations, evaluate

BUCKET = "AWS::S3::Bucket"
C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def test_buckets_without_matching_notifications_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3, sqs = aws("s3"), aws("sqs")
    url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for bucket in ("silent", "notifying", "deletes-only"):
        s3.create_bucket(Bucket=bucket)

    def notify(bucket: str, events: list[str]) -> None:
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={"QueueConfigurations": [{"QueueArn": queue, "Events": events}]},
        )

    notify("notifying", ["s3:ObjectCreated:*"])
    notify("deletes-only", ["s3:ObjectRemoved:*"])

    found = evaluate(
        recorder, engine, "S3_EVENT_NOTIFICATIONS_ENABLED", "s3-event-notifications-enabled", [BUCKET]
    )
    assert found == {"silent": N, "notifying": C, "deletes-only": C}

    puts = evaluate(
        recorder, engine, "S3_EVENT_NOTIFICATIONS_ENABLED", "s3-event-notifications-puts", [BUCKET],
        {"destinationArn": queue, "eventTypes": "s3:ObjectCreated:Put"},
    )  # fmt: skip
    elsewhere = evaluate(
        recorder, engine, "S3_EVENT_NOTIFICATIONS_ENABLED", "s3-event-notifications-topic", [BUCKET],
        {"destinationArn": "arn:aws:sns:us-east-1:123456789012:other"},
    )  # fmt: skip
    assert puts == {"silent": N, "notifying": C, "deletes-only": N}
    assert elsewhere["notifying"] is N
    assert annotations(recorder, "s3-event-notifications-puts")["deletes-only"] == (
        "The bucket deletes-only sends no notification for s3:ObjectCreated:Put."
    )
