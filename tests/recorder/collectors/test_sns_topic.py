from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.collectors.sns_topic import attribute_value
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

TOPIC = "AWS::SNS::Topic"
ARN = "arn:aws:sns:us-east-1:123456789012:alerts"


def test_topic_is_keyed_by_arn_with_its_attributes_as_configuration(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    aws("sns").create_topic(
        Name="alerts",
        Attributes={"DisplayName": "Alerts", "KmsMasterKeyId": "alias/aws/sns"},
        Tags=[{"Key": "team", "Value": "ops"}],
    )

    recorder.record_pass(SOURCE, resource_types=[TOPIC])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(TOPIC, ARN))
    assert item is not None and item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.resource_name == "alerts"
    assert item.arn == ARN
    assert item.tags == {"team": "ops"}
    assert item.relationships == ()
    config = item.configuration
    assert config is not None
    # SNS topics keep the attribute names as SNS spells them.
    assert config["TopicArn"] == ARN
    assert config["DisplayName"] == "Alerts"
    assert config["KmsMasterKeyId"] == "alias/aws/sns"
    assert config["Owner"] == "123456789012"
    assert "Statement" in config["Policy"]
    assert "SubscriptionsConfirmed" not in config


def test_subscribing_changes_nothing_but_attributes_do(recorder: Recorder, aws: Callable[..., Any]) -> None:
    sns = aws("sns")
    sns.create_topic(Name="alerts")
    key = ResourceKey(TOPIC, ARN)
    recorder.record_pass(SOURCE, resource_types=[TOPIC])

    sns.subscribe(TopicArn=ARN, Protocol="email", Endpoint="ops@example.com")
    assert recorder.record_pass(SOURCE, resource_types=[TOPIC]).items_written == 0

    sns.set_topic_attributes(TopicArn=ARN, AttributeName="DisplayName", AttributeValue="Paging")
    updated = recorder.record_resource(SOURCE, key)
    assert updated is not None and updated.status is ItemStatus.OK
    assert updated.configuration is not None and updated.configuration["DisplayName"] == "Paging"
    assert recorder.record_resource(SOURCE, ResourceKey(TOPIC, ARN + "-gone")) is None

    sns.delete_topic(TopicArn=ARN)
    recorder.record_pass(SOURCE, resource_types=[TOPIC])

    history = recorder.store.items.history(SOURCE, key)
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]


def test_feedback_sample_rates_are_integers() -> None:
    # moto 5.2.5 accepts the feedback attributes but never returns them, so this is checked directly.
    assert attribute_value("LambdaSuccessFeedbackSampleRate", "50") == 50
    assert attribute_value("DisplayName", "50") == "50"
