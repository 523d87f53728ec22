from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results

TRAIL = "AWS::CloudTrail::Trail"


def test_trails_without_a_log_group_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    aws("logs").create_log_group(logGroupName="trail")
    group_arn = aws("logs").describe_log_groups()["logGroups"][0]["arn"]
    role = "arn:aws:iam::123456789012:role/trail-to-logs"
    cloudtrail = aws("cloudtrail")
    cloudtrail.create_trail(
        Name="watched",
        S3BucketName="trail-logs",
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role,
    )
    cloudtrail.create_trail(Name="unwatched", S3BucketName="trail-logs")
    recorder.record_pass(SOURCE, resource_types=[TRAIL])

    results = evaluate_results(
        recorder, engine, "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", "cloud-trail-cloud-watch-logs-enabled"
    )

    assert results["watched"].compliance_type is ComplianceType.COMPLIANT
    assert results["unwatched"].compliance_type is ComplianceType.NON_COMPLIANT
    assert results["unwatched"].annotation == "The trail does not send its events to CloudWatch Logs."


def test_a_delivery_window_asks_cloudtrail_for_the_latest_delivery(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    aws("logs").create_log_group(logGroupName="trail")
    group_arn = aws("logs").describe_log_groups()["logGroups"][0]["arn"]
    aws("cloudtrail").create_trail(
        Name="watched",
        S3BucketName="trail-logs",
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/trail-to-logs",
    )
    recorder.record_pass(SOURCE, resource_types=[TRAIL])

    results = evaluate_results(
        recorder,
        engine,
        "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED",
        "cloud-trail-cloud-watch-logs-enabled",
        expectedDeliveryWindowAge="24",
    )

    # The sandbox trail has never delivered anything to CloudWatch Logs.
    assert results["watched"].compliance_type is ComplianceType.NON_COMPLIANT
