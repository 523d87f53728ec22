"""AWS-PublishSNSNotification, against the sandbox: the message reaches the topic's subscribers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWS-PublishSNSNotification"


def _topic_with_queue(aws: Callable[..., Any]) -> tuple[str, str]:
    sns, sqs = aws("sns"), aws("sqs")
    topic = sns.create_topic(Name="compliance-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def _received(aws: Callable[..., Any], queue: str) -> list[str]:
    messages = aws("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages") or []
    return [json.loads(m["Body"])["Message"] for m in messages]


def test_it_publishes_the_message_to_the_topic(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    topic, queue = _topic_with_queue(aws)

    run = run_document(NAME, {"TopicArn": [topic], "Message": ["bucket logs-1 is public"]})

    assert run.failure is None
    assert run.step_names == ["PublishSNSNotification"]
    assert run.writes == [("sns", "publish", {"TopicArn": topic, "Message": "bucket logs-1 is public"})]
    assert _received(aws, queue) == ["bucket logs-1 is public"]


def test_a_dry_run_publishes_nothing_and_shows_the_call(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    topic, queue = _topic_with_queue(aws)

    run = run_document(NAME, {"TopicArn": [topic], "Message": ["hello"]}, dry_run=True)

    assert run.failure is None
    assert run.writes == [("sns", "publish", {"TopicArn": topic, "Message": "hello"})]
    assert all(not call.made for call in run.calls)
    assert _received(aws, queue) == []


def test_a_missing_topic_fails_the_step_with_snss_error(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    run = run_document(
        NAME, {"TopicArn": ["arn:aws:sns:us-east-1:123456789012:no-such-topic"], "Message": ["x"]}
    )

    assert run.failure is not None and run.failure.step == "PublishSNSNotification"
    assert "NotFound" in run.failure.reason


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert document.resource_types == ()
    assert [p.name for p in document.parameters] == ["TopicArn", "Message", "AutomationAssumeRole"]
    topic = "arn:aws:sns:us-east-1:123456789012:alerts"
    with pytest.raises(ParameterError):
        document.resolve({"TopicArn": [topic]})  # Message is required
    with pytest.raises(ParameterError):
        document.resolve({"Message": ["m"]})  # TopicArn is required
    with pytest.raises(ParameterError):
        document.resolve({"TopicArn": ["alerts"], "Message": ["m"]})  # an ARN, not a name
    assert document.resolve({"TopicArn": [topic], "Message": ["m"]}) == {
        "TopicArn": topic,
        "Message": "m",
        "AutomationAssumeRole": "",
    }
