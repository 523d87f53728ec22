"""AWS-EnableCloudTrail, against the sandbox: a new trail delivering to the bucket, logging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWS-EnableCloudTrail"


def test_it_creates_the_trail_and_starts_logging(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    cloudtrail = aws("cloudtrail")
    assert cloudtrail.describe_trails()["trailList"] == []

    run = run_document(NAME, {"TrailName": ["account-trail"], "S3BucketName": ["trail-logs"]})

    assert run.failure is None
    assert run.step_names == ["CreateTrail", "StartLogging"]
    (trail,) = cloudtrail.describe_trails()["trailList"]
    assert (trail["Name"], trail["S3BucketName"]) == ("account-trail", "trail-logs")
    assert trail["IsMultiRegionTrail"] is False  # CloudTrail's defaults: the runbook sets nothing else
    assert cloudtrail.get_trail_status(Name="account-trail")["IsLogging"] is True


def test_a_dry_run_changes_nothing_and_shows_the_calls(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")

    run = run_document(NAME, {"TrailName": ["account-trail"], "S3BucketName": ["trail-logs"]}, dry_run=True)

    assert run.failure is None
    assert run.writes == [
        ("cloudtrail", "create_trail", {"Name": "account-trail", "S3BucketName": "trail-logs"}),
        ("cloudtrail", "start_logging", {"Name": "account-trail"}),
    ]
    assert aws("cloudtrail").describe_trails()["trailList"] == []


def test_a_missing_bucket_fails_the_first_step_with_cloudtrails_error(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    run = run_document(NAME, {"TrailName": ["account-trail"], "S3BucketName": ["no-such-bucket"]})

    assert run.failure is not None and run.failure.step == "CreateTrail"
    assert "S3BucketDoesNotExistException" in run.failure.reason
    assert run.step_names == ["CreateTrail"]  # StartLogging never ran
    assert aws("cloudtrail").describe_trails()["trailList"] == []


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert document.resource_types == ("AWS::::Account",)
    assert [p.name for p in document.parameters] == ["TrailName", "S3BucketName", "AutomationAssumeRole"]
    with pytest.raises(ParameterError):
        document.resolve({"TrailName": ["t"]})  # S3BucketName is required
    with pytest.raises(ParameterError):
        document.resolve({"S3BucketName": ["b"]})  # TrailName is required
    assert document.resolve({"TrailName": ["t"], "S3BucketName": ["b"]}) == {
        "TrailName": "t",
        "S3BucketName": "b",
        "AutomationAssumeRole": "",
    }
