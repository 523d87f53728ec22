"""AWS-DisableS3BucketPublicReadWrite, against the sandbox: all four Block Public Access settings go on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWS-DisableS3BucketPublicReadWrite"
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _public_bucket(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )


def test_it_blocks_all_public_access(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    _public_bucket(s3, "public-bucket")

    run = run_document(NAME, {"S3BucketName": ["public-bucket"]})

    assert run.failure is None
    assert run.step_names == ["PutPublicAccessBlock"]
    assert s3.get_public_access_block(Bucket="public-bucket")["PublicAccessBlockConfiguration"] == ALL_BLOCKED


def test_a_dry_run_changes_nothing_and_shows_the_call(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    _public_bucket(s3, "public-bucket")

    run = run_document(NAME, {"S3BucketName": ["public-bucket"]}, dry_run=True)

    assert run.failure is None
    assert run.writes == [
        (
            "s3",
            "put_public_access_block",
            {"Bucket": "public-bucket", "PublicAccessBlockConfiguration": ALL_BLOCKED},
        )
    ]
    assert not any(
        s3.get_public_access_block(Bucket="public-bucket")["PublicAccessBlockConfiguration"].values()
    )


def test_a_missing_bucket_fails_the_step_with_s3s_error(run_document: Callable[..., DocumentRun]) -> None:
    run = run_document(NAME, {"S3BucketName": ["no-such-bucket"]})

    assert run.failure is not None and run.failure.step == "PutPublicAccessBlock"
    assert "NoSuchBucket" in run.failure.reason


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert document.resource_types == ("AWS::S3::Bucket",)
    assert [p.name for p in document.parameters] == ["S3BucketName", "AutomationAssumeRole"]
    with pytest.raises(ParameterError):
        document.resolve({})  # S3BucketName is required
    with pytest.raises(ParameterError):
        document.resolve({"BucketName": ["b"]})  # AWS calls it S3BucketName here
    assert document.resolve({"S3BucketName": ["b"]}) == {"S3BucketName": "b", "AutomationAssumeRole": ""}
