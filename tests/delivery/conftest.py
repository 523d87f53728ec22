"""Delivery fixtures: a bucket and a topic in the sandbox, the topic's messages read back through an
SQS queue subscribed to it, and a Deliverer on a frozen clock over the shared store."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from roost.clock import FrozenClock
from roost.cloud import CloudConnector
from roost.delivery import Deliverer
from roost.model import DeliveryChannel
from roost.settings import Settings
from roost.store import Store
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"
BUCKET = "config-bucket-123456789012"
START = datetime(2026, 3, 7, 9, 5, 0, tzinfo=UTC)
HISTORY_INTERVAL = 6 * 3600


@dataclass
class Notification:
    subject: str
    message: dict[str, Any]


class Topic:
    """An SNS topic of the sandbox with an SQS queue subscribed to it (raw delivery off)."""

    def __init__(self, aws: Callable[..., Any], name: str) -> None:
        self.sns = aws("sns")
        self.sqs = aws("sqs")
        self.arn: str = self.sns.create_topic(Name=name)["TopicArn"]
        self.queue_url: str = self.sqs.create_queue(QueueName=f"{name}-queue")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(TopicArn=self.arn, Protocol="sqs", Endpoint=queue_arn)

    def received(self) -> list[Notification]:
        """Every message published since the last call, oldest first."""
        found: list[Notification] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return found
            for raw in batch:
                envelope = json.loads(raw["Body"])
                found.append(Notification(envelope.get("Subject", ""), json.loads(envelope["Message"])))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=raw["ReceiptHandle"])

    def delete(self) -> None:
        self.sns.delete_topic(TopicArn=self.arn)


def read_json_gz(s3: Any, bucket: str, key: str) -> Any:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(gzip.decompress(body))


def keys_under(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


@pytest.fixture
def s3(aws: Callable[..., Any]) -> Any:
    client = aws("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def topic(aws: Callable[..., Any]) -> Topic:
    return Topic(aws, "config-topic")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def deliverer(store: Store, settings: Settings, clock: FrozenClock) -> Deliverer:
    return Deliverer(
        store, CloudConnector(settings.accounts), clock, history_interval_seconds=HISTORY_INTERVAL
    )


def channel(
    *, name: str = "default", bucket: str = BUCKET, prefix: str | None = None, topic: Topic | None = None
) -> DeliveryChannel:
    return DeliveryChannel(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        name=name,
        s3_bucket_name=bucket,
        s3_key_prefix=prefix,
        sns_topic_arn=topic.arn if topic else None,
    )


def assert_record_format(record: dict[str, Any]) -> None:
    """The record dialect (spec §4.1), not the API one."""
    assert record["awsAccountId"] == SOURCE.account_id
    assert record["configurationItemVersion"] == "1.3"
    assert isinstance(record["configurationStateId"], int)
    assert record["configurationItemCaptureTime"].endswith("Z")
    assert "ARN" in record and "arn" not in record and "accountId" not in record
    assert record["configuration"] is None or isinstance(record["configuration"], dict)
    for relationship in record["relationships"]:
        assert set(relationship) == {"resourceId", "resourceName", "resourceType", "name"}
