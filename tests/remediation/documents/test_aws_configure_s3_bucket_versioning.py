"""AWS-ConfigureS3BucketVersioning, against the sandbox: versioning is enabled or suspended."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWS-ConfigureS3BucketVersioning"


def test_it_enables_versioning_by_default(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="unversioned")
    assert "Status" not in s3.get_bucket_versioning(Bucket="unversioned")

    run = run_document(NAME, {"BucketName": ["unversioned"]})

    assert run.failure is None
    assert run.step_names == ["ConfigureVersioning"]
    assert run.writes == [
        (
            "s3",
            "put_bucket_versioning",
            {
                "Bucket": "unversioned",
                "VersioningConfiguration": {"MFADelete": "Disabled", "Status": "Enabled"},
            },
        )
    ]
    assert s3.get_bucket_versioning(Bucket="unversioned")["Status"] == "Enabled"


def test_suspended_suspends_it(aws: Callable[..., Any], run_document: Callable[..., DocumentRun]) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})

    run = run_document(NAME, {"BucketName": ["versioned"], "VersioningState": ["Suspended"]})

    assert run.failure is None
    assert s3.get_bucket_versioning(Bucket="versioned")["Status"] == "Suspended"


def test_a_dry_run_changes_nothing_and_shows_the_call(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="unversioned")

    run = run_document(NAME, {"BucketName": ["unversioned"]}, dry_run=True)

    assert run.failure is None
    assert [(service, operation) for service, operation, _ in run.writes] == [("s3", "put_bucket_versioning")]
    assert all(not call.made for call in run.calls if call.writes)
    assert "Status" not in s3.get_bucket_versioning(Bucket="unversioned")


def test_a_missing_bucket_fails_the_step_with_s3s_error(run_document: Callable[..., DocumentRun]) -> None:
    run = run_document(NAME, {"BucketName": ["no-such-bucket"]})

    assert run.failure is not None and run.failure.step == "ConfigureVersioning"
    assert "NoSuchBucket" in run.failure.reason


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert document.resource_types == ("AWS::S3::Bucket",)
    assert [p.name for p in document.parameters] == ["BucketName", "VersioningState", "AutomationAssumeRole"]
    with pytest.raises(ParameterError):
        document.resolve({})  # BucketName is required
    with pytest.raises(ParameterError):
        document.resolve(
            {"BucketName": ["b"], "VersioningState": ["Disabled"]}
        )  # no going back to unversioned
    assert document.resolve({"BucketName": ["b"]}) == {
        "BucketName": "b",
        "VersioningState": "Enabled",
        "AutomationAssumeRole": "",
    }
