from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

QUEUE = "AWS::SQS::Queue"
URL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
ARN = "arn:aws:sqs:us-east-1:123456789012:jobs"


def test_queue_is_keyed_by_its_aws_url_with_typed_attributes(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    # moto answers with URLs on its own host and port; the id is AWS's form of the URL all the same.
    endpoint_url = aws("sqs").create_queue(
        QueueName="jobs",
        Attributes={"VisibilityTimeout": "60", "KmsMasterKeyId": "alias/aws/sqs"},
        tags={"team": "ops"},
    )["QueueUrl"]
    assert endpoint_url != URL

    recorder.record_pass(SOURCE, resource_types=[QUEUE])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(QUEUE, URL))
    assert item is not None and item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.resource_name == "jobs"
    assert item.arn == ARN
    assert item.tags == {"team": "ops"}
    assert item.resource_creation_time is not None
    assert item.relationships == ()
    config = item.configuration
    assert config is not None
    assert config["QueueUrl"] == URL
    assert config["QueueName"] == "jobs"
    assert config["QueueArn"] == ARN
    assert config["VisibilityTimeout"] == 60
    assert config["DelaySeconds"] == 0
    assert config["KmsMasterKeyId"] == "alias/aws/sqs"
    assert config["CreatedTimestamp"].endswith("Z")
    assert "ApproximateNumberOfMessages" not in config and "EndpointUrl" not in config


def test_messages_change_nothing_attributes_do(recorder: Recorder, aws: Callable[..., Any]) -> None:
    sqs = aws("sqs")
    endpoint_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    key = ResourceKey(QUEUE, URL)
    recorder.record_pass(SOURCE, resource_types=[QUEUE])

    sqs.send_message(QueueUrl=endpoint_url, MessageBody="work")
    assert recorder.record_pass(SOURCE, resource_types=[QUEUE]).items_written == 0

    sqs.set_queue_attributes(QueueUrl=endpoint_url, Attributes={"DelaySeconds": "5"})
    updated = recorder.record_resource(SOURCE, key)
    assert updated is not None and updated.status is ItemStatus.OK
    assert updated.configuration is not None and updated.configuration["DelaySeconds"] == 5
    assert recorder.record_resource(SOURCE, ResourceKey(QUEUE, URL + "-gone")) is None

    sqs.delete_queue(QueueUrl=endpoint_url)
    recorder.record_pass(SOURCE, resource_types=[QUEUE])

    history = recorder.store.items.history(SOURCE, key)
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]
